// Every upstream kuery rule (241 new_terms, 28 threshold and the query
// rules, from detection-rules' rules/ and rules_building_block/) loads and
// runs over generated telemetry without error, and the rule index changes
// no alert. The telemetry's attack episodes (bench/eql_episodes.py, derived
// from the upstream EQL queries) make EQL event and sequence rules fire.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "engine/detector.h"
#include "engine/emulation_runner.h"
#include "eql/eql.h"
#include "rules/loader.h"
#include "state/memory_record_store.h"
#include "state/memory_store.h"

namespace picket::engine {
namespace {

namespace fs = std::filesystem;

class UpstreamRules : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fs::path upstream = fs::path(PICKET_SHARED_DIR) / "upstream/detection-rules";
    if (!fs::exists(upstream / "rules")) return;
    rules::LoadOptions options;
    options.skip_deprecated_dir = true;  // rules/_deprecated holds retired copies
    set_ = new rules::RuleSet(rules::LoadRules(
        {(upstream / "rules").string(), (upstream / "rules_building_block").string()},
        *event::FieldTypes::BuiltIn(), options));
    telemetry_ =
        (fs::temp_directory_path() / fmt::format("picket_upstream_{}.ndjson", getpid())).string();
    std::string cmd = fmt::format(
        "/usr/bin/python3 {}/bench/gen_telemetry.py --events 20000 --hosts 200 --seed 3 --out {} > "
        "/dev/null",
        PICKET_SOURCE_DIR, telemetry_);
    generated_ = std::system(cmd.c_str()) == 0;
  }
  static void TearDownTestSuite() {
    delete set_;
    set_ = nullptr;
    std::remove(telemetry_.c_str());
  }
  void SetUp() override {
    if (!set_) GTEST_SKIP() << "no upstream detection-rules under " << PICKET_SHARED_DIR;
  }

  // Runs all rules over the telemetry; returns the alert ids in order.
  static std::vector<std::string> Run(bool use_index, Detector** keep = nullptr,
                                      std::set<const rules::Rule*>* fired = nullptr) {
    static state::MemoryTermStore* store = nullptr;
    static state::MemoryRecordStore* records = nullptr;
    delete store;
    delete records;
    store = new state::MemoryTermStore();
    records = new state::MemoryRecordStore();
    DetectorOptions options;
    options.alert_time = 1780000000000;
    options.use_rule_index = use_index;
    std::vector<std::shared_ptr<const rules::Rule>> list = set_->Runnable();
    auto* detector = new Detector(list, StateStores{store, records}, options);
    std::vector<std::string> ids;
    std::vector<std::string> problems;
    EXPECT_TRUE(ForEachNdjsonEvent(
        telemetry_,
        [&](const EventRef& e) {
          detector->Process(e, false, [&](const Alert& a) {
            ids.push_back(a.uuid);
            if (fired) fired->insert(a.rule);
            simdjson::dom::parser p;
            EXPECT_EQ(p.parse(a.json).error(), simdjson::SUCCESS) << a.rule->name;
          });
        },
        &problems));
    // The end of the input decides sequences waiting for a trailing missing event.
    detector->Finish([&](const Alert& a) { ids.push_back(a.uuid); });
    EXPECT_TRUE(problems.empty()) << problems.front();
    if (keep)
      *keep = detector;
    else
      delete detector;
    return ids;
  }

  static rules::RuleSet* set_;
  static std::string telemetry_;
  static bool generated_;
};
rules::RuleSet* UpstreamRules::set_ = nullptr;
std::string UpstreamRules::telemetry_;
bool UpstreamRules::generated_ = false;

TEST_F(UpstreamRules, AllKueryRulesLoad) {
  for (const auto& e : set_->errors) ADD_FAILURE() << e.ToString();
  size_t new_terms = 0, query = 0, threshold = 0;
  for (const auto& r : set_->rules) {
    new_terms += r->type == rules::RuleType::kNewTerms;
    query += r->type == rules::RuleType::kQuery;
    threshold += r->type == rules::RuleType::kThreshold;
  }
  EXPECT_EQ(new_terms, 241u);
  EXPECT_EQ(query, 454u);
  EXPECT_EQ(threshold, 28u);
}

TEST_F(UpstreamRules, RunOverTelemetryWithoutErrorAndIndexChangesNothing) {
  ASSERT_TRUE(generated_) << "bench/gen_telemetry.py failed";
  Detector* detector = nullptr;
  std::set<const rules::Rule*> fired;
  std::vector<std::string> indexed = Run(true, &detector, &fired);
  ASSERT_TRUE(detector);
  EXPECT_EQ(set_->Runnable().size(), set_->rules.size()) << "every loaded rule is runnable";
  EXPECT_EQ(detector->rules().size(), set_->rules.size()) << "every loaded rule runs";
  for (const auto& w : detector->warnings())
    EXPECT_NE(w.find("at most 3"), std::string::npos) << w;  // only the >3 fields note is allowed
  EXPECT_EQ(detector->events(), 20000u);
  uint64_t matched = 0;
  for (const auto& s : detector->stats()) matched += s.matched;
  EXPECT_GT(matched, 0u) << "the telemetry should exercise some rules";
  // 20000 events hold ~250 attack episodes, one upstream EQL rule each
  // (measured with seed 3: 227 event-query rules and 39 sequence rules fire).
  size_t eql_events = 0, eql_sequences = 0;
  for (const rules::Rule* r : fired) {
    if (!r->is_eql() || !r->eql) continue;
    eql_events += r->eql->type == eql::QueryType::kEvent;
    eql_sequences += r->eql->type == eql::QueryType::kSequence;
  }
  EXPECT_GE(eql_events, 150u) << "EQL event-query rules that fired";
  EXPECT_GE(eql_sequences, 25u) << "EQL sequence rules that fired";
  // All 28 threshold rules run (each as a unit of the detector).
  size_t threshold_units = 0;
  for (const auto& r : detector->rules()) threshold_units += r->type == rules::RuleType::kThreshold;
  EXPECT_EQ(threshold_units, 28u);
  delete detector;
  std::vector<std::string> unindexed = Run(false);
  EXPECT_EQ(indexed, unindexed);
}

}  // namespace
}  // namespace picket::engine
