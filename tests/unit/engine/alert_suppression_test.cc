// Alert suppression ([rule.alert_suppression], engine/alert_suppressor.h)
// through the detector: window edges in event time, per-execution windows,
// missing fields under both strategies, groups of 1 to 3 fields (arrays
// sorted), new_terms, EQL event queries and sequences, the state surviving a restart,
// and the schema errors of the table.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "engine/engine_helpers.h"
#include "rules/loader.h"
#include "state/memory_record_store.h"
#include "state/memory_store.h"

namespace picket::engine {
namespace {

using testing::Harness;
using testing::MakeRule;
using testing::RuleSpec;

const char* kIndex = "logs-endpoint.events.process-default";

std::string Event(const std::string& time, const std::string& host_fields,
                  const std::string& id = "") {
  return R"({"@timestamp":")" + time + R"(","event":{"action":"exec")" +
         (id.empty() ? "" : R"(,"id":")" + id + "\"") + "}" +
         (host_fields.empty() ? "" : "," + host_fields) + "}";
}
std::string Host(const std::string& name) { return R"("host":{"name":")" + name + R"("})"; }

RuleSpec Suppressed(const std::string& table, const std::string& type = "query") {
  RuleSpec spec;
  spec.type = type;
  spec.timestamp_override = "";
  spec.rule_tables = "\n[rule.alert_suppression]\n" + table;
  return spec;
}

struct Fields {
  std::string terms, start, end, instance;
  int64_t docs_count = -1;
};
Fields SuppressionOf(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json);
  Fields f;
  simdjson::dom::element terms;
  if (!doc["kibana.alert.suppression.terms"].get(terms)) f.terms = simdjson::minify(terms);
  std::string_view v;
  if (!doc["kibana.alert.suppression.start"].get(v)) f.start = v;
  if (!doc["kibana.alert.suppression.end"].get(v)) f.end = v;
  if (!doc["kibana.alert.instance.id"].get(v)) f.instance = v;
  int64_t n;
  if (!doc["kibana.alert.suppression.docs_count"].get(n)) f.docs_count = n;
  return f;
}

const std::string kFiveMinutes =
    "group_by = [\"host.name\"]\nduration = {value = 5, unit = \"m\"}\n";

TEST(AlertSuppression, FirstAlertCarriesFieldsWithZeroCount) {
  Harness h({MakeRule(Suppressed(kFiveMinutes))});
  auto alerts = h.Run(Event("2026-03-01T00:00:00Z", Host("h1")), false, kIndex);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_FALSE(alerts[0].suppression_update);
  Fields f = SuppressionOf(alerts[0].json);
  EXPECT_EQ(f.terms, R"([{"field":"host.name","value":["h1"]}])");
  EXPECT_EQ(f.start, "2026-03-01T00:00:00.000Z");
  EXPECT_EQ(f.end, "2026-03-01T00:00:00.000Z");
  EXPECT_EQ(f.docs_count, 0);
  EXPECT_FALSE(f.instance.empty());
  // Still one JSON object (the fields are spliced before the closing brace).
  simdjson::dom::parser parser;
  EXPECT_EQ(parser.parse(alerts[0].json).error(), simdjson::SUCCESS);
}

