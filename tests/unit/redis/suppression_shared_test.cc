// Alert suppression over the Redis store shared by two nodes: events of one
// group alternate between the nodes, each decided in its own batch (Stage,
// ResolveStaged, Decide); together they write one alert and count every
// other event (or, for a threshold rule, every other crossing) into it
// once, whichever node saw it.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <chrono>

#include "engine/detector.h"
#include "redis/redis_helpers.h"
#include "rules/loader.h"
#include "state/redis_term_store.h"

namespace picket::engine {
namespace {

using redis::testing::LocalCluster;

constexpr const char* kRule = R"([metadata]
creation_date = "2026/03/01"
maturity = "production"
updated_date = "2026/03/01"

[rule]
author = ["picket"]
description = "Exec, suppressed per host."
index = ["logs-*"]
language = "kuery"
license = "Elastic License v2"
name = "Suppressed exec"
risk_score = 21
rule_id = "dddddddd-1111-2222-3333-444444444444"
severity = "low"
type = "query"
query = "event.action:exec"

[rule.alert_suppression]
group_by = ["host.name"]
duration = {value = 10, unit = "m"}
)";

// Runs 8 events of host h1, one minute apart, alternately through two
// nodes sharing one Redis store; returns every alert line written.
std::vector<Alert> AlternateNodes(const std::string& rule_text, const std::string& name) {
  std::vector<rules::LoadIssue> errors, warnings;
  std::shared_ptr<const rules::Rule> rule = rules::LoadRuleText(
      rule_text, "suppressed.toml", *event::FieldTypes::BuiltIn(), {}, &errors, &warnings);
  EXPECT_TRUE(rule) << (errors.empty() ? "" : errors[0].ToString());
  if (!rule) return {};
  std::string prefix = fmt::format("picket-test-{}-{}-{}", name, getpid(),
                                   std::chrono::steady_clock::now().time_since_epoch().count());
  auto store_a = redis::testing::OpenSharedStore(prefix),
       store_b = redis::testing::OpenSharedStore(prefix);
  EXPECT_TRUE(store_a && store_b);
  if (!store_a || !store_b) return {};
  DetectorOptions options;
  options.alert_time = 1780000000000;
  Detector a({rule}, StateStores{store_a.get(), store_a->records()}, options);
  Detector b({rule}, StateStores{store_b.get(), store_b->records()}, options);
  EventMatcher *matcher_a = a.AddMatcher(), *matcher_b = b.AddMatcher();
  simdjson::dom::parser parser;
  std::vector<Alert> alerts;
  for (int i = 0; i < 8; ++i) {
    Detector& node = i % 2 ? b : a;
    EventMatcher* matcher = i % 2 ? matcher_b : matcher_a;
    std::string line = fmt::format(
        R"({{"@timestamp":"2026-03-01T00:0{}:00Z","event":{{"action":"exec","id":"e{}"}},)"
        R"("host":{{"name":"h1"}}}})",
        i, i);
    EventRef ref;
    EXPECT_EQ(parser.parse(line).get(ref.doc), simdjson::SUCCESS);
    ref.raw = line;
    MatchResult match;
    matcher->Match(ref, &match);
    node.Stage(ref, match, false);
    std::string error;
    EXPECT_TRUE(node.ResolveStaged(&error)) << error;
    node.Decide(ref, match, false, [&](const Alert& alert) { alerts.push_back(alert); });
  }
  return alerts;
}

void ExpectOneAlertCountingTheRest(const std::vector<Alert>& alerts) {
  ASSERT_EQ(alerts.size(), 8u);
  EXPECT_FALSE(alerts[0].suppression_update);
  for (size_t i = 1; i < alerts.size(); ++i) {
    EXPECT_TRUE(alerts[i].suppression_update) << i;
    EXPECT_EQ(alerts[i].uuid, alerts[0].uuid);
    EXPECT_EQ(alerts[i].suppressed_docs, i);
  }
}

TEST(SharedSuppression, TwoNodesCountIntoOneAlert) {
  ExpectOneAlertCountingTheRest(AlternateNodes(kRule, "suppression"));
}

// A threshold rule (value 1: every event is a crossing) with Kibana's
// threshold suppression: the crossings of both nodes count into one alert.
TEST(SharedSuppression, TwoNodesCountThresholdCrossingsIntoOneAlert) {
  std::string rule = kRule;
  auto replace = [&](std::string_view from, std::string_view to) {
    size_t at = rule.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    rule.replace(at, from.size(), to);
  };
  replace("type = \"query\"", "type = \"threshold\"");
  replace("group_by = [\"host.name\"]\n", "");
  rule += "\n[rule.threshold]\nfield = [\"host.name\"]\nvalue = 1\n";
  ExpectOneAlertCountingTheRest(AlternateNodes(rule, "threshold-suppression"));
}

}  // namespace
}  // namespace picket::engine
