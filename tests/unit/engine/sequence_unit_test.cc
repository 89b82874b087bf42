// EQL rules through the detector: event queries, sequences (shell and
// building blocks when the last event arrives, max_signals counting
// sequences), a trailing missing-event stage decided at the end of input.
#include "engine/sequence_unit.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "engine/engine_helpers.h"

namespace picket::engine {
namespace {

using testing::Harness;
using testing::MakeRule;
using testing::RuleSpec;

const char* kProcessIndex = "logs-endpoint.events.process-default";
const char* kNetworkIndex = "logs-endpoint.events.network-default";

std::string Process(const std::string& host, const std::string& time, const std::string& id) {
  return R"({"@timestamp":")" + time + R"(","event":{"category":["process"],"id":")" + id +
         R"("},"host":{"id":")" + host + R"("},"process":{"name":"python3"}})";
}
std::string Network(const std::string& host, const std::string& time, const std::string& id) {
  return R"({"@timestamp":")" + time + R"(","event":{"category":["network"],"id":")" + id +
         R"("},"host":{"id":")" + host + R"("},"destination":{"port":4444}})";
}

RuleSpec SequenceRule(const std::string& query) {
  RuleSpec spec;
  spec.type = "eql";
  spec.query = query;
  spec.timestamp_override = "";
  return spec;
}

std::string Field(const std::string& json, const char* key) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json);
  std::string_view v;
  if (doc[key].get(v)) return "";
  return std::string(v);
}

TEST(SequenceUnit, SequenceAlertsWhenTheLastEventArrives) {
  Harness h({MakeRule(SequenceRule(
      "sequence by host.id with maxspan=1m [process where process.name == \"python3\"] "
      "[network where destination.port == 4444]"))});
  EXPECT_TRUE(h.Run(Process("h1", "2026-03-01T00:00:01Z", "p1"), false, kProcessIndex).empty());
  EXPECT_TRUE(h.Run(Network("h2", "2026-03-01T00:00:02Z", "n0"), false, kNetworkIndex).empty());
  std::vector<Alert> alerts =
      h.Run(Network("h1", "2026-03-01T00:00:03Z", "n1"), false, kNetworkIndex);
  ASSERT_EQ(alerts.size(), 3u) << (h.problems().empty() ? "" : h.problems()[0]);
  EXPECT_EQ(Field(alerts[0].json, "kibana.alert.group.id"), alerts[0].uuid);
  EXPECT_EQ(Field(alerts[0].json, "kibana.alert.rule.type"), "eql");
  EXPECT_EQ(Field(alerts[1].json, "kibana.alert.building_block_type"), "default");
  EXPECT_EQ(Field(alerts[1].json, "kibana.alert.group.id"), alerts[0].uuid);
  EXPECT_EQ(alerts[1].index, kProcessIndex);
  EXPECT_EQ(alerts[2].index, kNetworkIndex);
  // A second python on h1 more than maxspan before its connection: nothing.
  EXPECT_TRUE(h.Run(Process("h1", "2026-03-01T00:01:00Z", "p2"), false, kProcessIndex).empty());
  EXPECT_TRUE(h.Run(Network("h1", "2026-03-01T00:02:01Z", "n2"), false, kNetworkIndex).empty());
}

TEST(SequenceUnit, EachBuildingBlockReportsItsOwnEventsOrigin) {
  // Lines 1-3 of the "test" source: python on h1, an unrelated connection,
  // then h1's connection completes the sequence.
  Harness h({MakeRule(SequenceRule(
      "sequence by host.id with maxspan=1m [process where process.name == \"python3\"] "
      "[network where destination.port == 4444]"))});
  h.Run(Process("h1", "2026-03-01T00:00:01Z", "p1"), false, kProcessIndex);
  h.Run(Network("h2", "2026-03-01T00:00:02Z", "n0"), false, kNetworkIndex);
  std::vector<Alert> alerts =
      h.Run(Network("h1", "2026-03-01T00:00:03Z", "n1"), false, kNetworkIndex);
  ASSERT_EQ(alerts.size(), 3u);
  EXPECT_EQ(alerts[0].building_block, -1);  // the shell
  EXPECT_EQ(alerts[0].sequence_events, 2u);
  EXPECT_EQ(alerts[0].origin, "test:3");  // the event that completed it
  EXPECT_EQ(alerts[1].building_block, 0);
  EXPECT_EQ(alerts[1].sequence_events, 2u);
  EXPECT_EQ(alerts[1].origin, "test:1");
  EXPECT_EQ(alerts[2].building_block, 1);
  EXPECT_EQ(alerts[2].origin, "test:3");
}

TEST(SequenceUnit, EventQueryAlertsAreNotSequenceParts) {
  Harness h({MakeRule(SequenceRule("process where process.name == \"python3\""))});
  std::vector<Alert> alerts =
      h.Run(Process("h1", "2026-03-01T00:00:01Z", "p1"), false, kProcessIndex);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].building_block, -1);
  EXPECT_EQ(alerts[0].sequence_events, 0u);
  EXPECT_EQ(alerts[0].origin, "test:1");
}

TEST(SequenceUnit, MaxSignalsCountsSequences) {
  RuleSpec spec = SequenceRule(
      "sequence by host.id [process where true] [network where destination.port == 4444]");
  spec.rule_keys = "max_signals = 1\n";
  Harness h({MakeRule(spec)});
  for (const char* host : {"a", "b"}) {
    h.Run(Process(host, "2026-03-01T00:00:01Z", std::string("p") + host), false, kProcessIndex);
    h.Run(Network(host, "2026-03-01T00:00:02Z", std::string("n") + host), false, kNetworkIndex);
  }
  EXPECT_EQ(h.all_alerts().size(), 3u);  // one sequence of the two
  EXPECT_EQ(h.detector().stats()[0].max_signals_suppressed, 1u);
}

TEST(SequenceUnit, EventQueryAlertsPerEvent) {
  Harness h({MakeRule(SequenceRule("process where process.name == \"python3\""))});
  std::vector<Alert> alerts =
      h.Run(Process("h1", "2026-03-01T00:00:01Z", "p1"), false, kProcessIndex);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(Field(alerts[0].json, "kibana.alert.rule.type"), "eql");
  EXPECT_EQ(Field(alerts[0].json, "kibana.alert.rule.rule_type_id"), "siem.eqlRule");
}

TEST(SequenceUnit, TrailingMissingStageDecidedAtTheEnd) {
  Harness h({MakeRule(SequenceRule(
      "sequence by host.id with maxspan=1m [process where true] ![network where true]"))});
  EXPECT_TRUE(h.Run(Process("h1", "2026-03-01T00:00:01Z", "p1"), false, kProcessIndex).empty());
  std::vector<Alert> at_end;
  h.detector().Finish([&](const Alert& a) { at_end.push_back(a); });
  ASSERT_EQ(at_end.size(), 3u);  // shell, the process, the missing placeholder
  EXPECT_EQ(at_end[2].index, "");
}

}  // namespace
}  // namespace picket::engine
