// Loads the whole upstream detection-rules snapshot: every active kuery
// query of a supported type (query, new_terms, threshold) parses and
// compiles, every other type is named as unsupported, and nothing is
// dropped silently.
#include <gtest/gtest.h>

#include <filesystem>

#include "rules/loader.h"

namespace picket::rules {
namespace {

std::string Upstream() { return std::string(PICKET_SHARED_DIR) + "/upstream/detection-rules"; }

// The active snapshot (rules/ and rules_building_block/ without
// _deprecated), loaded once for every test here.
const RuleSet& UpstreamSet() {
  static const RuleSet set =
      LoadRules({Upstream() + "/rules", Upstream() + "/rules_building_block"},
                *event::FieldTypes::BuiltIn(), LoadOptions{kql::CompileOptions{}, true});
  return set;
}

TEST(UpstreamRules, EveryKueryRuleParsesAndCompiles) {
  if (!std::filesystem::exists(Upstream())) GTEST_SKIP() << "no shared/upstream snapshot";
  const RuleSet& set = UpstreamSet();
  for (const auto& e : set.errors) ADD_FAILURE() << e.ToString();
  EXPECT_EQ(set.files, 2068u);
  auto loaded = set.CountsByType();
  EXPECT_EQ(loaded["query"], 454u);
  EXPECT_EQ(loaded["new_terms"], 241u);
  EXPECT_EQ(loaded["threshold"], 28u);
  auto unsupported = set.UnsupportedByType();
  // EQL rules load (parsed, verified, compiled) though the engine does not
  // run them yet.
  EXPECT_EQ(loaded["eql"], 1024u);
  EXPECT_EQ(unsupported.count("eql"), 0u);
  EXPECT_EQ(unsupported["esql"], 209u);
  EXPECT_EQ(unsupported["machine_learning"], 106u);
  EXPECT_EQ(unsupported.count("threshold"), 0u);
  EXPECT_EQ(unsupported["threat_match"], 6u);
  // Every file is accounted for: loaded, unsupported or an error.
  EXPECT_EQ(set.rules.size() + set.unsupported.size() + set.errors.size(), set.files);
  // 729 active kuery queries: query + new_terms + threshold + threat_match.
  EXPECT_EQ(
      loaded["query"] + loaded["new_terms"] + loaded["threshold"] + unsupported["threat_match"],
      729u);
  for (const auto& r : set.rules) {
    if (r->is_eql()) {
      ASSERT_TRUE(r->eql) << r->path;
      EXPECT_TRUE(r->supported()) << r->path;  // compiled EQL rules run
      continue;
    }
    ASSERT_TRUE(r->matcher) << r->path;
    if (r->type == RuleType::kThreshold) {
      EXPECT_TRUE(r->supported()) << r->path;
      EXPECT_LE(r->threshold_fields.size(), 5u) << r->path;
      EXPECT_GE(r->threshold_value, 1) << r->path;
    }
    if (r->type == RuleType::kNewTerms) {
      EXPECT_FALSE(r->new_terms_fields.empty()) << r->path;
      EXPECT_GT(r->history_window_ms, 0) << r->path;
    }
  }
}

TEST(UpstreamRules, ThreatMatchQueriesParseToo) {
  // Unsupported types are not evaluated, but their kuery queries are part of
  // the 729 and must parse with our grammar.
  if (!std::filesystem::exists(Upstream())) GTEST_SKIP() << "no shared/upstream snapshot";
  const RuleSet& set = UpstreamSet();
  for (const auto& e : set.errors) ADD_FAILURE() << e.ToString();
  size_t compiled = 0;
  for (const auto& u : set.unsupported) {
    if (u.type != "threat_match") continue;
    EXPECT_TRUE(u.kql_compiled) << u.path;
    compiled += u.kql_compiled;
  }
  EXPECT_EQ(compiled, 6u);
}

TEST(RuleText, ErrorsCarryFilePositions) {
  std::vector<LoadIssue> errors, warnings;
  auto types = event::FieldTypes::BuiltIn();
  std::string text =
      "[metadata]\ncreation_date = \"2026/01/01\"\n\n[rule]\nrule_id = \"x\"\nname = \"n\"\n"
      "type = \"query\"\nlanguage = \"kuery\"\nquery = '''\nprocess.name:sh and\n  (a:b or\n'''\n";
  auto r = LoadRuleText(text, "bad.toml", *types, {}, &errors, &warnings);
  EXPECT_EQ(r, nullptr);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 11u) << errors[0].message;
  EXPECT_EQ(errors[0].column, 10u) << errors[0].message;
  EXPECT_NE(errors[0].message.find("bad.toml:11:"), std::string::npos) << errors[0].message;
  EXPECT_NE(errors[0].message.find("^"), std::string::npos);

  errors.clear();
  r = LoadRuleText("[rule\nx=1", "syntax.toml", *types, {}, &errors, &warnings);
  EXPECT_EQ(r, nullptr);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 1u);
  EXPECT_NE(errors[0].message.find("TOML"), std::string::npos);
}

TEST(RuleText, UnsupportedKueryQueriesAreStillChecked) {
  std::vector<LoadIssue> errors, warnings;
  auto types = event::FieldTypes::BuiltIn();
  std::string text =
      "[rule]\nrule_id = \"t\"\nname = \"n\"\ntype = \"threat_match\"\nlanguage = \"kuery\"\n"
      "query = 'a:(b or'\n";
  EXPECT_EQ(LoadRuleText(text, "t.toml", *types, {}, &errors, &warnings), nullptr);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 6u);
}

TEST(RuleText, NewTermsFormsAndWarnings) {
  std::vector<LoadIssue> errors, warnings;
  auto types = event::FieldTypes::BuiltIn();
  std::string text =
      "[rule]\nrule_id = \"r\"\nname = \"n\"\ntype = \"new_terms\"\nlanguage = \"kuery\"\n"
      "from = \"now-9m\"\nquery = 'event.category:process'\n[rule.new_terms]\n"
      "field = \"new_terms_fields\"\nvalue = [\"a\", \"b\", \"c\", \"d\"]\n"
      "[[rule.new_terms.history_window_start]]\nfield = \"history_window_start\"\n"
      "value = \"now-36h\"\n";
  auto r = LoadRuleText(text, "nt.toml", *types, {}, &errors, &warnings);
  ASSERT_NE(r, nullptr) << (errors.empty() ? "" : errors[0].message);
  EXPECT_EQ(r->new_terms_fields.size(), 4u);
  EXPECT_EQ(r->history_window_ms, 36 * 3600000LL);
  EXPECT_EQ(r->lookback_ms, 9 * 60000LL);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].message.find("at most 3"), std::string::npos);
  EXPECT_NE(r->params_json.find("\"new_terms_fields\":[\"a\",\"b\",\"c\",\"d\"]"),
            std::string::npos)
      << r->params_json;
}

}  // namespace
}  // namespace picket::rules