TEST(AlertSuppression, WindowEdgesInEventTime) {
  Harness h({MakeRule(Suppressed(kFiveMinutes))});
  auto first = h.Run(Event("2026-03-01T00:00:00Z", Host("h1")), false, kIndex);
  ASSERT_EQ(first.size(), 1u);
  auto inside = h.Run(Event("2026-03-01T00:02:00Z", Host("h1")), false, kIndex);
  ASSERT_EQ(inside.size(), 1u);
  EXPECT_TRUE(inside[0].suppression_update);
  EXPECT_EQ(inside[0].uuid, first[0].uuid);
  EXPECT_EQ(SuppressionOf(inside[0].json).docs_count, 1);
  EXPECT_EQ(SuppressionOf(inside[0].json).end, "2026-03-01T00:02:00.000Z");
  // T0 + duration exactly: still in the window (Kibana's range is gte).
  auto edge = h.Run(Event("2026-03-01T00:05:00Z", Host("h1")), false, kIndex);
  ASSERT_EQ(edge.size(), 1u);
  EXPECT_TRUE(edge[0].suppression_update);
  Fields f = SuppressionOf(edge[0].json);
  EXPECT_EQ(f.docs_count, 2);
  EXPECT_EQ(f.start, "2026-03-01T00:00:00.000Z");
  EXPECT_EQ(f.end, "2026-03-01T00:05:00.000Z");
  // One millisecond later: a new alert, a new window.
  auto after = h.Run(Event("2026-03-01T00:05:00.001Z", Host("h1")), false, kIndex);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_FALSE(after[0].suppression_update);
  EXPECT_NE(after[0].uuid, first[0].uuid);
  EXPECT_EQ(SuppressionOf(after[0].json).docs_count, 0);
  EXPECT_EQ(SuppressionOf(after[0].json).instance, SuppressionOf(first[0].json).instance);
  // Which the next event joins.
  auto next = h.Run(Event("2026-03-01T00:06:00Z", Host("h1")), false, kIndex);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].uuid, after[0].uuid);
  EXPECT_EQ(h.detector().stats()[0].alerts, 2u);
  EXPECT_EQ(h.detector().stats()[0].alert_suppressed, 3u);
}

TEST(AlertSuppression, LateEventJoinsTheWindowAndMovesStart) {
  Harness h({MakeRule(Suppressed(kFiveMinutes))});
  auto first = h.Run(Event("2026-03-01T00:10:00Z", Host("h1")), false, kIndex);
  auto late = h.Run(Event("2026-03-01T00:07:00Z", Host("h1")), false, kIndex);
  ASSERT_EQ(late.size(), 1u);
  EXPECT_TRUE(late[0].suppression_update);
  EXPECT_EQ(SuppressionOf(late[0].json).start, "2026-03-01T00:07:00.000Z");
  EXPECT_EQ(SuppressionOf(late[0].json).end, "2026-03-01T00:10:00.000Z");
  auto too_old = h.Run(Event("2026-03-01T00:04:59Z", Host("h1")), false, kIndex);
  ASSERT_EQ(too_old.size(), 1u);
  EXPECT_FALSE(too_old[0].suppression_update);
}

TEST(AlertSuppression, ReplayedEventsAreNotCountedTwice) {
  Harness h({MakeRule(Suppressed(kFiveMinutes))});
  std::string first = Event("2026-03-01T00:00:00Z", Host("h1"), "e1");
  std::string second = Event("2026-03-01T00:01:00Z", Host("h1"), "e2");
  ASSERT_EQ(h.Run(first, false, kIndex).size(), 1u);
  ASSERT_EQ(h.Run(second, false, kIndex).size(), 1u);
  // A shipper re-sends both after a crash: nothing changes.
  EXPECT_TRUE(h.Run(first, false, kIndex).empty());
  EXPECT_TRUE(h.Run(second, false, kIndex).empty());
  auto third = h.Run(Event("2026-03-01T00:02:00Z", Host("h1"), "e3"), false, kIndex);
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].suppressed_docs, 2u);
}

TEST(AlertSuppression, GroupsAreSeparate) {
  Harness h({MakeRule(Suppressed(kFiveMinutes))});
  EXPECT_FALSE(
      h.Run(Event("2026-03-01T00:00:00Z", Host("h1")), false, kIndex)[0].suppression_update);
  EXPECT_FALSE(
      h.Run(Event("2026-03-01T00:00:01Z", Host("h2")), false, kIndex)[0].suppression_update);
  EXPECT_TRUE(
      h.Run(Event("2026-03-01T00:00:02Z", Host("h1")), false, kIndex)[0].suppression_update);
  EXPECT_TRUE(
      h.Run(Event("2026-03-01T00:00:03Z", Host("h2")), false, kIndex)[0].suppression_update);
  EXPECT_EQ(h.detector().stats()[0].alerts, 2u);
}

