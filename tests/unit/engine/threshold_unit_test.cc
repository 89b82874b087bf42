// Threshold rules through the detector (docs/engine.md, "threshold rules";
// docs/semantics.md for the choices): a group alerts once when its events
// within the lookback reach the value (and the distinct count its value),
// Kibana's signal history keeps it from alerting again on the same events,
// the window's lower bound is inclusive, state survives a restart on the
// same record store, and max_signals refuses without losing the count.
#include "engine/threshold_unit.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include "engine/engine_helpers.h"
#include "engine/threshold_group.h"
#include "rules/loader.h"
#include "state/memory_record_store.h"

namespace picket::engine {
namespace {

using testing::Harness;
using testing::MakeRule;
using testing::RuleSpec;

// A rule over `kill` events: from = now-10m, time = @timestamp.
RuleSpec ThresholdRule(const std::string& fields, int value, const std::string& cardinality = "") {
  RuleSpec spec;
  spec.type = "threshold";
  spec.query = "event.action:kill";
  spec.from = "now-10m";
  spec.timestamp_override = "";
  spec.rule_tables = fmt::format("\n[rule.threshold]\nfield = {}\nvalue = {}\n", fields, value);
  if (!cardinality.empty())
    spec.rule_tables += "[[rule.threshold.cardinality]]\n" + cardinality + "\n";
  return spec;
}

// A kill event `seconds` after 2026-03-01T00:00:00Z.
std::string Kill(double seconds, const std::string& host = "h1", const std::string& extra = "") {
  TimeMs t = 1772323200000 + static_cast<TimeMs>(seconds * 1000);
  return fmt::format(R"({{"@timestamp":"{}","event":{{"action":"kill"}},"host":{{"id":"{}"}}{}}})",
                     FormatIso8601(t), host, extra);
}

struct Parsed {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  explicit Parsed(const std::string& json) { doc = parser.parse(json); }
  std::string Str(const char* key) {
    std::string_view v;
    return doc[key].get(v) ? "" : std::string(v);
  }
  int64_t Count() { return doc["kibana.alert.threshold_result"]["count"].get_int64(); }
  std::string From() {
    return std::string(doc["kibana.alert.threshold_result"]["from"].get_string().value());
  }
};

TEST(ThresholdUnit, AlertsOnceAtTheValueThenCountsOnlyLaterEvents) {
  Harness h({MakeRule(ThresholdRule("[\"host.id\"]", 3))});
  EXPECT_TRUE(h.Run(Kill(0)).empty());
  EXPECT_TRUE(h.Run(Kill(10)).empty());
  std::vector<Alert> first = h.Run(Kill(20));
  ASSERT_EQ(first.size(), 1u) << (h.problems().empty() ? "" : h.problems()[0]);
  Parsed a(first[0].json);
  EXPECT_EQ(a.Count(), 3);
  EXPECT_EQ(a.From(), "2026-03-01T00:00:00.000Z");
  EXPECT_EQ(a.Str("kibana.alert.original_time"), "2026-03-01T00:00:20.000Z");
  EXPECT_EQ(a.Str("kibana.alert.rule.type"), "threshold");
  EXPECT_EQ(a.Str("host.id"), "h1");
  // The group keeps going: two more events are not enough on their own,
  // the third after the alert is.
  EXPECT_TRUE(h.Run(Kill(30)).empty());
  EXPECT_TRUE(h.Run(Kill(40)).empty());
  std::vector<Alert> second = h.Run(Kill(50));
  ASSERT_EQ(second.size(), 1u);
  Parsed b(second[0].json);
  EXPECT_EQ(b.Count(), 3);
  EXPECT_EQ(b.From(), "2026-03-01T00:00:30.000Z");
  EXPECT_NE(first[0].uuid, second[0].uuid);
}

TEST(ThresholdUnit, EventsAtOrBeforeTheLastAlertedOneAreNotCountedAgain) {
  Harness h({MakeRule(ThresholdRule("[\"host.id\"]", 2))});
  h.Run(Kill(10));
  ASSERT_EQ(h.Run(Kill(20)).size(), 1u);
  // Out of order, at or before 00:00:20: Kibana's history filter (lte) drops them.
  EXPECT_TRUE(h.Run(Kill(20)).empty());
  EXPECT_TRUE(h.Run(Kill(15)).empty());
  EXPECT_TRUE(h.Run(Kill(5)).empty());
  EXPECT_TRUE(h.Run(Kill(21)).empty());
  EXPECT_EQ(h.Run(Kill(22)).size(), 1u);
}

TEST(ThresholdUnit, TheSameEventSentAgainCountsOnce) {
  Harness h({MakeRule(ThresholdRule("[\"host.id\"]", 3))});
  h.Run(Kill(0));
  EXPECT_TRUE(h.Run(Kill(10)).empty());
  EXPECT_TRUE(h.Run(Kill(10)).empty());  // the same bytes again (a client resending)
  EXPECT_EQ(h.Run(Kill(11)).size(), 1u);
}

TEST(ThresholdUnit, TheLookbackBoundIsInclusive) {
  {
    Harness h({MakeRule(ThresholdRule("[\"host.id\"]", 2))});
    h.Run(Kill(0));
    // Exactly `from` (10 minutes) later: the first event is at now - from.
    EXPECT_EQ(h.Run(Kill(600)).size(), 1u);
  }
  {
    Harness h({MakeRule(ThresholdRule("[\"host.id\"]", 2))});
    h.Run(Kill(0));
    EXPECT_TRUE(h.Run(Kill(600.001)).empty());  // one millisecond more: out of the window
    EXPECT_EQ(h.Run(Kill(601)).size(), 1u);     // these two are within it
  }
}

TEST(ThresholdUnit, AGroupThatStopsAndRestartsCountsAfresh) {
  Harness h({MakeRule(ThresholdRule("[\"host.id\"]", 3))});
  h.Run(Kill(0));
  h.Run(Kill(10));
  // A pause longer than the lookback: those two fall out of the window.
  EXPECT_TRUE(h.Run(Kill(1000)).empty());
  EXPECT_TRUE(h.Run(Kill(1010)).empty());
  std::vector<Alert> alerts = h.Run(Kill(1020));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(Parsed(alerts[0].json).From(), "2026-03-01T00:16:40.000Z");
}

TEST(ThresholdUnit, EventsMissingAGroupFieldAreInNoGroupAndArraysAreInEachValue) {
  Harness h({MakeRule(ThresholdRule("[\"host.id\", \"user.name\"]", 2))});
  // No user.name, null, []: no group (a composite terms source skips them).
  EXPECT_TRUE(h.Run(Kill(0)).empty());
  EXPECT_TRUE(h.Run(Kill(1, "h1", R"(,"user":{"name":null})")).empty());
  EXPECT_TRUE(h.Run(Kill(2, "h1", R"(,"user":{"name":[]})")).empty());
  EXPECT_EQ(h.detector().stats()[0].missing_terms, 3u);
  EXPECT_TRUE(h.Run(Kill(3, "h1", R"(,"user":{"name":"root"})")).empty());
  // user.name ["root","bob"]: in group (h1,root), which reaches 2, and (h1,bob).
  std::vector<Alert> alerts = h.Run(Kill(4, "h1", R"(,"user":{"name":["root","bob"]})"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(Parsed(alerts[0].json).Str("user.name"), "root");
  ASSERT_EQ(h.Run(Kill(5, "h1", R"(,"user":{"name":"bob"})")).size(), 1u);
}

TEST(ThresholdUnit, CardinalityCountsDistinctValues) {
  Harness h({MakeRule(ThresholdRule("[\"host.id\"]", 1, "field = \"process.pid\"\nvalue = 3"))});
  EXPECT_TRUE(h.Run(Kill(0, "h1", R"(,"process":{"pid":1})")).empty());
  EXPECT_TRUE(h.Run(Kill(1, "h1", R"(,"process":{"pid":1})")).empty());
  EXPECT_TRUE(h.Run(Kill(2, "h1")).empty());  // no pid: counted, adds no value
  EXPECT_TRUE(h.Run(Kill(3, "h1", R"(,"process":{"pid":2})")).empty());
  std::vector<Alert> alerts = h.Run(Kill(4, "h1", R"(,"process":{"pid":3})"));
  ASSERT_EQ(alerts.size(), 1u);
  Parsed a(alerts[0].json);
  EXPECT_EQ(a.Count(), 5);
  auto card = a.doc["kibana.alert.threshold_result"]["cardinality"].at(0);
  EXPECT_EQ(std::string_view(card["field"].get_string().value()), "process.pid");
  EXPECT_EQ(int64_t(card["value"].get_int64()), 3);
}

TEST(ThresholdUnit, NoFieldsIsOneGlobalGroup) {
  Harness h({MakeRule(ThresholdRule("[]", 3))});
  h.Run(Kill(0, "a"));
  h.Run(Kill(1, "b"));
  std::vector<Alert> alerts = h.Run(Kill(2, "c"));
  ASSERT_EQ(alerts.size(), 1u);
  Parsed a(alerts[0].json);
  EXPECT_EQ(a.Count(), 3);
  EXPECT_EQ(a.doc["kibana.alert.threshold_result"]["terms"].get_array().size(), 0u);
  EXPECT_EQ(a.Str("host.id"), "");  // the source holds the group's terms only
}

TEST(ThresholdUnit, MaxSignalsRefusesWithoutForgettingTheCount) {
  RuleSpec spec = ThresholdRule("[\"host.id\"]", 1);
  spec.rule_keys = "max_signals = 1\ninterval = \"5m\"\n";
  Harness h({MakeRule(spec)});
  EXPECT_EQ(h.Run(Kill(0, "a")).size(), 1u);
  EXPECT_TRUE(h.Run(Kill(1, "b")).empty());  // same 5m bucket: refused
  EXPECT_EQ(h.detector().stats()[0].max_signals_suppressed, 1u);
  // b's next event, in the next bucket: b alerts with both its events.
  std::vector<Alert> alerts = h.Run(Kill(301, "b"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(Parsed(alerts[0].json).Count(), 2);
}

// Lateness is judged per group: a host whose clock is 15 minutes behind
// another's (more than the 10-minute lookback) keeps its counts; an event
// older than its own group's newest less the lookback is late (counted, not
// used).
TEST(ThresholdUnit, LateEventsAreJudgedPerGroup) {
  Harness h({MakeRule(ThresholdRule("[\"host.id\"]", 2))});
  h.Run(Kill(1000, "a"));
  EXPECT_TRUE(h.Run(Kill(100, "b")).empty());  // 900 s behind a: not late for b
  std::vector<Alert> alerts = h.Run(Kill(101, "b"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(Parsed(alerts[0].json).Count(), 2);
  EXPECT_EQ(h.detector().stats()[0].late, 0u);
  EXPECT_TRUE(h.Run(Kill(300, "a")).empty());  // 300 < 1000 - 600: late for a
  EXPECT_EQ(h.detector().stats()[0].late, 1u);
}

// An event older than the rule's newest less --max-lag (never less than the
// lookback) is late for every group.
TEST(ThresholdUnit, MaxLagBoundsHowFarAGroupMayLag) {
  DetectorOptions options = Harness::DefaultOptions();
  options.max_lag_ms = 3600 * 1000;
  Harness h({MakeRule(ThresholdRule("[\"host.id\"]", 2))}, options);
  h.Run(Kill(10000, "a"));
  EXPECT_TRUE(h.Run(Kill(10000 - 3601, "b")).empty());
  EXPECT_TRUE(h.Run(Kill(10000 - 3600, "b")).empty());
  EXPECT_EQ(h.detector().stats()[0].late, 1u);
  EXPECT_EQ(h.Run(Kill(10000 - 3599, "b")).size(), 1u);  // the two not late
}

TEST(ThresholdUnit, StateCarriesOverARestartOnTheSameStore) {
  auto rule = MakeRule(ThresholdRule("[\"host.id\"]", 3));
  state::MemoryRecordStore records;
  std::vector<Alert> before, after;
  {
    Harness h({rule}, Harness::DefaultOptions(), &records);
    h.Run(Kill(0));
    h.Run(Kill(10));
  }
  {
    Harness h({rule}, Harness::DefaultOptions(), &records);
    after = h.Run(Kill(20));
    ASSERT_EQ(after.size(), 1u);
    EXPECT_EQ(Parsed(after[0].json).Count(), 3);
  }
  {
    // After the alert: the same events again (a client resending) alert nothing.
    Harness h({rule}, Harness::DefaultOptions(), &records);
    EXPECT_TRUE(h.Run(Kill(0)).empty());
    EXPECT_TRUE(h.Run(Kill(20)).empty());
    // The group's newest time survived too: an event older than it less
    // 10m is late.
    EXPECT_TRUE(h.Run(Kill(-700)).empty());
    EXPECT_EQ(h.detector().stats()[0].late, 1u);
  }
}

TEST(ThresholdUnit, IdsAreDeterministicAndTheAncestorIsTheGroup) {
  auto rule = MakeRule(ThresholdRule("[\"host.id\"]", 2));
  std::string ids[2];
  for (std::string& id : ids) {
    Harness h({rule});
    h.Run(Kill(0));
    std::vector<Alert> alerts = h.Run(Kill(1));
    ASSERT_EQ(alerts.size(), 1u);
    id = alerts[0].uuid;
    Parsed a(alerts[0].json);
    auto ancestor = a.doc["kibana.alert.ancestors"].at(0);
    EXPECT_EQ(std::string_view(ancestor["index"].get_string().value()), "logs-endpoint.events.*");
    EXPECT_EQ(std::string_view(ancestor["type"].get_string().value()), "event");
    EXPECT_EQ(std::string_view(ancestor["id"].get_string().value()).size(), 32u);
    EXPECT_EQ(a.Str("kibana.alert.rule.rule_type_id"), "siem.thresholdRule");
  }
  EXPECT_EQ(ids[0], ids[1]);
}

TEST(ThresholdUnit, TheGroupCapRefusesNewGroupsAndCountsThem) {
  state::MemoryRecordStore records;
  auto rule = MakeRule(ThresholdRule("[\"host.id\"]", 5));
  ThresholdLimits limits;
  limits.max_groups = 2;
  limits.max_lag_ms = 600 * 1000;  // idle groups are kept max_lag past W
  ThresholdUnit unit(rule, &records, event::FieldTypes::BuiltIn(), limits);
  struct NoOutput : AlertOutput {
    void EventAlert(const MatchedEvent&, std::vector<std::string>, std::optional<TimeMs>) override {
    }
    void Problem(const MatchedEvent&, std::string_view) override {}
    void SequenceAlerts(std::span<const SequenceEvent>, TimeMs, std::string_view) override {}
    bool ThresholdAlert(const ThresholdResult&, const MatchedEvent&) override { return true; }
    void Problem(std::string_view, std::string_view) override {}
  } out;
  simdjson::dom::parser parser;
  uint32_t stage = 0;
  for (const char* host : {"a", "b", "c", "a"}) {
    std::string json = Kill(0, host);
    EventRef ref;
    ref.doc = parser.parse(json);
    ref.raw = json;
    unit.OnMatch({ref, ""}, {&stage, 1}, false, out);
  }
  EXPECT_EQ(unit.live_groups(), 2);
  EXPECT_EQ(unit.stats().dropped_groups, 1u);
  // Once W - max_lag - lookback passes them, they stop counting: a new group fits.
  std::string json = Kill(2000, "c");
  EventRef ref;
  ref.doc = parser.parse(json);
  ref.raw = json;
  unit.OnMatch({ref, ""}, {&stage, 1}, false, out);
  EXPECT_EQ(unit.live_groups(), 1);
  EXPECT_EQ(unit.stats().dropped_groups, 1u);
}

TEST(ThresholdGroup, EncodeDecodeRoundTripsAndRejectsGarbage) {
  ThresholdGroup g;
  g.last_alerted = 1000;
  g.Insert({1500, 7, {1, 2}}, 0);
  g.Insert({1200, 8, {}}, 0);
  ThresholdGroup back;
  ASSERT_TRUE(ThresholdGroup::Decode(g.Encode(), &back));
  EXPECT_EQ(back.last_alerted, 1000);
  ASSERT_EQ(back.events.size(), 2u);
  EXPECT_EQ(back.events[0].time, 1200);
  EXPECT_EQ(back.events[1].distinct, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(back.events[1].id, 7u);
  EXPECT_TRUE(back.Holds(8));
  EXPECT_FALSE(back.Holds(9));
  EXPECT_EQ(back.DistinctCount(), 2u);
  EXPECT_FALSE(ThresholdGroup::Decode("\x01\x00\xff\xff", &back));
  EXPECT_FALSE(ThresholdGroup::Decode("", &back));
}

TEST(ThresholdGroup, TheEventCapDropsTheOldest) {
  ThresholdGroup g;
  for (TimeMs t : {5, 1, 3}) g.Insert({t, static_cast<uint64_t>(t), {}}, 2);
  ASSERT_EQ(g.events.size(), 2u);
  EXPECT_EQ(g.events[0].time, 3);
}

}  // namespace
}  // namespace picket::engine

namespace picket::engine {
namespace {

// An upstream rule as published: macOS SSH brute force (threshold on
// host.id, value 20, from now-9m, time = event.ingested).
TEST(UpstreamThreshold, MacosSshBruteForceAlertsAtTheTwentiethAttempt) {
  std::string path = std::string(PICKET_SHARED_DIR) +
                     "/upstream/detection-rules/rules/macos/"
                     "credential_access_potential_macos_ssh_bruteforce.toml";
  rules::RuleSet set = rules::LoadRules({path}, *event::FieldTypes::BuiltIn());
  if (set.rules.empty()) GTEST_SKIP() << "no upstream snapshot at " << path;
  ASSERT_EQ(set.rules[0]->type, rules::RuleType::kThreshold);
  Harness h({set.rules[0]});
  auto attempt = [](int second, const char* host) {
    TimeMs t = 1772323200000 + second * 1000LL;
    return fmt::format(
        R"({{"@timestamp":"{0}","event":{{"category":["process"],"type":["start"],"ingested":"{0}"}},)"
        R"("host":{{"id":"{1}","os":{{"type":"macos"}}}},)"
        R"("process":{{"name":"sshd-keygen-wrapper","parent":{{"name":"launchd"}}}}}})",
        FormatIso8601(t), host);
  };
  const std::string index = "logs-endpoint.events.process-default";
  for (int i = 0; i < 19; ++i) EXPECT_TRUE(h.Run(attempt(i * 20, "mac-1"), false, index).empty());
  // The 20th within 9 minutes (the first was 380 s earlier).
  std::vector<Alert> alerts = h.Run(attempt(380, "mac-1"), false, index);
  ASSERT_EQ(alerts.size(), 1u) << (h.problems().empty() ? "" : h.problems()[0]);
  Parsed a(alerts[0].json);
  EXPECT_EQ(a.Count(), 20);
  EXPECT_EQ(a.Str("host.id"), "mac-1");
  EXPECT_EQ(a.Str("kibana.alert.rule.name"), set.rules[0]->name);
  // Another host's 19 attempts: nothing.
  for (int i = 0; i < 19; ++i) EXPECT_TRUE(h.Run(attempt(i, "mac-2"), false, index).empty());
}

}  // namespace
}  // namespace picket::engine
