// ATT&CK coverage: techniques are collected per tactic from rule threat
// mappings, emulation status comes from the manifest lookup, and the
// Navigator layer has the fields Navigator imports.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>

#include "rules/attack_coverage.h"
#include "rules/loader.h"
#include "unit/lint/lint_helpers.h"

namespace picket::rules {
namespace {

std::shared_ptr<Rule> MakeRule(const std::string& path, const std::string& tactic_id,
                               const std::vector<std::string>& techniques) {
  auto rule = std::make_shared<Rule>();
  rule->path = path;
  rule->rule_id = "id-" + RuleFileStem(path);
  rule->name = "Rule " + RuleFileStem(path);
  Threat threat;
  threat.framework = "MITRE ATT&CK";
  threat.tactic.id = tactic_id;
  for (const auto& id : techniques) {
    Technique t;
    t.id = id.substr(0, id.find('.'));
    if (id.find('.') != std::string::npos) {
      AttackRef sub;
      sub.id = id;
      t.subtechniques.push_back(sub);
    }
    threat.techniques.push_back(t);
  }
  rule->threat.push_back(threat);
  return rule;
}

TEST(AttackCoverage, RuleFileStem) {
  EXPECT_EQ(RuleFileStem("embedded:rules/macos/execution_x.toml"), "execution_x");
  EXPECT_EQ(RuleFileStem("/a/b/persistence_y.toml"), "persistence_y");
  EXPECT_EQ(RuleFileStem("z.toml"), "z");
}

TEST(AttackCoverage, CollectsTechniquesAndEmulations) {
  std::vector<std::shared_ptr<Rule>> rules = {
      MakeRule("rules/macos/execution_a.toml", "TA0002", {"T1059.004"}),
      MakeRule("rules/macos/execution_b.toml", "TA0002", {"T1059.006"}),
      MakeRule("rules/macos/persistence_c.toml", "TA0003", {"T1543.001"}),
  };
  auto coverage = BuildAttackCoverage(rules, AttackData::BuiltIn(),
                                      [](const std::string& stem) { return stem == "execution_a"; });
  ASSERT_EQ(coverage.rules.size(), 3u);
  EXPECT_TRUE(coverage.rules[0].emulated);
  EXPECT_FALSE(coverage.rules[1].emulated);
  // T1059 (both rules), T1059.004, T1059.006, T1543, T1543.001; execution
  // before persistence in Navigator's tactic order.
  ASSERT_EQ(coverage.techniques.size(), 5u);
  EXPECT_EQ(coverage.techniques[0].technique_id, "T1059");
  EXPECT_EQ(coverage.techniques[0].tactic, "execution");
  EXPECT_EQ(coverage.techniques[0].rules.size(), 2u);
  EXPECT_EQ(coverage.techniques[0].emulated_rules, 1u);
  EXPECT_EQ(coverage.techniques[0].name, "Command and Scripting Interpreter");
  EXPECT_EQ(coverage.techniques[4].technique_id, "T1543.001");
  EXPECT_EQ(coverage.techniques[4].tactic, "persistence");
  EXPECT_EQ(coverage.techniques[4].emulated_rules, 0u);

  simdjson::dom::parser parser;
  simdjson::dom::element layer;
  std::string json = FormatNavigatorLayer(coverage, "test layer");
  ASSERT_EQ(parser.parse(json).get(layer), simdjson::SUCCESS) << json;
  EXPECT_EQ(layer["domain"].get_string().value(), "enterprise-attack");
  EXPECT_EQ(layer["name"].get_string().value(), "test layer");
  EXPECT_EQ(layer["versions"]["layer"].get_string().value(), "4.5");
  std::string attack_major(layer["versions"]["attack"].get_string().value());
  EXPECT_NE(AttackData::BuiltIn().version().find("v" + attack_major + "."), std::string::npos);
  size_t i = 0;
  for (auto t : layer["techniques"].get_array()) {
    const auto& expected = coverage.techniques[i++];
    EXPECT_EQ(t["techniqueID"].get_string().value(), expected.technique_id);
    EXPECT_EQ(t["tactic"].get_string().value(), expected.tactic);
    EXPECT_EQ(t["score"].get_int64().value(), expected.emulated_rules ? 2 : 1);
    EXPECT_FALSE(t["color"].get_string().value().empty());
    EXPECT_FALSE(t["comment"].get_string().value().empty());
    size_t metadata = 0;
    for (auto m : t["metadata"].get_array()) {
      EXPECT_FALSE(m["value"].get_string().value().empty());
      ++metadata;
    }
    EXPECT_EQ(metadata, expected.rules.size());
  }
  EXPECT_EQ(i, coverage.techniques.size());
  // T1059.004 (emulated by rule a) and T1059.006 (rule b only) differ.
  ASSERT_EQ(coverage.techniques[1].technique_id, "T1059.004");
  ASSERT_EQ(coverage.techniques[2].technique_id, "T1059.006");
  EXPECT_NE(layer["techniques"].at(1)["color"].get_string().value(),
            layer["techniques"].at(2)["color"].get_string().value());

  std::string table = FormatCoverageTable(coverage, AttackData::BuiltIn());
  EXPECT_NE(table.find("Execution"), std::string::npos);
  EXPECT_NE(table.find("T1543.001"), std::string::npos);
  EXPECT_NE(table.find("Rule execution_b"), std::string::npos);  // listed as not emulated
}

TEST(AttackCoverage, UnknownTechniqueIsMarked) {
  auto coverage = BuildAttackCoverage({MakeRule("x.toml", "TA0002", {"T1064"})},
                                      AttackData::BuiltIn(), [](const std::string&) { return false; });
  ASSERT_EQ(coverage.techniques.size(), 1u);
  EXPECT_FALSE(coverage.techniques[0].known);  // deprecated in ATT&CK
}

TEST(AttackCoverage, BundledPackWithEmulations) {
  auto types = event::FieldTypes::BuiltIn();
  RuleSet set = LoadBundledRules(*types);
  if (set.rules.empty()) GTEST_SKIP() << "no bundled rules yet";
  std::string emulations = testing::SourcePath("emulations");
  auto coverage = BuildAttackCoverage(set.rules, AttackData::BuiltIn(), [&](const std::string& stem) {
    return std::filesystem::is_regular_file(emulations + "/" + stem + "/manifest.json");
  });
  EXPECT_EQ(coverage.rules.size(), set.rules.size());
  EXPECT_FALSE(coverage.techniques.empty());
  for (const auto& t : coverage.techniques) EXPECT_TRUE(t.known) << t.technique_id;
}

}  // namespace
}  // namespace picket::rules
