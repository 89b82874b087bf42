// Rules over alerts (engine/alert_feedback.h): a rule reading the alerts
// index sees the alerts other rules made from raw events in the same run,
// with Kibana's ancestry and depth; an alert never feeds its own rule or a
// rule it descends from; depth is bounded. Event, sequence (shell and
// building blocks) and threshold alerts are all fed back.
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

// The names of the rules that wrote `alerts`, in order.
std::vector<std::string> RuleNames(const std::vector<Alert>& alerts) {
  std::vector<std::string> out;
  for (const Alert& a : alerts) out.push_back(a.rule->name);
  return out;
}

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

std::string Kill(const std::string& time, const std::string& host) {
  return R"({"@timestamp":")" + time + R"(","event":{"action":"kill","id":"k-)" + time +
         R"("},"host":{"name":")" + host + R"("}})";
}

const char* kSeqId = "aaaaaaaa-0000-0000-0000-000000000004";

// The last entry of an alert's kibana.alert.ancestors.
std::string LastAncestor(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json);
  simdjson::dom::array a;
  if (doc["kibana.alert.ancestors"].get(a) || a.size() == 0) return "";
  return simdjson::minify(a.at(a.size() - 1).value());
}
std::string SignalAncestor(const Alert& of, int depth) {
  return "{\"id\":\"" + of.uuid +
         "\",\"type\":\"signal\",\"index\":\".alerts-security.alerts-default\",\"depth\":" +
         std::to_string(depth) + ",\"rule\":\"" + Str(of.json, "kibana.alert.rule.uuid") + "\"}";
}

// A sequence's shell and each of its building blocks are in Kibana's alerts
// index, so a rule over alerts sees all of them, one level deeper.
TEST(AlertFeedback, SequenceShellAndBuildingBlocksReachRulesOverAlerts) {
  RuleSpec seq = RawRule(kSeqId, "Seq rule");
  seq.type = "eql";
  seq.query = "sequence [any where event.action == \"exec\"] [any where event.action == \"kill\"]";
  Harness h({MakeRule(seq),
             MakeRule(AlertsRule(kOverId, "Over alerts", "kibana.alert.rule.name:\"Seq rule\""))});
  EXPECT_TRUE(h.Run(Exec("2026-03-01T00:00:00Z", "h1"), false, kIndex).empty());
  auto alerts = h.Run(Kill("2026-03-01T00:00:05Z", "h1"), false, kIndex);
  // The shell and two blocks, then the rule over alerts on each of them.
  ASSERT_EQ(alerts.size(), 6u);
  const Alert& shell = alerts[0];
  ASSERT_GT(shell.sequence_events, 0u);
  ASSERT_EQ(shell.building_block, -1);
  EXPECT_EQ(Int(shell.json, "kibana.alert.depth"), 2);
  for (size_t i = 3; i < 6; ++i) EXPECT_EQ(alerts[i].rule->rule_id, kOverId);
  const Alert& on_shell = alerts[3];
  EXPECT_EQ(Int(on_shell.json, "kibana.alert.depth"), 3);
  EXPECT_EQ(LastAncestor(on_shell.json), SignalAncestor(shell, 2));
  const Alert& on_block = alerts[4];
  EXPECT_EQ(Int(on_block.json, "kibana.alert.depth"), 2);
  EXPECT_EQ(LastAncestor(on_block.json), SignalAncestor(alerts[1], 1));
  // The over-alerts rule's alerts never feed the sequence rule back.
  EXPECT_EQ(h.detector().stats()[1].alerts, 3u);
}

// A threshold alert is written at depth 1 with its group as its ancestor
// (Kibana's synthetic hit); a rule over alerts builds on it as on any alert.
TEST(AlertFeedback, ThresholdAlertsReachRulesOverAlerts) {
  RuleSpec threshold = RawRule(kRawId, "Threshold rule");
  threshold.type = "threshold";
  threshold.from = "now-10m";
  threshold.rule_tables = "\n[rule.threshold]\nfield = [\"host.name\"]\nvalue = 2\n";
  Harness h({MakeRule(threshold),
             MakeRule(AlertsRule(kOverId, "Over alerts", "kibana.alert.rule.type:threshold"))});
  EXPECT_TRUE(h.Run(Exec("2026-03-01T00:00:00Z", "h1"), false, kIndex).empty());
  auto alerts = h.Run(Exec("2026-03-01T00:00:10Z", "h1"), false, kIndex);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].rule->rule_id, kRawId);
  EXPECT_EQ(Int(alerts[0].json, "kibana.alert.depth"), 1);
  const Alert& over = alerts[1];
  EXPECT_EQ(over.rule->rule_id, kOverId);
  EXPECT_EQ(Int(over.json, "kibana.alert.depth"), 2);
  EXPECT_EQ(LastAncestor(over.json), SignalAncestor(alerts[0], 1));
  // Its time is the threshold alert's last counted event.
  EXPECT_EQ(Str(over.json, "kibana.alert.original_time"), "2026-03-01T00:00:10.000Z");
  EXPECT_EQ(Str(over.json, "host.name"), "h1");
}

