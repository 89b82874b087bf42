// picket test PATH...: proves rules with their emulations.
//
// For every rule file under PATH, finds emulations/<rule-stem>/manifest.json
// (next to the repository's emulations directory, or under --emulations DIR)
// and runs its cases with engine::RunEmulationCase, the same code the unit
// tests use. A rule without emulations is a coverage gap: listed, and a
// failure with --require-coverage. --junit FILE writes JUnit XML for CI.
// Exit status: 0 all cases passed, 1 a case failed (or a gap with
// --require-coverage), 2 error.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cli/common.h"
#include "cli/registry.h"
#include "engine/emulation_runner.h"
#include "rules/loader.h"

namespace picket::cli {
namespace {

struct TestOptions {
  std::vector<std::string> paths;
  std::string emulations;
  std::string junit;
  bool require_coverage = false;
  FieldTypeOptions types;
};

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t')
          out += ' ';
        else
          out.push_back(c);
    }
  }
  return out;
}

struct JUnitCase {
  std::string suite, name, failure;
  bool skipped = false;
};

int RunTest(const TestOptions& o) {
  std::string error;
  auto types = BuildFieldTypes(o.types, &error);
  if (!types) {
    fprintf(stderr, "picket test: %s\n", error.c_str());
    return 2;
  }
  rules::RuleSet set = rules::LoadRules(o.paths, *types);
  for (const auto& e : set.errors)
    fprintf(stderr, "picket test: error: %s\n", e.ToString().c_str());
  if (set.rules.empty() && set.errors.empty()) {
    fprintf(stderr, "picket test: no runnable rules under the given paths\n");
    return 2;
  }
  engine::DetectorOptions dopts;
  dopts.alert_time = 1780000000000;  // fixed: reproducible alert ids
  dopts.types = types;

  std::vector<JUnitCase> junit;
  size_t passed = 0, failed = 0, gaps = 0;
  for (const auto& rule : set.rules) {
    std::string manifest_path = engine::FindEmulationManifest(rule->path, o.emulations);
    if (manifest_path.empty()) {
      ++gaps;
      printf("GAP   %s  (%s): no emulations/<stem>/manifest.json\n", rule->name.c_str(),
             rule->path.c_str());
      junit.push_back({rule->name, "emulation", "no emulation", !o.require_coverage});
      if (o.require_coverage) junit.back().skipped = false;
      continue;
    }
    engine::EmulationManifest manifest;
    if (!engine::LoadEmulationManifest(manifest_path, &manifest, &error)) {
      ++failed;
      printf("FAIL  %s: %s\n", rule->name.c_str(), error.c_str());
      junit.push_back({rule->name, "manifest", error, false});
      continue;
    }
    if (!manifest.rule_id.empty() && manifest.rule_id != rule->rule_id) {
      ++failed;
      std::string why = fmt::format("manifest is for rule_id {}, the rule is {}", manifest.rule_id,
                                    rule->rule_id);
      printf("FAIL  %s: %s\n", rule->name.c_str(), why.c_str());
      junit.push_back({rule->name, "manifest", why, false});
      continue;
    }
    for (const auto& c : manifest.cases) {
      engine::CaseOutcome outcome = engine::RunEmulationCase(rule, c, dopts);
      std::string failure;
      for (const auto& f : outcome.failures) failure += f + "\n";
      printf("%s  %s / %s: %llu alerts (expected %llu)\n", outcome.passed ? "ok  " : "FAIL",
             rule->name.c_str(), c.name.c_str(), static_cast<unsigned long long>(outcome.alerts),
             static_cast<unsigned long long>(c.expect_alerts));
      if (!outcome.passed) {
        ++failed;
        for (const auto& f : outcome.failures) printf("        %s\n", f.c_str());
        for (const auto& p : outcome.problems) printf("        (input) %s\n", p.c_str());
      } else {
        ++passed;
      }
      junit.push_back({rule->name, c.name, failure, false});
    }
  }
  printf("%zu cases passed, %zu failed, %zu rules without emulation%s\n", passed, failed, gaps,
         gaps && !o.require_coverage ? " (not required)" : "");

  if (!o.junit.empty()) {
    std::ofstream out(o.junit);
    if (!out) {
      fprintf(stderr, "picket test: cannot write %s\n", o.junit.c_str());
      return 2;
    }
    size_t failures = 0, skipped = 0;
    for (const auto& c : junit) {
      failures += !c.failure.empty() && !c.skipped;
      skipped += c.skipped;
    }
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out << fmt::format(
        "<testsuites name=\"picket test\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">\n",
        junit.size(), failures, skipped);
    out << fmt::format(
        "<testsuite name=\"emulations\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">\n",
        junit.size(), failures, skipped);
    for (const auto& c : junit) {
      out << fmt::format("  <testcase classname=\"{}\" name=\"{}\">", XmlEscape(c.suite),
                         XmlEscape(c.name));
      if (c.skipped)
        out << fmt::format("<skipped message=\"{}\"/>", XmlEscape(c.failure));
      else if (!c.failure.empty())
        out << fmt::format("<failure message=\"emulation mismatch\">{}</failure>",
                           XmlEscape(c.failure));
      out << "</testcase>\n";
    }
    out << "</testsuite>\n</testsuites>\n";
  }
  if (!set.errors.empty()) return 2;
  if (failed || (o.require_coverage && gaps)) return 1;
  return 0;
}

void RegisterTest(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<TestOptions>();
  CLI::App* cmd = app.add_subcommand(
      "test",
      "Run each rule's emulations (emulations/<rule-stem>/manifest.json): positives must fire "
      "as expected, negatives stay silent.\nExit status: 0 pass, 1 failure or required "
      "coverage gap, 2 error.");
  cmd->add_option("paths", o->paths, "Rule files or directories")->required();
  cmd->add_option("--emulations", o->emulations,
                  "Directory holding <rule-stem>/manifest.json (default: the emulations "
                  "directory found above each rule)");
  cmd->add_option("--junit", o->junit, "Write JUnit XML results here");
  cmd->add_flag("--require-coverage", o->require_coverage, "Fail when a rule has no emulation");
  AddFieldTypeOptions(cmd, &o->types);
  cmd->footer(
      "Examples:\n"
      "  picket test rules/macos\n"
      "  picket test rules/macos --junit junit.xml --require-coverage\n");
  cmd->callback([o, exit_code] { *exit_code = RunTest(*o); });
}

}  // namespace

PICKET_REGISTER_COMMAND(RegisterTest);

}  // namespace picket::cli
