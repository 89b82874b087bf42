// Command-line conventions of every subcommand: options take one value per
// occurrence, so options and paths can be written in any order (issue 15
// item 1: `run --rules rules/macos events.ndjson` read the events file as a
// rule file). The checks walk every option of every registered subcommand, so
// a new option is covered without editing this file.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cli/app.h"

namespace picket::cli {
namespace {

// A fresh app, parsed without running the subcommand.
struct ParsedApp {
  CLI::App app;
  int exit_code = 0;
  ParsedApp() { BuildApp(app, &exit_code); }
  // Parses argv (without the program name); returns the CLI11 error, or ""
  // when the arguments parsed. A trailing --help stops CLI11 after it has
  // stored the values and before it runs the subcommand.
  std::string Parse(std::vector<std::string> args) {
    args.push_back("--help");
    std::reverse(args.begin(), args.end());  // CLI11 takes them reversed
    try {
      app.parse(args);
    } catch (const CLI::CallForHelp&) {
      return "";
    } catch (const CLI::ParseError& e) {
      return e.what();
    }
    return "subcommand ran";
  }
  CLI::App* Sub(const std::string& name) { return app.get_subcommand(name); }
};

std::vector<CLI::App*> Subcommands(CLI::App& app) {
  return app.get_subcommands([](CLI::App*) { return true; });
}

bool IsValueOption(const CLI::Option* opt) {
  return !opt->get_positional() && opt->get_type_size() != 0 && opt->get_expected_max() != 0;
}

CLI::Option* PositionalList(CLI::App* sub) {
  for (CLI::Option* opt : sub->get_options())
    if (opt->get_positional() && opt->get_expected_max() > 1) return opt;
  return nullptr;
}

TEST(CliOptions, ReadmeRunExampleSplitsRulesFromEvents) {
  ParsedApp p;
  EXPECT_EQ(
      p.Parse({"run", "--rules", "rules/macos", "events.ndjson", "--output", "alerts.ndjson"}), "");
  CLI::App* run = p.Sub("run");
  EXPECT_EQ(run->get_option("--rules")->results(), std::vector<std::string>{"rules/macos"});
  EXPECT_EQ(run->get_option("events")->results(), std::vector<std::string>{"events.ndjson"});
  EXPECT_EQ(run->get_option("--output")->results(), std::vector<std::string>{"alerts.ndjson"});
}

TEST(CliOptions, ServeRulesTakesOneValue) {
  ParsedApp p;
  p.Parse({"serve", "--rules", "a", "b", "--state-dir", "s"});
  EXPECT_EQ(p.Sub("serve")->get_option("--rules")->results(), std::vector<std::string>{"a"});
  EXPECT_EQ(p.Sub("serve")->remaining(), std::vector<std::string>{"b"}) << "an unexpected argument";
}

TEST(CliOptions, CommaListsOnlyWhereDocumented) {
  ParsedApp p;
  EXPECT_EQ(p.Parse({"lint", "--ignore", "case-trap,tag-prefix", "--ignore", "rule-id", "x"}), "");
  EXPECT_EQ(p.Sub("lint")->get_option("--ignore")->as<std::vector<std::string>>(),
            (std::vector<std::string>{"case-trap", "tag-prefix", "rule-id"}));
  ParsedApp q;
  EXPECT_EQ(q.Parse({"run", "--rules", "a,b", "x"}), "");
  EXPECT_EQ(q.Sub("run")->get_option("--rules")->as<std::vector<std::string>>(),
            std::vector<std::string>{"a,b"})
      << "paths may contain commas";
}

// For every subcommand and every option that takes a value:
// `SUB --opt V1 POS --opt V2` gives the option exactly [V1, V2] (or [V2] for
// a single-valued option, which keeps the last) and never swallows POS.
TEST(CliOptions, EveryOptionTakesOneValuePerOccurrence) {
  ParsedApp names;
  size_t checked = 0;
  for (CLI::App* sub : Subcommands(names.app)) {
    for (CLI::Option* opt : sub->get_options()) {
      if (!IsValueOption(opt) || opt->get_name() == "--help") continue;
      std::string flag =
          opt->get_lnames().empty() ? "-" + opt->get_snames()[0] : "--" + opt->get_lnames()[0];
      SCOPED_TRACE(sub->get_name() + " " + flag);
      EXPECT_FALSE(opt->get_allow_extra_args());
      EXPECT_LE(opt->get_expected_max(), 1);

      ParsedApp p;
      CLI::App* s = p.Sub(sub->get_name());
      std::vector<std::string> args = {sub->get_name(), flag, "V1", "POS", flag, "V2"};
      // Hunt's required query comes first so that POS is a path.
      if (sub->get_name() == "hunt") args.insert(args.begin() + 1, "q");
      p.Parse(args);  // validators may refuse V1/V2; the results are what counts
      auto results = s->get_option(flag)->results();
      bool list = s->get_option(flag)->get_multi_option_policy() == CLI::MultiOptionPolicy::TakeAll;
      if (list)
        EXPECT_EQ(results, (std::vector<std::string>{"V1", "V2"}));
      else
        EXPECT_EQ(results.back(), "V2");
      for (const auto& r : results) EXPECT_NE(r, "POS");
      if (CLI::Option* pos = PositionalList(s)) {
        auto got = pos->results();
        EXPECT_NE(std::find(got.begin(), got.end(), "POS"), got.end());
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 50u);
}

// A list option says in its help that it can be repeated.
TEST(CliOptions, ListOptionsSayTheyRepeat) {
  ParsedApp p;
  for (CLI::App* sub : Subcommands(p.app))
    for (CLI::Option* opt : sub->get_options())
      if (IsValueOption(opt) && opt->get_multi_option_policy() == CLI::MultiOptionPolicy::TakeAll) {
        EXPECT_NE(opt->get_description().find("repeat"), std::string::npos)
            << sub->get_name() << " " << opt->get_name();
      }
}

// Every subcommand's --help ends with examples (run by tests/e2e/test_examples.py).
TEST(CliOptions, EverySubcommandHasExamples) {
  ParsedApp p;
  for (CLI::App* sub : Subcommands(p.app))
    EXPECT_NE(sub->get_footer().find("Examples:\n  picket " + sub->get_name()), std::string::npos)
        << sub->get_name();
}

}  // namespace
}  // namespace picket::cli