// A sequence over the alerts index: each building block descends from its
// alert (Kibana's buildAncestors), the shell from the blocks.
TEST(AlertFeedback, SequenceOverAlertsDescendsFromThem) {
  RuleSpec seq = AlertsRule(kSeqId, "Seq over alerts", "");
  seq.type = "eql";
  seq.query = "sequence [any where true] [any where true]";
  Harness h({MakeRule(RawRule(kRawId, "Raw rule")), MakeRule(seq)});
  auto first = h.Run(Exec("2026-03-01T00:00:00Z", "h1"), false, kIndex);
  ASSERT_EQ(first.size(), 1u);
  auto alerts = h.Run(Exec("2026-03-01T00:00:05Z", "h1"), false, kIndex);
  ASSERT_EQ(alerts.size(), 4u);  // the raw rule's alert, then shell and two blocks
  const Alert& shell = alerts[1];
  const Alert& block0 = alerts[2];
  ASSERT_EQ(block0.building_block, 0);
  EXPECT_EQ(Int(block0.json, "kibana.alert.depth"), 2);
  EXPECT_EQ(LastAncestor(block0.json), SignalAncestor(first[0], 1));
  EXPECT_EQ(Int(shell.json, "kibana.alert.depth"), 3);
  std::string ancestors = Raw(shell.json, "kibana.alert.ancestors");
  EXPECT_NE(ancestors.find("\"id\":\"" + first[0].uuid + "\""), std::string::npos) << ancestors;
  EXPECT_NE(ancestors.find("\"id\":\"" + block0.uuid +
                           "\",\"index\":\"\",\"type\":\"signal\","
                           "\"depth\":2"),
            std::string::npos)
      << ancestors;
  // Its own alerts are never fed back to it.
  EXPECT_EQ(h.detector().stats()[1].alerts, 3u);
}

// Kibana's alerts index maps the legacy signal.* names as aliases of the
// kibana.alert.* fields; two upstream rules over alerts use them. They read
// the alert's values, and never reach the alert built on it.
TEST(AlertFeedback, LegacySignalNamesReadTheAlertsFields) {
  Harness h({MakeRule(RawRule(kRawId, "Raw rule")),
             MakeRule(AlertsRule(kOverId, "Over alerts",
                                 "signal.rule.name:\"Raw rule\" and signal.depth:1 and "
                                 "signal.status:open"))});
  auto alerts = h.Run(Exec("2026-03-01T00:00:00Z", "h1"), false, kIndex);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[1].rule->rule_id, kOverId);
  for (const Alert& a : alerts) {  // no such key (the rule's query text names them)
    EXPECT_EQ(a.json.find(",\"signal."), std::string::npos) << a.json;
    EXPECT_EQ(a.json.find(",\"signal\":"), std::string::npos) << a.json;
  }
}

