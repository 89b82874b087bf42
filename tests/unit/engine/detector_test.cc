// The streaming detector: Kibana's query and new_terms semantics end to end
// (rule text -> events -> alerts).
#include "engine/detector.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>

#include "engine_helpers.h"
#include "rules/loader.h"

namespace picket::engine {
namespace {

using testing::Harness;
using testing::MakeRule;
using testing::RuleSpec;

// An Elastic Defend-like exec event. `ingested` and `timestamp` are ISO
// strings or "" for none.
std::string Exec(const std::string& host, const std::string& exe, const std::string& ingested,
                 const std::string& timestamp = "2026-03-01T00:00:00Z",
                 const std::string& extra = "") {
  std::string event = R"("action":"exec")";
  if (!ingested.empty()) event += fmt::format(R"(,"ingested":"{}")", ingested);
  std::string out = "{";
  if (!timestamp.empty()) out += fmt::format(R"("@timestamp":"{}",)", timestamp);
  out += fmt::format(R"("event":{{{}}},"host":{{"id":{}}},"process":{{"executable":{}}})", event,
                     host, exe);
  out += extra + "}";
  return out;
}
std::string Q(const std::string& s) { return "\"" + s + "\""; }

std::vector<std::vector<std::string>> Terms(const std::vector<Alert>& alerts) {
  std::vector<std::vector<std::string>> out;
  for (const auto& a : alerts) out.push_back(a.new_terms);
  return out;
}

TEST(Detector, QueryRuleAlertsOncePerMatchingEvent) {
  RuleSpec spec;
  spec.type = "query";
  spec.timestamp_override = "";
  Harness h({MakeRule(spec)});
  EXPECT_EQ(h.Run(Exec(Q("H1"), Q("/bin/sh"), "")).size(), 1u);
  EXPECT_EQ(h.Run(Exec(Q("H1"), Q("/bin/sh"), "")).size(), 1u);  // no first-seen for query rules
  EXPECT_EQ(h.Run(R"({"event":{"action":"open"}})").size(), 0u);
  auto alerts = h.all_alerts();
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_TRUE(alerts[0].new_terms.empty());
  simdjson::dom::parser p;
  auto doc = p.parse(alerts[0].json).value();
  EXPECT_EQ(std::string_view(doc["kibana.alert.rule.type"].get_string().value()), "query");
}

TEST(Detector, NewTermsAlertsOncePerCombination) {
  Harness h({MakeRule(RuleSpec{})});
  auto first = h.Run(Exec(Q("H1"), Q("/usr/bin/python3"), "2026-03-01T00:00:00Z"));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].new_terms, (std::vector<std::string>{"H1", "/usr/bin/python3"}));
  EXPECT_TRUE(h.Run(Exec(Q("H1"), Q("/usr/bin/python3"), "2026-03-01T01:00:00Z")).empty());
  EXPECT_EQ(h.Run(Exec(Q("H2"), Q("/usr/bin/python3"), "2026-03-01T02:00:00Z")).size(), 1u);
  EXPECT_EQ(h.Run(Exec(Q("H1"), Q("/opt/python3"), "2026-03-01T03:00:00Z")).size(), 1u);
}

TEST(Detector, EventsNotMatchingTheQueryDoNotCount) {
  Harness h({MakeRule(RuleSpec{})});
  // Same terms, but not an exec: not history for the rule.
  h.Run(
      R"({"event":{"action":"fork","ingested":"2026-03-01T00:00:00Z"},"host":{"id":"H1"},"process":{"executable":"/x"}})");
  EXPECT_EQ(h.Run(Exec(Q("H1"), Q("/x"), "2026-03-01T01:00:00Z")).size(), 1u);
}

TEST(Detector, ArraysGiveTheCartesianProduct) {
  Harness h({MakeRule(RuleSpec{})});
  auto alerts = h.Run(Exec(R"(["H1","H2"])", R"(["/a","/b","/c"])", "2026-03-01T00:00:00Z"));
  EXPECT_EQ(
      Terms(alerts),
      (std::vector<std::vector<std::string>>{
          {"H1", "/a"}, {"H1", "/b"}, {"H1", "/c"}, {"H2", "/a"}, {"H2", "/b"}, {"H2", "/c"}}));
  // Each alert has its own id.
  std::set<std::string> ids;
  for (const auto& a : alerts) ids.insert(a.uuid);
  EXPECT_EQ(ids.size(), 6u);
  // Only the new part of a later array alerts.
  auto later = h.Run(Exec(R"(["H1"])", R"(["/a","/d"])", "2026-03-01T01:00:00Z"));
  EXPECT_EQ(Terms(later), (std::vector<std::vector<std::string>>{{"H1", "/d"}}));
}

