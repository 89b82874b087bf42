// Alert suppression of threshold rules (Kibana's threshold suppression:
// [rule.alert_suppression] with a duration only; engine/alert_suppressor.h):
// the group is the alert's threshold terms, the first alert carries its
// group's span and docs_count 0, a later alert of the group within the
// duration of the first is counted into it (not written) and still counts
// as alerted for the signal history, past the duration a new alert opens a
// new window, the state survives a restart, and the table's threshold
// shape (duration required, nothing else) is enforced at load.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include "engine/engine_helpers.h"
#include "engine/text_format.h"
#include "rules/loader.h"
#include "state/memory_record_store.h"

namespace picket::engine {
namespace {

using testing::Harness;
using testing::MakeRule;
using testing::RuleSpec;

constexpr TimeMs kBase = 1772323200000;  // 2026-03-01T00:00:00Z

// A threshold rule over `kill` events (lookback 10 minutes) suppressed for
// `duration`; fields "" = no threshold fields.
RuleSpec SuppressedThreshold(const std::string& fields, int value,
                             const std::string& duration = "{value = 30, unit = \"m\"}") {
  RuleSpec spec;
  spec.type = "threshold";
  spec.query = "event.action:kill";
  spec.from = "now-10m";
  spec.timestamp_override = "";
  spec.rule_tables = fmt::format("\n[rule.threshold]\nfield = {}\nvalue = {}\n", fields, value);
  if (!duration.empty())
    spec.rule_tables += "\n[rule.alert_suppression]\nduration = " + duration + "\n";
  return spec;
}

std::string Kill(double seconds, const std::string& host = "h1") {
  TimeMs t = kBase + static_cast<TimeMs>(seconds * 1000);
  return fmt::format(R"({{"@timestamp":"{}","event":{{"action":"kill"}},"host":{{"id":"{}"}}}})",
                     FormatIso8601(t), host);
}

struct Suppression {
  std::string terms, start, end, instance;
  int64_t docs_count = -1;
  int64_t threshold_count = -1;
};
Suppression Of(const Alert& alert) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(alert.json);
  Suppression s;
  simdjson::dom::element terms;
  if (!doc["kibana.alert.suppression.terms"].get(terms)) s.terms = simdjson::minify(terms);
  std::string_view v;
  if (!doc["kibana.alert.suppression.start"].get(v)) s.start = v;
  if (!doc["kibana.alert.suppression.end"].get(v)) s.end = v;
  if (!doc["kibana.alert.instance.id"].get(v)) s.instance = v;
  int64_t n;
  if (!doc["kibana.alert.suppression.docs_count"].get(n)) s.docs_count = n;
  if (!doc["kibana.alert.threshold_result"]["count"].get(n)) s.threshold_count = n;
  return s;
}

TEST(ThresholdSuppression, LoadsWithoutTheNotAppliedWarning) {
  Harness h({MakeRule(SuppressedThreshold("[\"host.id\"]", 2))});
  EXPECT_TRUE(h.detector().warnings().empty())
      << (h.detector().warnings().empty() ? "" : h.detector().warnings()[0]);
}

TEST(ThresholdSuppression, FirstAlertCarriesItsGroupSpanAndSingleValuedTerms) {
  Harness h({MakeRule(SuppressedThreshold("[\"host.id\"]", 2))});
  EXPECT_TRUE(h.Run(Kill(0)).empty());
  std::vector<Alert> alerts = h.Run(Kill(10));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_FALSE(alerts[0].suppression_update);
  Suppression s = Of(alerts[0]);
  // Kibana's threshold bucket key: one value per field, not an array.
  EXPECT_EQ(s.terms, R"([{"field":"host.id","value":"h1"}])");
  // start/end: the bucket's min_timestamp and max_timestamp.
  EXPECT_EQ(s.start, "2026-03-01T00:00:00.000Z");
  EXPECT_EQ(s.end, "2026-03-01T00:00:10.000Z");
  EXPECT_EQ(s.docs_count, 0);
  EXPECT_EQ(s.threshold_count, 2);
  EXPECT_FALSE(s.instance.empty());
}

TEST(ThresholdSuppression, LaterAlertsOfTheGroupWithinTheDurationAreCountedIntoTheFirst) {
  Harness h({MakeRule(SuppressedThreshold("[\"host.id\"]", 2))});
  h.Run(Kill(0));
  std::vector<Alert> first = h.Run(Kill(10));
  ASSERT_EQ(first.size(), 1u);
  // The group crosses the threshold again: one more count of the first alert.
  EXPECT_TRUE(h.Run(Kill(20)).empty());
  std::vector<Alert> second = h.Run(Kill(30));
  ASSERT_EQ(second.size(), 1u);
  EXPECT_TRUE(second[0].suppression_update);
  EXPECT_EQ(second[0].uuid, first[0].uuid);
  Suppression s = Of(second[0]);
  EXPECT_EQ(s.docs_count, 1);
  EXPECT_EQ(s.start, "2026-03-01T00:00:00.000Z");
  EXPECT_EQ(s.end, "2026-03-01T00:00:30.000Z");
  // The suppressed alert's events are in the signal history: one event
  // after them is not a crossing, two are.
  EXPECT_TRUE(h.Run(Kill(40)).empty());
  std::vector<Alert> third = h.Run(Kill(50));
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(Of(third[0]).docs_count, 2);
  EXPECT_EQ(h.detector().stats()[0].alerts, 1u);
  EXPECT_EQ(h.detector().stats()[0].alert_suppressed, 2u);
  // The text output names what was counted: crossings, not events.
  EXPECT_NE(FormatAlertText(third[0], {}).find("now counts 2 more threshold crossings"),
            std::string::npos)
      << FormatAlertText(third[0], {});
}

TEST(ThresholdSuppression, WindowEdgesInEventTime) {
  // value 1: every event is a crossing, at its own time. T0 = 00:00:00.
  Harness h({MakeRule(SuppressedThreshold("[\"host.id\"]", 1, "{value = 5, unit = \"m\"}"))});
  std::vector<Alert> first = h.Run(Kill(0));
  ASSERT_EQ(first.size(), 1u);
  // T0 + duration exactly: still suppressed (edges included, as for event alerts).
  std::vector<Alert> edge = h.Run(Kill(300));
  ASSERT_EQ(edge.size(), 1u);
  EXPECT_TRUE(edge[0].suppression_update);
  EXPECT_EQ(edge[0].uuid, first[0].uuid);
  // One millisecond later: a new alert and a new window, of the same group.
  std::vector<Alert> after = h.Run(Kill(300.001));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_FALSE(after[0].suppression_update);
  EXPECT_NE(after[0].uuid, first[0].uuid);
  EXPECT_EQ(Of(after[0]).docs_count, 0);
  EXPECT_EQ(Of(after[0]).instance, Of(first[0]).instance);
  // Which the next crossing joins.
  std::vector<Alert> next = h.Run(Kill(400));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].uuid, after[0].uuid);
  EXPECT_EQ(Of(next[0]).docs_count, 1);
}

