// Threshold rules over a record store shared through Redis Cluster: two
// nodes deciding alternate batches of one stream (Stage, ResolveStaged,
// Decide, as `serve` does) write exactly the alerts one node writes over
// the memory store: every group's count survives the hand-over between
// nodes and no group alerts twice.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <chrono>

#include "engine/detector.h"
#include "redis/redis_helpers.h"
#include "rules/loader.h"
#include "state/memory_record_store.h"
#include "state/memory_store.h"
#include "state/redis_term_store.h"

namespace picket::engine {
namespace {

using redis::testing::LocalCluster;

constexpr std::string_view kRule = R"toml([rule]
rule_id = "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d"
name = "Kill burst (shared)"
description = "d"
type = "threshold"
language = "kuery"
index = ["logs-*"]
from = "now-10m"
severity = "low"
risk_score = 21
query = 'event.action:kill'
[rule.threshold]
field = ["host.id"]
value = 4
[[rule.threshold.cardinality]]
field = "process.pid"
value = 2
)toml";

std::vector<std::string> Events() {
  std::vector<std::string> out;
  for (int i = 0; i < 600; ++i)
    out.push_back(fmt::format(
        R"({{"@timestamp":"{}","event":{{"action":"kill"}},"host":{{"id":"h{}"}},"process":{{"pid":{}}}}})",
        FormatIso8601(1772323200000 + i * 1000LL), i % 7, i % 3));
  return out;
}

DetectorOptions Options() {
  DetectorOptions options;
  options.alert_time = 1780000000000;
  options.apply_max_signals = false;
  return options;
}

std::shared_ptr<const rules::Rule> Rule() {
  std::vector<rules::LoadIssue> errors, warnings;
  auto rule = rules::LoadRuleText(kRule, "shared.toml", *event::FieldTypes::BuiltIn(), {}, &errors,
                                  &warnings);
  EXPECT_NE(rule, nullptr) << (errors.empty() ? "" : errors[0].ToString());
  return rule;
}

bool RunBatch(Detector& detector, const std::vector<std::string>& lines, size_t begin, size_t end,
              std::vector<std::string>* ids, std::string* error) {
  simdjson::dom::parser parser;
  EventMatcher* matcher = detector.AddMatcher();
  std::vector<MatchResult> matches(end - begin);
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = begin; i < end; ++i) {
      EventRef ref;
      ref.raw = lines[i];
      ref.index = "logs-x";
      if (parser.parse(lines[i]).get(ref.doc)) return false;
      if (pass == 0) {
        matcher->Match(ref, &matches[i - begin]);
        detector.Stage(ref, matches[i - begin], false);
      } else {
        detector.Decide(ref, matches[i - begin], false,
                        [&](const Alert& a) { ids->push_back(a.uuid); });
      }
    }
    if (pass == 0 && !detector.ResolveStaged(error)) return false;
  }
  return true;
}

TEST(ThresholdShared, TwoNodesSplittingTheStreamWriteTheAlertsOfOne) {
  std::vector<std::string> lines = Events();
  auto rule = Rule();
  ASSERT_TRUE(rule);
  std::vector<std::string> want;
  {
    state::MemoryTermStore terms;
    state::MemoryRecordStore records;
    Detector one({rule}, StateStores{&terms, &records}, Options());
    std::string error;
    ASSERT_TRUE(RunBatch(one, lines, 0, lines.size(), &want, &error)) << error;
  }
  ASSERT_GT(want.size(), 50u);

  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string prefix = fmt::format("picket-test-{}-{}-{}", info->name(), getpid(),
                                   std::chrono::steady_clock::now().time_since_epoch().count());
  state::RedisStoreOptions options;
  options.cluster = LocalCluster::Shared()->Options();
  options.prefix = prefix;
  std::string error;
  auto node_a = state::RedisTermStore::Open(options, &error);
  ASSERT_NE(node_a, nullptr) << error;
  auto node_b = state::RedisTermStore::Open(options, &error);
  ASSERT_NE(node_b, nullptr) << error;
  Detector a({rule}, StateStores{node_a.get(), node_a->records()}, Options());
  Detector b({rule}, StateStores{node_b.get(), node_b->records()}, Options());
  std::vector<std::string> got;
  const size_t kBatch = 25;
  size_t n = 0;
  for (size_t begin = 0; begin < lines.size(); begin += kBatch, ++n)
    ASSERT_TRUE(
        RunBatch(n % 2 ? b : a, lines, begin, std::min(lines.size(), begin + kBatch), &got, &error))
        << error;
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace picket::engine