TEST(Detector, MissingNullOrEmptyFieldNeitherAlertsNorUpdatesState) {
  Harness h({MakeRule(RuleSpec{})});
  EXPECT_TRUE(
      h.Run(R"({"event":{"action":"exec","ingested":"2026-03-01T00:00:00Z"},"host":{"id":"H1"}})")
          .empty());
  EXPECT_TRUE(h.Run(Exec(Q("H1"), "null", "2026-03-01T00:00:00Z")).empty());
  EXPECT_TRUE(h.Run(Exec(Q("H1"), "[]", "2026-03-01T00:00:00Z")).empty());
  EXPECT_TRUE(h.Run(Exec("null", Q("/x"), "2026-03-01T00:00:00Z")).empty());
  EXPECT_EQ(h.detector().stats()[0].missing_terms, 4u);
  // Nothing was recorded: the first complete event is new.
  EXPECT_EQ(h.Run(Exec(Q("H1"), Q("/x"), "2026-03-01T01:00:00Z")).size(), 1u);
}

TEST(Detector, EmptyStringIsATerm) {
  Harness h({MakeRule(RuleSpec{})});
  auto alerts = h.Run(Exec(Q(""), Q("/x"), "2026-03-01T00:00:00Z"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].new_terms, (std::vector<std::string>{"", "/x"}));
  EXPECT_TRUE(h.Run(Exec(Q(""), Q("/x"), "2026-03-01T00:00:01Z")).empty());
}

TEST(Detector, WindowIsClosedAtSevenDays) {
  Harness h({MakeRule(RuleSpec{})});
  EXPECT_EQ(h.Run(Exec(Q("H1"), Q("/x"), "2026-03-01T00:00:00Z")).size(), 1u);
  // Exactly 7 days later: still seen.
  EXPECT_TRUE(h.Run(Exec(Q("H1"), Q("/x"), "2026-03-08T00:00:00Z")).empty());
  // 7 days and 1 ms after the last sighting: new again.
  EXPECT_EQ(h.Run(Exec(Q("H1"), Q("/x"), "2026-03-15T00:00:00.001Z")).size(), 1u);
}

TEST(Detector, SameCombinationSameTimestampAlertsOnce) {
  Harness h({MakeRule(RuleSpec{})});
  EXPECT_EQ(
      h.Run(Exec(Q("H1"), Q("/x"), "2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z", R"(,"n":1)"))
          .size(),
      1u);
  EXPECT_TRUE(
      h.Run(Exec(Q("H1"), Q("/x"), "2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z", R"(,"n":2)"))
          .empty());
}

TEST(Detector, OtherWindowUnits) {
  RuleSpec spec;
  spec.window = "now-36h";
  Harness h({MakeRule(spec)});
  EXPECT_EQ(h.Run(Exec(Q("H1"), Q("/x"), "2026-03-01T00:00:00Z")).size(), 1u);
  EXPECT_TRUE(h.Run(Exec(Q("H1"), Q("/x"), "2026-03-02T12:00:00Z")).empty());
  EXPECT_EQ(h.Run(Exec(Q("H1"), Q("/x"), "2026-03-04T00:00:01Z")).size(), 1u);

  RuleSpec two_weeks;
  two_weeks.window = "now-14d";
  Harness h2({MakeRule(two_weeks)});
  EXPECT_EQ(h2.Run(Exec(Q("H1"), Q("/x"), "2026-03-01T00:00:00Z")).size(), 1u);
  EXPECT_TRUE(h2.Run(Exec(Q("H1"), Q("/x"), "2026-03-12T00:00:00Z")).empty());
}

TEST(Detector, LateEventWithinLookbackDoesNotAlertTwice) {
  Harness h({MakeRule(RuleSpec{})});  // from = now-9m
  EXPECT_EQ(h.Run(Exec(Q("H1"), Q("/x"), "2026-03-01T00:10:00Z")).size(), 1u);
  // Arrives later but happened 5 minutes earlier: joins the record, no alert.
  EXPECT_TRUE(h.Run(Exec(Q("H1"), Q("/x"), "2026-03-01T00:05:00Z")).empty());
  EXPECT_EQ(h.detector().stats()[0].alerts, 1u);
  EXPECT_EQ(h.detector().stats()[0].late, 0u);
}

