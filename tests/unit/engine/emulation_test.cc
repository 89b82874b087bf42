// The bundled rule pack proves itself: every emulations/*/manifest.json case
// and the demo telemetry's expectations (data/demo/expected.json) give
// exactly the alerts and new terms they promise.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/emulation_runner.h"
#include "rules/loader.h"

namespace picket::engine {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<const rules::Rule> LoadOne(const std::string& path) {
  rules::RuleSet set = rules::LoadRules({path}, *event::FieldTypes::BuiltIn());
  for (const auto& e : set.errors) ADD_FAILURE() << e.ToString();
  if (set.rules.size() != 1) {
    ADD_FAILURE() << path << ": expected one rule, loaded " << set.rules.size();
    return nullptr;
  }
  return set.rules[0];
}

DetectorOptions FixedClock() {
  DetectorOptions options;
  options.alert_time = 1780000000000;
  return options;
}

void ExpectCasesPass(const EmulationManifest& manifest) {
  SCOPED_TRACE(manifest.path);
  auto rule = LoadOne(manifest.rule_path);
  ASSERT_TRUE(rule);
  EXPECT_EQ(rule->rule_id, manifest.rule_id);
  ASSERT_FALSE(manifest.cases.empty());
  for (const EmulationCase& c : manifest.cases) {
    CaseOutcome outcome = RunEmulationCase(rule, c, FixedClock());
    std::string why;
    for (const auto& f : outcome.failures) why += "\n  " + f;
    for (const auto& p : outcome.problems) why += "\n  (input) " + p;
    EXPECT_TRUE(outcome.passed) << c.name << ":" << why;
  }
}

std::vector<std::string> Manifests() {
  std::vector<std::string> out;
  fs::path dir = fs::path(PICKET_SOURCE_DIR) / "emulations";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (fs::is_regular_file(entry.path() / "manifest.json"))
      out.push_back((entry.path() / "manifest.json").string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Emulations, EveryBundledRuleHasEmulations) {
  fs::path rules_dir = fs::path(PICKET_SOURCE_DIR) / "rules" / "macos";
  size_t rules = 0;
  for (const auto& entry : fs::directory_iterator(rules_dir)) {
    if (entry.path().extension() != ".toml") continue;
    ++rules;
    EXPECT_NE(FindEmulationManifest(entry.path().string(), ""), "") << entry.path();
  }
  EXPECT_EQ(rules, 26u);  // 3 new_terms + 23 upstream macOS EQL rules that concern Python
}

TEST(Emulations, EveryManifestCasePasses) {
  auto manifests = Manifests();
  ASSERT_FALSE(manifests.empty()) << "no emulations/*/manifest.json";
  for (const std::string& path : manifests) {
    EmulationManifest manifest;
    std::string error;
    ASSERT_TRUE(LoadEmulationManifest(path, &manifest, &error)) << error;
    ExpectCasesPass(manifest);
  }
}

TEST(Emulations, PositiveCasesAlertAndNegativeCasesStaySilent) {
  // The manifests say so; this guards against a manifest that expects
  // nothing everywhere (which would prove nothing).
  for (const std::string& path : Manifests()) {
    EmulationManifest manifest;
    std::string error;
    ASSERT_TRUE(LoadEmulationManifest(path, &manifest, &error)) << error;
    bool some_positive = false;
    for (const auto& c : manifest.cases) {
      if (c.name.find("positive") != std::string::npos) {
        EXPECT_GT(c.expect_alerts, 0u) << path << " " << c.name;
        some_positive = true;
      }
      if (c.name.find("negative") != std::string::npos) EXPECT_EQ(c.expect_alerts, 0u) << path;
    }
    EXPECT_TRUE(some_positive) << path;
  }
}

// A threshold rule's fixture (tests/data/threshold): `picket test` checks the
// groups and counts of threshold alerts, and a wrong count fails the case.
TEST(Emulations, ThresholdFixtureChecksGroupsAndCounts) {
  std::string path = std::string(PICKET_SOURCE_DIR) +
                     "/tests/data/threshold/emulations/execution_python_shell_burst/manifest.json";
  EmulationManifest manifest;
  std::string error;
  ASSERT_TRUE(LoadEmulationManifest(path, &manifest, &error)) << error;
  EXPECT_EQ(FindEmulationManifest(manifest.rule_path, ""), path);
  ExpectCasesPass(manifest);
  auto rule = LoadOne(manifest.rule_path);
  ASSERT_TRUE(rule);
  EmulationCase wrong = manifest.cases[0];
  ASSERT_TRUE(wrong.has_expected_counts);
  wrong.expect_counts[0] = 6;
  CaseOutcome outcome = RunEmulationCase(rule, wrong, FixedClock());
  EXPECT_FALSE(outcome.passed);
  ASSERT_EQ(outcome.failures.size(), 1u);
  EXPECT_NE(outcome.failures[0].find("expected threshold counts [6, 5, 8], got [5, 5, 8]"),
            std::string::npos)
      << outcome.failures[0];
}

TEST(Emulations, DemoTelemetryGivesTheExpectedAlerts) {
  std::string path = std::string(PICKET_SOURCE_DIR) + "/data/demo/expected.json";
  if (!fs::exists(path)) GTEST_SKIP() << "no data/demo/expected.json";
  std::vector<EmulationManifest> manifests;
  std::string error;
  ASSERT_TRUE(LoadExpectationSet(path, &manifests, &error)) << error;
  ASSERT_FALSE(manifests.empty());
  EXPECT_EQ(manifests.size(), 26u);  // every bundled rule, those the demo must not trip with 0
  uint64_t total = 0;
  for (const auto& m : manifests) {
    ExpectCasesPass(m);
    for (const auto& c : m.cases) total += c.expect_alerts;
  }
  // 5 new_terms alerts, 3 EQL event alerts and one EQL sequence (shell + 2 building blocks).
  EXPECT_EQ(total, 11u);
}

std::string ManifestFor(const std::string& stem) {
  return std::string(PICKET_SOURCE_DIR) + "/emulations/" + stem + "/manifest.json";
}

TEST(Emulations, SequenceLinesComeFromEachBuildingBlock) {
  // The non-standard-port rule's positive case: each sequence's lines are
  // its own two events, so swapping them (or giving the last event's line
  // twice, what every building block reported before) fails.
  EmulationManifest manifest;
  std::string error;
  ASSERT_TRUE(LoadEmulationManifest(
      ManifestFor("command_and_control_script_interpreter_connection_to_non_standard_port"),
      &manifest, &error))
      << error;
  auto rule = LoadOne(manifest.rule_path);
  ASSERT_TRUE(rule);
  EmulationCase c = manifest.cases[0];
  ASSERT_EQ(c.name, "positive");
  ASSERT_TRUE(c.has_expected_lines);
  ASSERT_FALSE(c.expect_lines.empty());
  CaseOutcome right = RunEmulationCase(rule, c, FixedClock());
  EXPECT_TRUE(right.passed);
  ASSERT_EQ(right.lines[0].size(), 2u);
  EXPECT_LT(right.lines[0][0], right.lines[0][1]);
  EmulationCase wrong = c;
  wrong.expect_lines[0] = {c.expect_lines[0][1], c.expect_lines[0][1]};
  CaseOutcome outcome = RunEmulationCase(rule, wrong, FixedClock());
  EXPECT_FALSE(outcome.passed);
  ASSERT_EQ(outcome.failures.size(), 1u);
  EXPECT_NE(outcome.failures[0].find("detection's event lines 1"), std::string::npos)
      << outcome.failures[0];
}

TEST(Emulations, AFailingExpectationIsReported) {
  auto manifests = Manifests();
  ASSERT_FALSE(manifests.empty());
  EmulationManifest manifest;
  std::string error;
  ASSERT_TRUE(LoadEmulationManifest(manifests[0], &manifest, &error)) << error;
  auto rule = LoadOne(manifest.rule_path);
  ASSERT_TRUE(rule);
  EmulationCase wrong = manifest.cases[0];
  wrong.expect_alerts += 1;
  CaseOutcome outcome = RunEmulationCase(rule, wrong, FixedClock());
  EXPECT_FALSE(outcome.passed);
  EXPECT_FALSE(outcome.failures.empty());
}

}  // namespace
}  // namespace picket::engine