TEST(AlertSuppression, PerExecutionWindowIsTheIntervalBucket) {
  // No duration: one window per rule execution, i.e. per bucket of the
  // rule's interval (10m) in event time.
  RuleSpec spec = Suppressed("group_by = [\"host.name\"]\n");
  spec.rule_keys = "interval = \"10m\"\n";
  Harness h({MakeRule(spec)});
  auto a = h.Run(Event("2026-03-01T00:00:00Z", Host("h1")), false, kIndex);
  auto b = h.Run(Event("2026-03-01T00:09:59.999Z", Host("h1")), false, kIndex);
  auto c = h.Run(Event("2026-03-01T00:10:00Z", Host("h1")), false, kIndex);
  ASSERT_EQ(a.size() + b.size() + c.size(), 3u);
  EXPECT_FALSE(a[0].suppression_update);
  EXPECT_TRUE(b[0].suppression_update);
  EXPECT_FALSE(c[0].suppression_update);
}

TEST(AlertSuppression, MissingFieldsSuppressedTogetherByDefault) {
  Harness h({MakeRule(Suppressed(kFiveMinutes))});
  auto a = h.Run(Event("2026-03-01T00:00:00Z", ""), false, kIndex);
  auto b = h.Run(Event("2026-03-01T00:00:01Z", R"("host":{"name":null})"), false, kIndex);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(SuppressionOf(a[0].json).terms, R"([{"field":"host.name","value":null}])");
  EXPECT_TRUE(b[0].suppression_update);
  EXPECT_EQ(b[0].uuid, a[0].uuid);
}

TEST(AlertSuppression, DoNotSuppressAlertsEachEventMissingAField) {
  Harness h({MakeRule(
      Suppressed("group_by = [\"host.name\", \"user.name\"]\nduration = {value = 1, unit = \"h\"}\n"
                 "missing_fields_strategy = \"doNotSuppress\"\n"))});
  auto a = h.Run(Event("2026-03-01T00:00:00Z", Host("h1")), false, kIndex);
  auto b = h.Run(Event("2026-03-01T00:00:01Z", Host("h1")), false, kIndex);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_FALSE(b[0].suppression_update);
  EXPECT_NE(a[0].uuid, b[0].uuid);
  EXPECT_EQ(SuppressionOf(a[0].json).docs_count, -1);  // no suppression fields at all
  // With both fields present they are suppressed.
  std::string both = Host("h1") + R"(,"user":{"name":"u"})";
  auto c = h.Run(Event("2026-03-01T00:00:02Z", both), false, kIndex);
  auto d = h.Run(Event("2026-03-01T00:00:03Z", both), false, kIndex);
  EXPECT_FALSE(c[0].suppression_update);
  EXPECT_TRUE(d[0].suppression_update);
}

TEST(AlertSuppression, ThreeFieldsWithSortedArrayValues) {
  Harness h(
      {MakeRule(Suppressed("group_by = [\"host.name\", \"user.name\", \"source.port\"]\n"
                           "duration = {value = 30, unit = \"s\"}\n"))});
  auto a = h.Run(Event("2026-03-01T00:00:00Z",
                       R"("host":{"name":["b","a"]},"user":{"name":"u"},"source":{"port":22})"),
                 false, kIndex);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(SuppressionOf(a[0].json).terms,
            R"([{"field":"host.name","value":["a","b"]},{"field":"user.name","value":["u"]},)"
            R"({"field":"source.port","value":[22]}])");
  // The same values in another order are the same group.
  auto b = h.Run(Event("2026-03-01T00:00:30Z",
                       R"("host":{"name":["a","b"]},"user":{"name":"u"},"source":{"port":22})"),
                 false, kIndex);
  EXPECT_TRUE(b[0].suppression_update);
  // A different third field is another group.
  auto c = h.Run(Event("2026-03-01T00:00:31Z",
                       R"("host":{"name":["a","b"]},"user":{"name":"u"},"source":{"port":23})"),
                 false, kIndex);
  EXPECT_FALSE(c[0].suppression_update);
}