TEST(Detector, LateNewTermWithinLookbackAlerts) {
  Harness h({MakeRule(RuleSpec{})});
  h.Run(Exec(Q("H1"), Q("/x"), "2026-03-01T00:10:00Z"));
  EXPECT_EQ(h.Run(Exec(Q("H1"), Q("/y"), "2026-03-01T00:05:00Z")).size(), 1u);
}

TEST(Detector, EventsThatArriveLaterThanTheLookbackAreLearnedNotAlerted) {
  // A rule on @timestamp: an event that happened more than the lookback
  // (9m) before it arrived (event.ingested) was outside every Kibana run.
  RuleSpec spec;
  spec.timestamp_override = "";
  Harness h({MakeRule(spec)});
  EXPECT_TRUE(
      h.Run(Exec(Q("H1"), Q("/old"), "2026-03-01T01:00:00Z", "2026-03-01T00:30:00Z")).empty());
  EXPECT_EQ(h.detector().stats()[0].late, 1u);
  // ...but it was recorded.
  EXPECT_TRUE(
      h.Run(Exec(Q("H1"), Q("/old"), "2026-03-01T01:01:00Z", "2026-03-01T01:01:00Z")).empty());
  // Within the lookback of its arrival, a new term alerts.
  EXPECT_EQ(h.Run(Exec(Q("H1"), Q("/new"), "2026-03-01T01:10:00Z", "2026-03-01T01:02:00Z")).size(),
            1u);
  EXPECT_EQ(h.detector().stats()[0].late, 1u);
}

TEST(Detector, LatenessIsJudgedPerEventNotByOtherHostsEvents) {
  // Judged by ingest time (the seed's rules): a host whose events arrive a
  // day after another host's still alerts, whatever the order of arrival.
  Harness h({MakeRule(RuleSpec{})});
  EXPECT_EQ(h.Run(Exec(Q("H2"), Q("/x"), "2026-03-02T00:00:00Z")).size(), 1u);
  EXPECT_EQ(h.Run(Exec(Q("H1"), Q("/x"), "2026-03-01T00:00:00Z")).size(), 1u);
  // Judged by @timestamp with no arrival time (a file): never late.
  RuleSpec spec;
  spec.timestamp_override = "";
  Harness file({MakeRule(spec)});
  EXPECT_EQ(file.Run(Exec(Q("H2"), Q("/x"), "", "2026-03-02T00:00:00Z")).size(), 1u);
  EXPECT_EQ(file.Run(Exec(Q("H1"), Q("/x"), "", "2026-03-01T00:00:00Z")).size(), 1u);
  EXPECT_EQ(file.detector().stats()[0].late, 0u);
}

TEST(Detector, InterleavingOfHostsChangesNoAlert) {
  // Each host's events in order; the hosts' streams interleaved two ways.
  std::vector<std::string> h1, h2;
  for (int i = 0; i < 6; ++i) {
    std::string t = fmt::format("2026-03-0{}T00:00:00Z", 1 + i);
    h1.push_back(Exec(Q("H1"), Q(i % 2 ? "/a" : fmt::format("/h1-{}", i)), t));
    h2.push_back(Exec(Q("H2"), Q(i % 3 ? "/a" : fmt::format("/h2-{}", i)), t));
  }
  auto ids = [](const std::vector<std::string>& events) {
    Harness h({MakeRule(RuleSpec{})});
    for (const auto& e : events) h.Run(e);
    std::vector<std::string> out;
    for (const auto& a : h.all_alerts()) out.push_back(a.uuid);
    std::sort(out.begin(), out.end());
    return out;
  };
  std::vector<std::string> one_then_other = h1, alternating;
  one_then_other.insert(one_then_other.end(), h2.begin(), h2.end());
  for (size_t i = 0; i < h1.size(); ++i) {
    alternating.push_back(h2[i]);
    alternating.push_back(h1[i]);
  }
  auto a = ids(one_then_other);
  EXPECT_EQ(a.size(), 7u);  // H1: /h1-0, /a, /h1-2, /h1-4; H2: /h2-0, /a, /h2-3
  EXPECT_EQ(a, ids(alternating));
}

