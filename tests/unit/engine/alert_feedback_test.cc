// Rules over alerts (engine/alert_feedback.h): a rule reading the alerts
// index sees the alerts other rules made from raw events in the same run,
// with Kibana's ancestry and depth; an alert never feeds its own rule or a
// rule it descends from; depth is bounded.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "engine/engine_helpers.h"

namespace picket::engine {
namespace {

using testing::Harness;
using testing::MakeRule;
using testing::RuleSpec;

const char* kIndex = "logs-endpoint.events.process-default";

std::string Exec(const std::string& time, const std::string& host) {
  return R"({"@timestamp":")" + time + R"(","event":{"action":"exec","id":"e-)" + time +
         R"("},"host":{"name":")" + host + R"("}})";
}

RuleSpec RawRule(const std::string& id, const std::string& name) {
  RuleSpec spec;
  spec.type = "query";
  spec.rule_id = id;
  spec.name = name;
  spec.timestamp_override = "";
  return spec;
}
RuleSpec AlertsRule(const std::string& id, const std::string& name, const std::string& query) {
  RuleSpec spec = RawRule(id, name);
  spec.index = {".alerts-security.*"};
  spec.query = query;
  return spec;
}

std::string Str(const std::string& json, const char* key) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json);
  std::string_view v;
  if (doc[key].get(v)) return "";
  return std::string(v);
}
int64_t Int(const std::string& json, const char* key) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json);
  int64_t v = -1;
  if (doc[key].get(v)) return -1;
  return v;
}
std::string Raw(const std::string& json, const char* key) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json);
  simdjson::dom::element v;
  if (doc[key].get(v)) return "";
  return simdjson::minify(v);
}

const char* kRawId = "aaaaaaaa-0000-0000-0000-000000000001";
const char* kOverId = "aaaaaaaa-0000-0000-0000-000000000002";

TEST(AlertFeedback, RuleOverAlertsFiresFromAlertsOfTheSameRun) {
  Harness h({MakeRule(RawRule(kRawId, "Raw rule")),
             MakeRule(AlertsRule(kOverId, "Over alerts",
                                 "kibana.alert.rule.name:\"Raw rule\" and host.name:h1"))});
  auto alerts = h.Run(Exec("2026-03-01T00:00:00Z", "h1"), false, kIndex);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].rule->rule_id, kRawId);
  EXPECT_EQ(alerts[1].rule->rule_id, kOverId);
  const std::string& over = alerts[1].json;
  EXPECT_EQ(Int(over, "kibana.alert.depth"), 2);
  EXPECT_EQ(Int(alerts[0].json, "kibana.alert.depth"), 1);
  // Ancestors: the raw event, then the alert (type signal, its depth and rule).
  std::string ancestors = Raw(over, "kibana.alert.ancestors");
  std::string first_ancestors = Raw(alerts[0].json, "kibana.alert.ancestors");
  ASSERT_GT(first_ancestors.size(), 2u);
  EXPECT_EQ(ancestors.substr(0, first_ancestors.size() - 1),
            first_ancestors.substr(0, first_ancestors.size() - 1));
  EXPECT_NE(ancestors.find("{\"id\":\"" + alerts[0].uuid +
                           "\",\"type\":\"signal\",\"index\":\".alerts-security.alerts-default\","
                           "\"depth\":1,\"rule\":\"" +
                           Str(alerts[0].json, "kibana.alert.rule.uuid") + "\"}"),
            std::string::npos)
      << ancestors;
  // The source alert's own kibana.* fields do not leak into the new alert.
  EXPECT_EQ(Str(over, "kibana.alert.rule.name"), "Over alerts");
  // Its time is the source event's.
  EXPECT_EQ(Str(over, "kibana.alert.original_time"), "2026-03-01T00:00:00.000Z");
  // Raw events with an index the alerts rule does not cover are not its.
  EXPECT_EQ(h.detector().stats()[1].matched, 1u);
}

TEST(AlertFeedback, NoLoopsAndBoundedDepth) {
  // Two rules over every alert: each sees the other's alerts but never its
  // own nor one descending from its own.
  Harness h({MakeRule(RawRule(kRawId, "Raw rule")),
             MakeRule(AlertsRule(kOverId, "Over A", "kibana.alert.rule.rule_id:*")),
             MakeRule(AlertsRule("aaaaaaaa-0000-0000-0000-000000000003", "Over B",
                                 "kibana.alert.rule.rule_id:*"))});
  auto alerts = h.Run(Exec("2026-03-01T00:00:00Z", "h1"), false, kIndex);
  // raw (1) -> A on raw (2), B on raw (2) -> B on A's (3), A on B's (3); stop.
  ASSERT_EQ(alerts.size(), 5u);
  int max_depth = 0;
  for (const Alert& a : alerts)
    max_depth = std::max<int>(max_depth, Int(a.json, "kibana.alert.depth"));
  EXPECT_EQ(max_depth, 3);
}

// The alerts index is a hidden alias: only dot-prefixed patterns reach it,
// as Elasticsearch expands wildcards (a `*` rule does not read alerts).
TEST(AlertFeedback, OnlyDotPatternsReadTheHiddenAlertsIndex) {
  const std::string alerts = AlertsIndexName("default");
  auto reads = [&](std::vector<std::string> index) {
    RuleSpec spec = RawRule(kOverId, "Over");
    spec.index = std::move(index);
    return ReadsAlerts(*MakeRule(spec), alerts);
  };
  EXPECT_TRUE(reads({".alerts-security.*"}));
  EXPECT_TRUE(reads({"logs-*", ".alerts-*"}));
  EXPECT_TRUE(reads({".alerts-security.alerts-default"}));
  EXPECT_FALSE(reads({"*"}));
  EXPECT_FALSE(reads({"logs-*", "*alerts*"}));
  EXPECT_FALSE(reads({".alerts-security.*", "-.alerts-security.alerts-default"}));
  EXPECT_FALSE(reads({}));
}

TEST(AlertFeedback, DepthBound) {
  DetectorOptions options = Harness::DefaultOptions();
  options.max_alert_depth = 1;  // first-level alerts are not fed back
  Harness h({MakeRule(RawRule(kRawId, "Raw rule")),
             MakeRule(AlertsRule(kOverId, "Over", "kibana.alert.rule.rule_id:*"))},
            options);
  EXPECT_EQ(h.Run(Exec("2026-03-01T00:00:00Z", "h1"), false, kIndex).size(), 1u);
}

TEST(AlertFeedback, SuppressionUpdatesAreNotFedBack) {
  RuleSpec raw = RawRule(kRawId, "Raw rule");
  raw.rule_tables =
      "\n[rule.alert_suppression]\ngroup_by = [\"host.name\"]\n"
      "duration = {value = 5, unit = \"m\"}\n";
  Harness h({MakeRule(raw), MakeRule(AlertsRule(kOverId, "Over", "kibana.alert.rule.rule_id:*"))});
  EXPECT_EQ(h.Run(Exec("2026-03-01T00:00:00Z", "h1"), false, kIndex).size(), 2u);
  auto second = h.Run(Exec("2026-03-01T00:01:00Z", "h1"), false, kIndex);
  ASSERT_EQ(second.size(), 1u);  // the update only
  EXPECT_TRUE(second[0].suppression_update);
}

}  // namespace
}  // namespace picket::engine