TEST(AlertSuppression, NewTermsAlertsAreSuppressedByGroup) {
  RuleSpec spec = Suppressed(kFiveMinutes, "new_terms");
  spec.fields = {"process.executable"};
  Harness h({MakeRule(spec)});
  auto exec = [](const std::string& time, const std::string& path) {
    return R"({"@timestamp":")" + time + R"(","event":{"action":"exec"},"host":{"name":"h1"},)" +
           R"("process":{"executable":")" + path + R"("}})";
  };
  auto a = h.Run(exec("2026-03-01T00:00:00Z", "/bin/a"), false, kIndex);
  auto again = h.Run(exec("2026-03-01T00:00:10Z", "/bin/a"), false, kIndex);  // not new
  auto b = h.Run(exec("2026-03-01T00:01:00Z", "/bin/b"), false, kIndex);      // new, same host
  ASSERT_EQ(a.size(), 1u);
  EXPECT_TRUE(again.empty());
  ASSERT_EQ(b.size(), 1u);
  EXPECT_TRUE(b[0].suppression_update);
  EXPECT_EQ(b[0].uuid, a[0].uuid);
  EXPECT_EQ(SuppressionOf(b[0].json).docs_count, 1);
}

TEST(AlertSuppression, EqlEventQueryIsSuppressed) {
  RuleSpec spec = Suppressed(kFiveMinutes, "eql");
  spec.query = "any where event.action == \"exec\"";
  Harness h({MakeRule(spec)});
  auto a = h.Run(Event("2026-03-01T00:00:00Z", Host("h1")), false, kIndex);
  auto b = h.Run(Event("2026-03-01T00:00:01Z", Host("h1")), false, kIndex);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_TRUE(b[0].suppression_update);
}

// A two-stage sequence by host.name: "exec" then "open".
RuleSpec SuppressedSequence(const std::string& table) {
  RuleSpec spec = Suppressed(table, "eql");
  spec.query =
      "sequence by host.name [any where event.action == \"exec\"] "
      "[any where event.action == \"open\"]";
  return spec;
}
std::string Step(const std::string& time, const std::string& action, const std::string& host,
                 const std::string& process) {
  return R"({"@timestamp":")" + time + R"(","event":{"action":")" + action + R"("},)" + Host(host) +
         R"(,"process":{"name":")" + process + R"("}})";
}
// The alerts of the sequence that ends with the second event.
std::vector<Alert> RunSequence(Harness& h, const std::string& t1, const std::string& t2,
                               const std::string& host, const std::string& p1 = "sh",
                               const std::string& p2 = "sh") {
  EXPECT_TRUE(h.Run(Step(t1, "exec", host, p1), false, kIndex).empty());
  return h.Run(Step(t2, "open", host, p2), false, kIndex);
}
bool HasSuppressionFields(const Alert& a) {
  return a.json.find("kibana.alert.suppression") != std::string::npos;
}