TEST(Detector, BaselineSuppressesKnownTerms) {
  Harness h({MakeRule(RuleSpec{})});
  EXPECT_TRUE(
      h.Run(Exec(Q("H1"), Q("/known"), "2026-02-25T00:00:00Z"), /*learn_only=*/true).empty());
  EXPECT_TRUE(h.Run(Exec(Q("H1"), Q("/stale"), "2026-02-01T00:00:00Z"), true).empty());
  EXPECT_EQ(h.detector().stats()[0].learned, 2u);
  EXPECT_TRUE(h.Run(Exec(Q("H1"), Q("/known"), "2026-03-01T00:00:00Z")).empty());
  // Learned more than 7 days before: forgotten, as Kibana's history window does.
  EXPECT_EQ(h.Run(Exec(Q("H1"), Q("/stale"), "2026-03-01T00:00:00Z")).size(), 1u);
}

TEST(Detector, TimeFallsBackToTimestamp) {
  Harness h({MakeRule(RuleSpec{})});
  // No event.ingested: @timestamp is the event time.
  EXPECT_EQ(h.Run(Exec(Q("H1"), Q("/x"), "", "2026-03-01T00:00:00Z")).size(), 1u);
  EXPECT_TRUE(h.Run(Exec(Q("H1"), Q("/x"), "", "2026-03-08T00:00:00Z")).empty());
  // With event.ingested, it wins over @timestamp: 7 d + 1 s by ingest time.
  EXPECT_EQ(h.Run(Exec(Q("H1"), Q("/x"), "2026-03-15T00:00:01Z", "2026-03-08T00:00:01Z")).size(),
            1u);
}

TEST(Detector, EventWithoutTimeIsReportedNotGuessed) {
  Harness h({MakeRule(RuleSpec{})});
  EXPECT_TRUE(h.Run(Exec(Q("H1"), Q("/x"), "", "")).empty());
  EXPECT_EQ(h.detector().stats()[0].no_time, 1u);
  ASSERT_EQ(h.problems().size(), 1u);
  EXPECT_NE(h.problems()[0].find("test:1"), std::string::npos) << h.problems()[0];
  // Not recorded either.
  EXPECT_EQ(h.Run(Exec(Q("H1"), Q("/x"), "2026-03-01T00:00:00Z")).size(), 1u);
}

TEST(Detector, IndexScoping) {
  RuleSpec spec;
  spec.index = {"logs-endpoint.events.process-*"};
  Harness h({MakeRule(spec)});
  std::string ds_file =
      R"(,"data_stream":{"type":"logs","dataset":"endpoint.events.file","namespace":"default"})";
  std::string ds_proc =
      R"(,"data_stream":{"type":"logs","dataset":"endpoint.events.process","namespace":"default"})";
  EXPECT_TRUE(h.Run(Exec(Q("H1"), Q("/a"), "2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z", ds_file))
                  .empty());
  EXPECT_EQ(
      h.Run(Exec(Q("H1"), Q("/a"), "2026-03-01T00:00:01Z", "2026-03-01T00:00:00Z", ds_proc)).size(),
      1u);
  // No index at all: every rule sees the event.
  EXPECT_EQ(h.Run(Exec(Q("H1"), Q("/b"), "2026-03-01T00:00:02Z")).size(), 1u);
  // The index the event arrived for wins over data_stream.
  EXPECT_TRUE(h.Run(Exec(Q("H1"), Q("/c"), "2026-03-01T00:00:03Z", "2026-03-01T00:00:00Z", ds_proc),
                    false, "winlogbeat-1")
                  .empty());
  EXPECT_EQ(h.Run(Exec(Q("H1"), Q("/d"), "2026-03-01T00:00:04Z", "2026-03-01T00:00:00Z", ds_file),
                  false, "logs-endpoint.events.process-x")
                .size(),
            1u);
}

TEST(Detector, DefaultIndexAppliesToEventsWithoutOne) {
  RuleSpec spec;
  spec.index = {"logs-endpoint.events.process-*"};
  DetectorOptions options = Harness::DefaultOptions();
  options.default_index = "filebeat-1";
  Harness h({MakeRule(spec)}, options);
  EXPECT_TRUE(h.Run(Exec(Q("H1"), Q("/a"), "2026-03-01T00:00:00Z")).empty());
}

