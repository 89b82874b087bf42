// `picket test` for suppressed rules (engine/emulation_runner.h): a case
// counts the alerts written, not their updated copies, and checks each
// alert's final kibana.alert.suppression.docs_count from the manifest.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/emulation_runner.h"
#include "engine/engine_helpers.h"

namespace picket::engine {
namespace {

namespace fs = std::filesystem;
using testing::MakeRule;
using testing::RuleSpec;

class EmulationSuppression : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("picket_emul_supp_" + std::to_string(getpid()));
    fs::create_directories(dir_);
    std::ofstream events(dir_ / "events.ndjson");
    // h1 three times in five minutes, h2 once, then h1 again past the window.
    for (const char* e : {"{\"@timestamp\":\"2026-03-01T00:00:00Z\",\"event\":{\"action\":\"exec\"}"
                          ",\"host\":{\"name\":\"h1\"}}",
                          "{\"@timestamp\":\"2026-03-01T00:01:00Z\",\"event\":{\"action\":\"exec\"}"
                          ",\"host\":{\"name\":\"h1\"}}",
                          "{\"@timestamp\":\"2026-03-01T00:02:00Z\",\"event\":{\"action\":\"exec\"}"
                          ",\"host\":{\"name\":\"h2\"}}",
                          "{\"@timestamp\":\"2026-03-01T00:03:00Z\",\"event\":{\"action\":\"exec\"}"
                          ",\"host\":{\"name\":\"h1\"}}",
                          "{\"@timestamp\":\"2026-03-01T01:00:00Z\",\"event\":{\"action\":\"exec\"}"
                          ",\"host\":{\"name\":\"h1\"}}"})
      events << e << "\n";
    std::ofstream manifest(dir_ / "manifest.json");
    manifest << R"({"rule": "x.toml", "rule_id": "r", "cases": [{"name": "groups",
      "events": "events.ndjson", "baseline": null,
      "expect": {"alerts": 3, "docs_count": [2, 0, 0]}}]})";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::shared_ptr<const rules::Rule> Rule() {
    RuleSpec spec;
    spec.type = "query";
    spec.timestamp_override = "";
    spec.rule_tables =
        "\n[rule.alert_suppression]\ngroup_by = [\"host.name\"]\n"
        "duration = {value = 5, unit = \"m\"}\n";
    return MakeRule(spec);
  }
  DetectorOptions Options() {
    DetectorOptions o;
    o.alert_time = 1780000000000;
    return o;
  }
  fs::path dir_;
};

TEST_F(EmulationSuppression, DocsCountExpectationsPassAndFail) {
  EmulationManifest manifest;
  std::string error;
  ASSERT_TRUE(LoadEmulationManifest((dir_ / "manifest.json").string(), &manifest, &error)) << error;
  ASSERT_EQ(manifest.cases.size(), 1u);
  const EmulationCase& c = manifest.cases[0];
  ASSERT_TRUE(c.has_expected_docs_count);
  CaseOutcome ok = RunEmulationCase(Rule(), c, Options());
  EXPECT_TRUE(ok.passed) << (ok.failures.empty() ? "" : ok.failures[0]);
  EXPECT_EQ(ok.alerts, 3u);

  EmulationCase wrong = c;
  wrong.expect_docs_count[0] = 1;
  wrong.expect_docs_count[2] = std::nullopt;
  CaseOutcome bad = RunEmulationCase(Rule(), wrong, Options());
  EXPECT_FALSE(bad.passed);
  ASSERT_EQ(bad.failures.size(), 2u);
  EXPECT_EQ(bad.failures[0], "alert's docs_count 1: expected 1, got 2");
  EXPECT_EQ(bad.failures[1], "alert's docs_count 3: expected null, got 0");
}

// A threshold rule with Kibana's threshold suppression: a fixture states
// the alerts written, their groups and counts, and each alert's final
// docs_count (its later crossings within the duration).
TEST_F(EmulationSuppression, ThresholdFixtureCountsSuppressedCrossings) {
  {
    std::ofstream events(dir_ / "threshold.ndjson");
    // h1 crosses 2 at 00:00:10, 00:00:30 and 00:00:50 (one alert, two
    // counts), then again past the 5-minute duration; then h2 (read last,
    // within the lookback) crosses once.
    for (const char* t : {"00:00:00", "00:00:10", "00:00:20", "00:00:30", "00:00:40", "00:00:50",
                          "00:09:00", "00:09:10"})
      events << "{\"@timestamp\":\"2026-03-01T" << t
             << "Z\",\"event\":{\"action\":\"exec\"},\"host\":{\"name\":\"h1\"}}\n";
    for (const char* t : {"00:01:00", "00:01:05"})
      events << "{\"@timestamp\":\"2026-03-01T" << t
             << "Z\",\"event\":{\"action\":\"exec\"},\"host\":{\"name\":\"h2\"}}\n";
  }
  std::ofstream(dir_ / "threshold.json") << R"({"rule": "x.toml", "rule_id": "r", "cases": [
      {"name": "crossings", "events": "threshold.ndjson", "baseline": null,
       "expect": {"alerts": 3, "terms": [["h1"], ["h1"], ["h2"]], "counts": [2, 2, 2],
                  "docs_count": [2, 0, 0]}}]})";
  EmulationManifest manifest;
  std::string error;
  ASSERT_TRUE(LoadEmulationManifest((dir_ / "threshold.json").string(), &manifest, &error))
      << error;
  RuleSpec spec;
  spec.type = "threshold";
  spec.timestamp_override = "";
  spec.from = "now-10m";
  spec.rule_tables =
      "\n[rule.threshold]\nfield = [\"host.name\"]\nvalue = 2\n"
      "\n[rule.alert_suppression]\nduration = {value = 5, unit = \"m\"}\n";
  CaseOutcome ok = RunEmulationCase(MakeRule(spec), manifest.cases[0], Options());
  EXPECT_TRUE(ok.passed) << (ok.failures.empty() ? "" : ok.failures[0]);
  EXPECT_EQ(ok.alerts, 3u);
}

TEST_F(EmulationSuppression, BadDocsCountIsAManifestError) {
  std::ofstream(dir_ / "bad.json") << R"({"cases": [{"name": "x", "events": "events.ndjson",
      "expect": {"alerts": 1, "docs_count": ["two"]}}]})";
  EmulationManifest manifest;
  std::string error;
  EXPECT_FALSE(LoadEmulationManifest((dir_ / "bad.json").string(), &manifest, &error));
  EXPECT_NE(error.find("docs_count"), std::string::npos) << error;
}

}  // namespace
}  // namespace picket::engine