TEST(AlertSuppression, SequenceIsGroupedByWhatItsEventsShare) {
  Harness h({MakeRule(SuppressedSequence(kFiveMinutes))});
  auto first = RunSequence(h, "2026-03-01T00:00:00Z", "2026-03-01T00:00:10Z", "h1");
  // Shell then two building blocks; only the shell carries the fields.
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0].building_block, -1);
  Fields f = SuppressionOf(first[0].json);
  EXPECT_EQ(f.terms, R"([{"field":"host.name","value":["h1"]}])");
  EXPECT_EQ(f.start, "2026-03-01T00:00:10.000Z");  // the sequence's time: its last event
  EXPECT_EQ(f.docs_count, 0);
  EXPECT_FALSE(HasSuppressionFields(first[1]));
  EXPECT_FALSE(HasSuppressionFields(first[2]));

  // A second sequence of h1 in the window: no shell, no building blocks,
  // the first shell again with its count.
  auto second = RunSequence(h, "2026-03-01T00:01:00Z", "2026-03-01T00:01:10Z", "h1");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_TRUE(second[0].suppression_update);
  EXPECT_EQ(second[0].uuid, first[0].uuid);
  EXPECT_EQ(SuppressionOf(second[0].json).docs_count, 1);
  EXPECT_EQ(SuppressionOf(second[0].json).end, "2026-03-01T00:01:10.000Z");

  // Another host is another group.
  auto other = RunSequence(h, "2026-03-01T00:02:00Z", "2026-03-01T00:02:10Z", "h2");
  ASSERT_EQ(other.size(), 3u);
  EXPECT_FALSE(other[0].suppression_update);
  EXPECT_EQ(SuppressionOf(other[0].json).docs_count, 0);

  // After the window (T0 + 5 min), h1 opens a new one with a new shell.
  auto later = RunSequence(h, "2026-03-01T00:05:05Z", "2026-03-01T00:05:11Z", "h1");
  ASSERT_EQ(later.size(), 3u);
  EXPECT_FALSE(later[0].suppression_update);
  EXPECT_NE(later[0].uuid, first[0].uuid);
  EXPECT_EQ(SuppressionOf(later[0].json).start, "2026-03-01T00:05:11.000Z");
}

TEST(AlertSuppression, SequenceMissingAGroupFieldFollowsTheStrategy) {
  // process.name differs between the two events: the shell has none.
  const std::string by_process =
      "group_by = [\"process.name\"]\nduration = {value = 5, unit = \"m\"}\n";
  {
    Harness h({MakeRule(SuppressedSequence(by_process))});
    auto a = RunSequence(h, "2026-03-01T00:00:00Z", "2026-03-01T00:00:10Z", "h1", "sh", "curl");
    auto b = RunSequence(h, "2026-03-01T00:01:00Z", "2026-03-01T00:01:10Z", "h1", "sh", "curl");
    ASSERT_EQ(a.size(), 3u);
    EXPECT_EQ(SuppressionOf(a[0].json).terms, R"([{"field":"process.name","value":null}])");
    ASSERT_EQ(b.size(), 1u);  // "suppress" (the default): missing is a value
    EXPECT_TRUE(b[0].suppression_update);
  }
  {
    Harness h({MakeRule(
        SuppressedSequence(by_process + "missing_fields_strategy = \"doNotSuppress\"\n"))});
    auto a = RunSequence(h, "2026-03-01T00:00:00Z", "2026-03-01T00:00:10Z", "h1", "sh", "curl");
    auto b = RunSequence(h, "2026-03-01T00:01:00Z", "2026-03-01T00:01:10Z", "h1", "sh", "curl");
    ASSERT_EQ(a.size(), 3u);
    ASSERT_EQ(b.size(), 3u);  // written in full, without suppression fields
    EXPECT_FALSE(HasSuppressionFields(a[0]));
    EXPECT_FALSE(HasSuppressionFields(b[0]));
    // When the events share the field, the sequence is suppressed.
    auto c = RunSequence(h, "2026-03-01T00:02:00Z", "2026-03-01T00:02:10Z", "h1", "sh", "sh");
    auto d = RunSequence(h, "2026-03-01T00:03:00Z", "2026-03-01T00:03:10Z", "h1", "sh", "sh");
    ASSERT_EQ(c.size(), 3u);
    EXPECT_EQ(SuppressionOf(c[0].json).terms, R"([{"field":"process.name","value":["sh"]}])");
    ASSERT_EQ(d.size(), 1u);
    EXPECT_TRUE(d[0].suppression_update);
  }
}