TEST(Detector, AlertIdsAreDeterministic) {
  auto run = [] {
    Harness h({MakeRule(RuleSpec{})});
    h.Run(Exec(R"(["H1","H2"])", Q("/a"), "2026-03-01T00:00:00Z"));
    h.Run(Exec(Q("H3"), Q("/a"), "2026-03-01T00:00:00Z"));
    return h.all_alerts();
  };
  auto a = run(), b = run();
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].uuid, b[i].uuid);
    EXPECT_EQ(a[i].json, b[i].json);
  }
  EXPECT_NE(a[0].uuid, a[1].uuid);
}

TEST(Detector, MoreThanThreeFieldsRunsWithAWarning) {
  RuleSpec spec;
  spec.fields = {"host.id", "process.executable", "user.name", "process.name"};
  Harness h({MakeRule(spec)});
  bool warned = false;
  for (const auto& w : h.detector().warnings()) warned |= w.find("at most 3") != std::string::npos;
  EXPECT_TRUE(warned);
  auto alerts = h.Run(Exec(Q("H1"), Q("/x"), "2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z",
                           R"(,"user":{"name":"u"},"process.name":"sh")"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].new_terms, (std::vector<std::string>{"H1", "/x", "u", "sh"}));
}

TEST(Detector, RulesKeepSeparateState) {
  RuleSpec a, b;
  b.rule_id = "99999999-2222-3333-4444-555555555555";
  b.name = "Other";
  Harness h({MakeRule(a), MakeRule(b)});
  EXPECT_EQ(h.Run(Exec(Q("H1"), Q("/x"), "2026-03-01T00:00:00Z")).size(), 2u);
  EXPECT_TRUE(h.Run(Exec(Q("H1"), Q("/x"), "2026-03-01T00:00:01Z")).empty());
}

TEST(Detector, NumericTermsUseKeywordText) {
  RuleSpec spec;
  spec.fields = {"host.id", "process.pid"};
  Harness h({MakeRule(spec)});
  auto alerts = h.Run(Exec(Q("H1"), Q("/x"), "2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z",
                           R"(,"process.pid":4242)"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].new_terms, (std::vector<std::string>{"H1", "4242"}));
}

TEST(Detector, RulesThatCannotRunAreSkippedWithAWarning) {
  std::vector<rules::LoadIssue> errors, warnings;
  auto rule = rules::LoadRuleText(testing::RuleToml(RuleSpec{}), "test",
                                  *event::FieldTypes::BuiltIn(), {}, &errors, &warnings);
  ASSERT_TRUE(rule);
  rule->history_window_ms = 0;  // as for a window the loader could not read
  RuleSpec eql;
  eql.type = "query";
  auto query_rule = MakeRule(eql);
  Harness h({rule, query_rule});
  ASSERT_EQ(h.detector().rules().size(), 1u);
  EXPECT_EQ(h.detector().rules()[0], query_rule);
  ASSERT_EQ(h.detector().warnings().size(), 1u);
  EXPECT_NE(h.detector().warnings()[0].find("history window"), std::string::npos);
}

TEST(Detector, RuleIndexChangesNoResult) {
  RuleSpec a, b, c;
  a.query = "event.action:exec and host.os.type:macos";
  b.rule_id = "22222222-2222-3333-4444-555555555555";
  b.query = "event.action:(fork or exec)";
  c.rule_id = "33333333-2222-3333-4444-555555555555";
  c.type = "query";
  c.query = "not event.action:exec";
  auto run = [&](bool use_index) {
    DetectorOptions options = Harness::DefaultOptions();
    options.use_rule_index = use_index;
    Harness h({MakeRule(a), MakeRule(b), MakeRule(c)}, options);
    for (std::string action : {"exec", "fork", "open"})
      for (std::string os : {"macos", "linux"})
        h.Run(fmt::format(
            R"({{"event":{{"action":"{}","ingested":"2026-03-01T00:00:00Z"}},"host":{{"id":"H","os":{{"type":"{}"}}}},"process":{{"executable":"/{}"}}}})",
            action, os, action + os));
    std::vector<std::string> ids;
    for (const auto& alert : h.all_alerts()) ids.push_back(alert.uuid);
    return ids;
  };
  auto indexed = run(true);
  EXPECT_EQ(indexed.size(), 1u + 4u + 4u);  // a: exec on macos; b: exec or fork; c: not exec
  EXPECT_EQ(indexed, run(false));
}

}  // namespace
}  // namespace picket::engine