TEST(ThresholdSuppression, GroupsAreTheThresholdTerms) {
  Harness h({MakeRule(SuppressedThreshold("[\"host.id\"]", 1))});
  std::vector<Alert> h1 = h.Run(Kill(0, "h1"));
  std::vector<Alert> h2 = h.Run(Kill(1, "h2"));
  ASSERT_EQ(h1.size(), 1u);
  ASSERT_EQ(h2.size(), 1u);
  EXPECT_FALSE(h2[0].suppression_update);
  EXPECT_NE(Of(h1[0]).instance, Of(h2[0]).instance);
  std::vector<Alert> again = h.Run(Kill(2, "h2"));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].uuid, h2[0].uuid);
}

TEST(ThresholdSuppression, NoFieldsIsOneGroupWithNoTerms) {
  Harness h({MakeRule(SuppressedThreshold("[]", 1))});
  std::vector<Alert> first = h.Run(Kill(0, "h1"));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(Of(first[0]).terms, "[]");
  std::vector<Alert> other_host = h.Run(Kill(1, "h2"));
  ASSERT_EQ(other_host.size(), 1u);
  EXPECT_TRUE(other_host[0].suppression_update);
}

TEST(ThresholdSuppression, StateSurvivesARestart) {
  auto rule = MakeRule(SuppressedThreshold("[\"host.id\"]", 1));
  state::MemoryRecordStore records;
  std::string first_uuid;
  {
    Harness h({rule}, Harness::DefaultOptions(), &records);
    std::vector<Alert> a = h.Run(Kill(0));
    ASSERT_EQ(a.size(), 1u);
    first_uuid = a[0].uuid;
    ASSERT_EQ(h.Run(Kill(10)).size(), 1u);
  }
  Harness h({rule}, Harness::DefaultOptions(), &records);
  // The same event again (a shipper re-sending): nothing.
  EXPECT_TRUE(h.Run(Kill(10)).empty());
  std::vector<Alert> c = h.Run(Kill(20));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_TRUE(c[0].suppression_update);
  EXPECT_EQ(c[0].uuid, first_uuid);
  EXPECT_EQ(Of(c[0]).docs_count, 2);
  EXPECT_EQ(Of(c[0]).start, "2026-03-01T00:00:00.000Z");
  EXPECT_EQ(Of(c[0]).end, "2026-03-01T00:00:20.000Z");
}