TEST(AlertSuppression, ReplayedSequenceIsCountedOnce) {
  // The same events again (a shipper re-sending): the same shell id, already
  // counted: nothing written.
  Harness h({MakeRule(SuppressedSequence(kFiveMinutes))});
  auto first = RunSequence(h, "2026-03-01T00:00:00Z", "2026-03-01T00:00:10Z", "h1");
  auto second = RunSequence(h, "2026-03-01T00:01:00Z", "2026-03-01T00:01:10Z", "h1");
  ASSERT_EQ(first.size(), 3u);
  ASSERT_EQ(second.size(), 1u);
  auto again = RunSequence(h, "2026-03-01T00:01:00Z", "2026-03-01T00:01:10Z", "h1");
  EXPECT_TRUE(again.empty());
}

TEST(AlertSuppression, StateSurvivesARestart) {
  // Two detectors over the same record store: the second continues the count.
  state::MemoryTermStore terms;
  state::MemoryRecordStore records;
  auto rule = MakeRule(Suppressed(kFiveMinutes));
  simdjson::dom::parser parser;
  auto run = [&](Detector& d, const std::string& json) {
    std::vector<Alert> out;
    EventRef ref;
    ref.doc = parser.parse(json);
    ref.raw = json;
    ref.index = kIndex;
    d.Process(ref, false, [&](const Alert& a) { out.push_back(a); });
    return out;
  };
  std::string first_uuid;
  {
    Detector d({rule}, StateStores{&terms, &records}, Harness::DefaultOptions());
    auto a = run(d, Event("2026-03-01T00:00:00Z", Host("h1")));
    auto b = run(d, Event("2026-03-01T00:01:00Z", Host("h1")));
    ASSERT_EQ(b.size(), 1u);
    first_uuid = a[0].uuid;
  }
  Detector d({rule}, StateStores{&terms, &records}, Harness::DefaultOptions());
  auto c = run(d, Event("2026-03-01T00:02:00Z", Host("h1")));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_TRUE(c[0].suppression_update);
  EXPECT_EQ(c[0].uuid, first_uuid);
  EXPECT_EQ(SuppressionOf(c[0].json).docs_count, 2);
  // The re-written alert is the first one with new counts: same bytes up to them.
  EXPECT_NE(c[0].json.find("\"kibana.alert.uuid\":\"" + first_uuid + "\""), std::string::npos);
}

TEST(AlertSuppression, SequenceWindowSurvivesARestart) {
  // A restarted detector on the same records: the half-seen sequence and
  // the open window both continue.
  state::MemoryRecordStore records;
  auto rule = MakeRule(SuppressedSequence(kFiveMinutes));
  std::string first_uuid;
  {
    Harness h({rule}, Harness::DefaultOptions(), &records);
    auto a = RunSequence(h, "2026-03-01T00:00:00Z", "2026-03-01T00:00:10Z", "h1");
    ASSERT_EQ(a.size(), 3u);
    first_uuid = a[0].uuid;
    EXPECT_TRUE(h.Run(Step("2026-03-01T00:01:00Z", "exec", "h1", "sh"), false, kIndex).empty());
  }
  Harness h({rule}, Harness::DefaultOptions(), &records);
  auto b = h.Run(Step("2026-03-01T00:01:10Z", "open", "h1", "sh"), false, kIndex);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_TRUE(b[0].suppression_update);
  EXPECT_EQ(b[0].uuid, first_uuid);
  EXPECT_EQ(SuppressionOf(b[0].json).docs_count, 1);
}

// As Kibana's update: kibana.alert.last_detected moves to the alert time of
// the count (here a restarted detector with a later clock), nothing else
// of the first alert's own fields changes.
TEST(AlertSuppression, UpdatesMoveLastDetected) {
  state::MemoryTermStore terms;
  state::MemoryRecordStore records;
  auto rule = MakeRule(Suppressed(kFiveMinutes));
  DetectorOptions later = Harness::DefaultOptions();
  later.alert_time += 60 * 1000;
  auto last_detected = [](const std::string& json) {
    simdjson::dom::parser parser;
    std::string_view v;
    return parser.parse(json)["kibana.alert.last_detected"].get(v) ? std::string() : std::string(v);
  };
  std::string first;
  {
    Harness h({rule}, Harness::DefaultOptions(), &records);
    first = h.Run(Event("2026-03-01T00:00:00Z", Host("h1")), false, kIndex)[0].json;
  }
  Harness h({rule}, later, &records);
  auto update = h.Run(Event("2026-03-01T00:01:00Z", Host("h1")), false, kIndex);
  ASSERT_EQ(update.size(), 1u);
  EXPECT_EQ(last_detected(update[0].json), FormatIso8601(later.alert_time));
  EXPECT_NE(last_detected(first), last_detected(update[0].json));
}