// An alert that no rule over alerts can match skips its signal.* copies
// (Detector::FeedBackAlerts); one that is a candidate still gets them. Rule
// "Over A" is filed under kibana.alert.rule.name and reads signal.status
// only in a negation (not filed): on Raw A's alerts it must see the copy
// (signal.status is "open", so it does not fire), and "Over A, any status"
// fires. Raw B's alerts are no candidate of either. The same alerts come
// out with the rule index off, where every alert takes the full path.
TEST(AlertFeedback, AlertsNoRuleOverAlertsCanMatchSkipOnlyTheirCopies) {
  RuleSpec raw_b = RawRule("aaaaaaaa-0000-0000-0000-000000000006", "Raw B");
  raw_b.query = "event.action:exec";
  RuleSpec raw_a = RawRule(kRawId, "Raw A");
  raw_a.query = "event.action:exec";
  auto rules = [&] {
    return std::vector<std::shared_ptr<const rules::Rule>>{
        MakeRule(raw_a), MakeRule(raw_b),
        MakeRule(AlertsRule(kOverId, "Over A",
                            "kibana.alert.rule.name:\"Raw A\" and not signal.status:open")),
        MakeRule(AlertsRule("aaaaaaaa-0000-0000-0000-000000000007", "Over A, any status",
                            "kibana.alert.rule.name:\"Raw A\""))};
  };
  Harness indexed(rules());
  auto with_index = indexed.Run(Exec("2026-03-01T00:00:00Z", "h1"), false, kIndex);
  EXPECT_EQ(RuleNames(with_index),
            (std::vector<std::string>{"Raw A", "Raw B", "Over A, any status"}));
  DetectorOptions options = Harness::DefaultOptions();
  options.use_rule_index = false;
  Harness unindexed(rules(), options);
  EXPECT_EQ(RuleNames(unindexed.Run(Exec("2026-03-01T00:00:00Z", "h1"), false, kIndex)),
            RuleNames(with_index));
}

// As the upstream "Unusual Discovery Signal" rules: a rule over alerts that
// names the rule ids it reads. Alerts of other rules are not fed back at all
// (counted in alerts_not_fed_back, in no rule's candidates); the alerts
// written are the same as with the rule index off, where every alert takes
// the full path. The rule over alerts' own alert feeds a second one that
// names it by rule name (a rule's id, name and uuid are known before its
// alerts are built; unmapped, they match as keywords).
TEST(AlertFeedback, AlertsOfRulesNoRuleOverAlertsNamesAreNotFedBack) {
  const std::string over2_id = "aaaaaaaa-0000-0000-0000-000000000009";
  RuleSpec raw_a = RawRule(kRawId, "Raw A");
  raw_a.query = "event.action:exec";
  RuleSpec raw_b = RawRule("aaaaaaaa-0000-0000-0000-000000000008", "Raw B");
  raw_b.query = "event.action:exec";
  auto rules = [&] {
    return std::vector<std::shared_ptr<const rules::Rule>>{
        MakeRule(raw_a), MakeRule(raw_b),
        MakeRule(AlertsRule(kOverId, "Over A",
                            std::string("event.kind:signal and kibana.alert.rule.rule_id:(\"") +
                                kRawId + "\" or \"x-" + kRawId + "\")")),
        MakeRule(AlertsRule(over2_id, "Over Over", "kibana.alert.rule.name:\"Over A\""))};
  };
  Harness indexed(rules());
  auto with_index = indexed.Run(Exec("2026-03-01T00:00:00Z", "h1"), false, kIndex);
  EXPECT_EQ(RuleNames(with_index),
            (std::vector<std::string>{"Raw A", "Raw B", "Over A", "Over Over"}));
  const std::vector<RuleStats>& stats = indexed.detector().stats();
  EXPECT_EQ(stats[0].alerts_not_fed_back, 0u);  // Over A names it
  EXPECT_EQ(stats[1].alerts_not_fed_back, 1u);  // no rule over alerts can take it
  EXPECT_EQ(stats[2].alerts_not_fed_back, 0u);  // Over Over names it
  EXPECT_EQ(stats[3].alerts_not_fed_back, 1u);  // neither names "Over Over" or its id

  DetectorOptions options = Harness::DefaultOptions();
  options.use_rule_index = false;
  Harness unindexed(rules(), options);
  EXPECT_EQ(RuleNames(unindexed.Run(Exec("2026-03-01T00:00:00Z", "h1"), false, kIndex)),
            RuleNames(with_index));
  for (const RuleStats& s : unindexed.detector().stats()) EXPECT_EQ(s.alerts_not_fed_back, 0u);

  // Mapped as text, kibana.alert.rule.name is no exact term: Over Over may
  // take any alert, and every alert is fed back.
  auto types = std::make_shared<event::FieldTypes>(*event::FieldTypes::BuiltIn());
  std::string error;
  ASSERT_TRUE(types->Set("kibana.alert.rule.name", "text", &error)) << error;
  DetectorOptions text_options = Harness::DefaultOptions();
  text_options.types = types;
  Harness text_name(rules(), text_options);
  text_name.Run(Exec("2026-03-01T00:00:00Z", "h1"), false, kIndex);
  for (const RuleStats& s : text_name.detector().stats()) EXPECT_EQ(s.alerts_not_fed_back, 0u);
}

