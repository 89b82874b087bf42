// max_signals in streaming: at most max_signals alerts per rule per interval
// bucket of event time; the rest are counted, and new_terms still learns them.
#include "engine/max_signals.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "engine_helpers.h"

namespace picket::engine {
namespace {

using testing::Harness;
using testing::MakeRule;
using testing::RuleSpec;

constexpr int64_t kFiveMinutes = 5 * 60 * 1000;

std::string Event(const std::string& host, const std::string& time) {
  return fmt::format(
      R"({{"@timestamp":"{}","event":{{"action":"exec","ingested":"{}"}},"host":{{"id":{}}},"process":{{"executable":"/x"}}}})",
      time, time, host);
}

RuleSpec Capped(const std::string& type, int max_signals) {
  RuleSpec spec;
  spec.type = type;
  spec.rule_keys = fmt::format("max_signals = {}\ninterval = \"5m\"\n", max_signals);
  return spec;
}

TEST(MaxSignalsBudget, CountsPerRuleAndBucket) {
  MaxSignalsBudget budget;
  using V = MaxSignalsBudget::Verdict;
  EXPECT_EQ(budget.Take(0, 1000, kFiveMinutes, 2), V::kAdmit);
  EXPECT_EQ(budget.Take(0, 2000, kFiveMinutes, 2), V::kAdmit);
  EXPECT_EQ(budget.Take(0, 3000, kFiveMinutes, 2), V::kFirstRefusal);
  EXPECT_EQ(budget.Take(0, 4000, kFiveMinutes, 2), V::kRefused);
  EXPECT_EQ(budget.Take(1, 4000, kFiveMinutes, 2), V::kAdmit);                // another rule
  EXPECT_EQ(budget.Take(0, kFiveMinutes, kFiveMinutes, 2), V::kAdmit);        // next bucket
  EXPECT_EQ(budget.Take(0, kFiveMinutes - 1, kFiveMinutes, 2), V::kRefused);  // back in the first
}

TEST(MaxSignalsBudget, BucketsAreEpochAligned) {
  EXPECT_EQ(MaxSignalsBudget::BucketStart(kFiveMinutes + 7, kFiveMinutes), kFiveMinutes);
  EXPECT_EQ(MaxSignalsBudget::BucketStart(-1, kFiveMinutes), -kFiveMinutes);
  EXPECT_EQ(MaxSignalsBudget::BucketStart(0, kFiveMinutes), 0);
}

TEST(MaxSignals, QueryRuleIsCappedPerIntervalOfEventTime) {
  Harness h({MakeRule(Capped("query", 3))});
  for (int i = 0; i < 5; ++i)
    h.Run(Event("\"H1\"", fmt::format("2026-03-01T00:0{}:00Z", i)));  // 00:00 .. 00:04
  EXPECT_EQ(h.all_alerts().size(), 3u);
  EXPECT_EQ(h.detector().stats()[0].alerts, 3u);
  EXPECT_EQ(h.detector().stats()[0].max_signals_suppressed, 2u);
  // Reported once, when the interval's cap is reached.
  ASSERT_EQ(h.problems().size(), 1u);
  EXPECT_NE(h.problems()[0].find("max_signals (3) reached"), std::string::npos) << h.problems()[0];
  EXPECT_NE(h.problems()[0].find("2026-03-01T00:00:00.000Z"), std::string::npos);
  EXPECT_EQ(h.problems()[0].rfind("test:4:", 0), 0u) << "names the first event left out";
  // The next interval has its own budget.
  EXPECT_EQ(h.Run(Event("\"H1\"", "2026-03-01T00:05:00Z")).size(), 1u);
}

TEST(MaxSignals, DefaultIsOneHundred) {
  RuleSpec spec;
  spec.type = "query";
  Harness h({MakeRule(spec)});
  for (int i = 0; i < 120; ++i) h.Run(Event("\"H1\"", "2026-03-01T00:00:00Z"));
  EXPECT_EQ(h.all_alerts().size(), 100u);
  EXPECT_EQ(h.detector().stats()[0].max_signals_suppressed, 20u);
}

TEST(MaxSignals, CanBeTurnedOff) {
  auto options = Harness::DefaultOptions();
  options.apply_max_signals = false;
  Harness h({MakeRule(Capped("query", 3))}, options);
  for (int i = 0; i < 5; ++i) h.Run(Event("\"H1\"", "2026-03-01T00:00:00Z"));
  EXPECT_EQ(h.all_alerts().size(), 5u);
  EXPECT_EQ(h.detector().stats()[0].max_signals_suppressed, 0u);
  EXPECT_TRUE(h.problems().empty());
}

TEST(MaxSignals, EventsWithoutTimeUseTheAlertTime) {
  RuleSpec spec = Capped("query", 2);
  spec.timestamp_override = "";
  Harness h({MakeRule(spec)});  // fixed alert clock: one bucket
  for (int i = 0; i < 3; ++i) h.Run(R"({"event":{"action":"exec"}})");
  EXPECT_EQ(h.all_alerts().size(), 2u);
  EXPECT_EQ(h.detector().stats()[0].max_signals_suppressed, 1u);
}

TEST(MaxSignals, SuppressedNewTermsAreStillLearned) {
  Harness h({MakeRule(Capped("new_terms", 2))});
  // Four new combinations in one event: two alerts, two left out.
  auto alerts = h.Run(Event(R"(["H1","H2","H3","H4"])", "2026-03-01T00:00:00Z"));
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].new_terms[0], "H1");
  EXPECT_EQ(alerts[1].new_terms[0], "H2");
  EXPECT_EQ(h.detector().stats()[0].max_signals_suppressed, 2u);
  // In Kibana the left-out terms become history: they never alert later.
  EXPECT_TRUE(h.Run(Event(R"(["H3","H4"])", "2026-03-01T00:10:00Z")).empty());
  EXPECT_EQ(h.Run(Event("\"H5\"", "2026-03-01T00:10:00Z")).size(), 1u);
}

TEST(MaxSignals, OutOfOrderEventsCountInTheirOwnInterval) {
  RuleSpec spec = Capped("new_terms", 1);
  spec.from = "now-1h";
  Harness h({MakeRule(spec)});
  EXPECT_EQ(h.Run(Event("\"H1\"", "2026-03-01T00:20:00Z")).size(), 1u);
  EXPECT_EQ(h.Run(Event("\"H2\"", "2026-03-01T00:01:00Z")).size(), 1u);  // earlier interval
  EXPECT_TRUE(h.Run(Event("\"H3\"", "2026-03-01T00:21:00Z")).empty());
  EXPECT_EQ(h.detector().stats()[0].max_signals_suppressed, 1u);
}

}  // namespace
}  // namespace picket::engine