TEST(AlertSuppression, CoalescedCountsAreWrittenWhenTheWindowCloses) {
  // As `run` and `serve` write them: the last count of a window, once.
  DetectorOptions options = Harness::DefaultOptions();
  options.coalesce_suppression_updates = true;
  Harness h({MakeRule(Suppressed(kFiveMinutes))}, options);
  auto first = h.Run(Event("2026-03-01T00:00:00Z", Host("h1")), false, kIndex);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(h.Run(Event("2026-03-01T00:01:00Z", Host("h1")), false, kIndex).empty());
  EXPECT_TRUE(h.Run(Event("2026-03-01T00:02:00Z", Host("h1")), false, kIndex).empty());
  EXPECT_TRUE(h.Run(Event("2026-03-01T00:02:30Z", Host("h2")), false, kIndex).size() == 1);
  EXPECT_TRUE(h.Run(Event("2026-03-01T00:03:00Z", Host("h2")), false, kIndex).empty());
  // h1's next window opens: its last count first, then the new alert.
  auto next = h.Run(Event("2026-03-01T00:09:00Z", Host("h1")), false, kIndex);
  ASSERT_EQ(next.size(), 2u);
  EXPECT_TRUE(next[0].suppression_update);
  EXPECT_EQ(next[0].uuid, first[0].uuid);
  EXPECT_EQ(next[0].suppressed_docs, 2u);
  EXPECT_FALSE(next[1].suppression_update);
  // The end of the input writes what still waits (h2's count).
  std::vector<Alert> rest;
  h.detector().Finish([&](const Alert& a) { rest.push_back(a); });
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_TRUE(rest[0].suppression_update);
  EXPECT_EQ(rest[0].suppressed_docs, 1u);
}

std::string LoadError(const std::string& table) {
  RuleSpec spec = Suppressed(table);
  std::vector<rules::LoadIssue> errors, warnings;
  auto rule = rules::LoadRuleText(testing::RuleToml(spec), "x.toml", *event::FieldTypes::BuiltIn(),
                                  {}, &errors, &warnings);
  EXPECT_EQ(rule, nullptr);
  return errors.empty() ? "" : errors[0].ToString();
}

TEST(AlertSuppression, SchemaErrorsAtTheirPosition) {
  EXPECT_NE(LoadError("group_by = [\"a\", \"b\", \"c\", \"d\"]\n").find("1 to 3"),
            std::string::npos);
  EXPECT_NE(LoadError("group_by = []\n").find("1 to 3"), std::string::npos);
  EXPECT_NE(LoadError("duration = {value = 5, unit = \"m\"}\n").find("no group_by"),
            std::string::npos);
  std::string unit = LoadError("group_by = [\"a\"]\nduration = {value = 5, unit = \"d\"}\n");
  EXPECT_NE(unit.find("unit must be"), std::string::npos) << unit;
  EXPECT_NE(unit.find("x.toml:"), std::string::npos);
  EXPECT_NE(LoadError("group_by = [\"a\"]\nduration = {value = 0, unit = \"m\"}\n")
                .find("positive integer"),
            std::string::npos);
  EXPECT_NE(LoadError("group_by = [\"a\"]\nmissing_fields_strategy = \"drop\"\n")
                .find("missing_fields_strategy"),
            std::string::npos);
  EXPECT_NE(LoadError("group_by = [\"a\", \"a\"]\n").find("twice"), std::string::npos);
}

}  // namespace
}  // namespace picket::engine