// MayMatchAlertsOf rules a rule out only on a term of the rule's own
// fields that no alternative satisfies.
TEST(AlertFeedback, MayMatchAlertsOfReadsOnlyTheRuleFields) {
  const AlertRuleFields rule{"Id-1", "Some Rule", "uuid-1"};
  auto term = [](std::string field, std::vector<std::string> values) {
    kql::RequiredTerms t;
    t.field = std::move(field);
    t.values = std::move(values);
    return t;
  };
  kql::IndexFacts facts;
  EXPECT_TRUE(MayMatchAlertsOf(facts, rule));  // no terms: any alert
  facts.terms = {term("host.os.type", {"linux"})};
  EXPECT_TRUE(MayMatchAlertsOf(facts, rule));  // unknown before the alert
  facts.terms = {term("kibana.alert.rule.rule_id", {"id-1"})};
  EXPECT_FALSE(MayMatchAlertsOf(facts, rule));  // case-sensitive
  facts.terms[0].lowered = true;
  EXPECT_TRUE(MayMatchAlertsOf(facts, rule));  // lowered terms: "id-1" is "Id-1" lowered
  facts.terms = {term("kibana.alert.rule.name", {})};
  facts.terms[0].suffixes = {" Rule"};
  EXPECT_TRUE(MayMatchAlertsOf(facts, rule));
  facts.terms[0].suffixes = {" rule"};
  facts.terms[0].prefixes = {"Some"};
  EXPECT_TRUE(MayMatchAlertsOf(facts, rule));
  facts.terms[0].prefixes = {"some"};
  EXPECT_FALSE(MayMatchAlertsOf(facts, rule));
  facts.terms = {term("kibana.alert.rule.uuid", {"uuid-1"})};
  EXPECT_TRUE(MayMatchAlertsOf(facts, rule));
  facts.terms[0].presence = true;  // "has a value": every alert has one
  facts.terms[0].values.clear();
  EXPECT_TRUE(MayMatchAlertsOf(facts, rule));
  // A top-level `or`: ruled out only when no branch may hold.
  facts.terms.clear();
  facts.alternatives = {{{term("kibana.alert.rule.rule_id", {"other"})},
                         {term("kibana.alert.rule.name", {"Some Rule"})}}};
  EXPECT_TRUE(MayMatchAlertsOf(facts, rule));
  facts.alternatives[0][1][0].values = {"Other Rule"};
  EXPECT_FALSE(MayMatchAlertsOf(facts, rule));
}

// As the upstream GitHub UEBA rule: a threshold over alerts with a
// cardinality on signal.rule.name fires when a host has alerts of two
// distinct rules.
TEST(AlertFeedback, ThresholdCardinalityOnLegacySignalRuleName) {
  RuleSpec other = RawRule("aaaaaaaa-0000-0000-0000-000000000005", "Other raw rule");
  other.query = "event.action:kill";
  RuleSpec threshold = AlertsRule(kOverId, "Two rules on a host", "signal.rule.name:*");
  threshold.type = "threshold";
  threshold.from = "now-60m";
  threshold.rule_tables =
      "\n[rule.threshold]\nfield = [\"host.name\"]\nvalue = 1\n"
      "[[rule.threshold.cardinality]]\nfield = \"signal.rule.name\"\nvalue = 2\n";
  Harness h({MakeRule(RawRule(kRawId, "Raw rule")), MakeRule(other), MakeRule(threshold)});
  EXPECT_EQ(h.Run(Exec("2026-03-01T00:00:00Z", "h1"), false, kIndex).size(), 1u);
  EXPECT_EQ(h.Run(Exec("2026-03-01T00:01:00Z", "h1"), false, kIndex).size(), 1u);
  auto alerts = h.Run(Kill("2026-03-01T00:02:00Z", "h1"), false, kIndex);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[1].rule->rule_id, kOverId);
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(alerts[1].json);
  EXPECT_EQ(int64_t(doc["kibana.alert.threshold_result"]["count"]), 3);
  EXPECT_EQ(int64_t(doc["kibana.alert.threshold_result"]["cardinality"].at(0)["value"]), 2);
}

}  // namespace
}  // namespace picket::engine