// Kibana's update of the suppressing alert sets kibana.alert.last_detected
// to the time of the execution that suppressed (its alert time); the rest
// of the document (kibana.alert.start included) stays the first alert's.
TEST(ThresholdSuppression, UpdatesMoveLastDetectedToTheCountsAlertTime) {
  auto rule = MakeRule(SuppressedThreshold("[\"host.id\"]", 1));
  state::MemoryRecordStore records;
  DetectorOptions before = Harness::DefaultOptions();
  DetectorOptions after = before;
  after.alert_time = before.alert_time + 3600 * 1000;
  std::string first_json;
  {
    Harness h({rule}, before, &records);
    std::vector<Alert> a = h.Run(Kill(0));
    ASSERT_EQ(a.size(), 1u);
    first_json = a[0].json;
  }
  Harness h({rule}, after, &records);
  std::vector<Alert> c = h.Run(Kill(10));
  ASSERT_EQ(c.size(), 1u);
  ASSERT_TRUE(c[0].suppression_update);
  simdjson::dom::parser p1, p2;
  simdjson::dom::element first = p1.parse(first_json), update = p2.parse(c[0].json);
  auto str = [](simdjson::dom::element doc, const char* key) {
    std::string_view v;
    return doc[key].get(v) ? std::string() : std::string(v);
  };
  EXPECT_EQ(str(update, "kibana.alert.last_detected"), FormatIso8601(after.alert_time));
  EXPECT_EQ(str(first, "kibana.alert.last_detected"), FormatIso8601(before.alert_time));
  EXPECT_EQ(str(update, "kibana.alert.start"), str(first, "kibana.alert.start"));
  EXPECT_EQ(str(update, "@timestamp"), str(first, "@timestamp"));
}

TEST(ThresholdSuppression, CoalescedCountIsWrittenWhenTheNextWindowOpens) {
  DetectorOptions options = Harness::DefaultOptions();
  options.coalesce_suppression_updates = true;
  Harness h({MakeRule(SuppressedThreshold("[\"host.id\"]", 1, "{value = 1, unit = \"m\"}"))},
            options);
  std::vector<Alert> first = h.Run(Kill(0));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(h.Run(Kill(10)).empty());
  EXPECT_TRUE(h.Run(Kill(20)).empty());
  std::vector<Alert> next = h.Run(Kill(61));
  ASSERT_EQ(next.size(), 2u);
  EXPECT_TRUE(next[0].suppression_update);
  EXPECT_EQ(next[0].uuid, first[0].uuid);
  EXPECT_EQ(next[0].suppressed_docs, 2u);
  EXPECT_FALSE(next[1].suppression_update);
}

std::string LoadError(const std::string& table) {
  RuleSpec spec = SuppressedThreshold("[\"host.id\"]", 2, "");
  spec.rule_tables += "\n[rule.alert_suppression]\n" + table;
  std::vector<rules::LoadIssue> errors, warnings;
  auto rule = rules::LoadRuleText(testing::RuleToml(spec), "x.toml", *event::FieldTypes::BuiltIn(),
                                  {}, &errors, &warnings);
  EXPECT_EQ(rule, nullptr);
  return errors.empty() ? "" : errors[0].ToString();
}

TEST(ThresholdSuppression, SchemaTakesADurationOnly) {
  std::string group_by =
      LoadError("group_by = [\"host.id\"]\nduration = {value = 5, unit = \"m\"}\n");
  EXPECT_NE(group_by.find("only `duration`"), std::string::npos) << group_by;
  EXPECT_NE(group_by.find("x.toml:"), std::string::npos);
  std::string strategy =
      LoadError("duration = {value = 5, unit = \"m\"}\nmissing_fields_strategy = \"suppress\"\n");
  EXPECT_NE(strategy.find("missing_fields_strategy"), std::string::npos) << strategy;
  EXPECT_NE(LoadError("").find("needs a duration"), std::string::npos);
  EXPECT_NE(LoadError("duration = {value = 5, unit = \"d\"}\n").find("unit must be"),
            std::string::npos);
}

}  // namespace
}  // namespace picket::engine
