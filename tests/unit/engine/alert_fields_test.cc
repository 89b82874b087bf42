// Kibana alert fields end to end (rule TOML -> detector -> alert JSON):
// severity_mapping / risk_score_mapping, execution uuid and timestamps,
// rule dates, kibana.version, URL and space.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include "engine/detector.h"
#include "engine_helpers.h"
#include "rules/loader.h"

namespace picket::engine {
namespace {

using testing::Harness;
using testing::MakeRule;
using testing::RuleSpec;

constexpr const char* kMappings = R"(
[[rule.risk_score_mapping]]
field = "event.risk_score"
operator = "equals"
value = ""

[[rule.severity_mapping]]
field = "okta.risk"
operator = "equals"
severity = "high"
value = "HIGH"

[[rule.severity_mapping]]
field = "okta.risk"
operator = "equals"
severity = "low"
value = "LOW"
)";

RuleSpec MappedQueryRule() {
  RuleSpec spec;
  spec.type = "query";
  spec.rule_tables = kMappings;
  return spec;
}

class AlertFields : public ::testing::Test {
 protected:
  simdjson::dom::element Parse(const Alert& alert) {
    auto result = parser_.parse(alert.json);
    EXPECT_EQ(result.error(), simdjson::SUCCESS) << alert.json;
    return result.value();
  }
  static std::string_view Str(simdjson::dom::element doc, std::string_view key) {
    auto v = doc[key];
    return v.error() ? std::string_view("<missing>") : std::string_view(v.get_string().value());
  }
  simdjson::dom::parser parser_;
};

TEST_F(AlertFields, LoaderReadsTheMappings) {
  auto rule = MakeRule(MappedQueryRule());
  ASSERT_TRUE(rule);
  ASSERT_EQ(rule->severity_mapping.size(), 2u);
  EXPECT_EQ(rule->severity_mapping[0].field, "okta.risk");
  EXPECT_EQ(rule->severity_mapping[0].value, "HIGH");
  EXPECT_EQ(rule->severity_mapping[0].severity, "high");
  ASSERT_EQ(rule->risk_score_mapping.size(), 1u);
  EXPECT_EQ(rule->risk_score_mapping[0].field, "event.risk_score");
}

TEST_F(AlertFields, MalformedMappingsAreLoadErrors) {
  for (std::string bad : {R"(
[[rule.severity_mapping]]
field = "f"
operator = "contains"
severity = "high"
value = "x"
)",
                          R"(
[[rule.severity_mapping]]
field = "f"
operator = "equals"
severity = "urgent"
value = "x"
)",
                          R"(
[[rule.risk_score_mapping]]
operator = "equals"
value = ""
)"}) {
    RuleSpec spec = MappedQueryRule();
    spec.rule_tables = bad;
    std::vector<rules::LoadIssue> errors, warnings;
    auto rule = rules::LoadRuleText(testing::RuleToml(spec), "t.toml",
                                    *event::FieldTypes::BuiltIn(), {}, &errors, &warnings);
    EXPECT_FALSE(rule) << bad;
    ASSERT_EQ(errors.size(), 1u) << bad;
    EXPECT_NE(errors[0].message.find("mapping"), std::string::npos) << errors[0].ToString();
    EXPECT_GT(errors[0].line, 0u);
  }
}

TEST_F(AlertFields, SeverityAndRiskScoreMappingsApply) {
  Harness h({MakeRule(MappedQueryRule())});
  auto alerts = h.Run(
      R"({"@timestamp":"2026-03-01T00:00:00Z","event":{"action":"exec","category":"process","risk_score":88},"okta":{"risk":"HIGH"}})");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].severity, "high");
  EXPECT_EQ(alerts[0].risk_score, 88.0);
  auto doc = Parse(alerts[0]);
  EXPECT_EQ(Str(doc, "kibana.alert.severity"), "high");
  EXPECT_EQ(int64_t(doc["kibana.alert.risk_score"].get_int64().value()), 88);
  EXPECT_EQ(Str(doc, "kibana.alert.rule.severity"), "medium");
  EXPECT_EQ(int64_t(doc["kibana.alert.rule.risk_score"].get_int64().value()), 47);
  EXPECT_NE(Str(doc, "kibana.alert.reason").find("created high alert"), std::string::npos);
  // The mappings as the rule has them, on the alert and in its parameters.
  auto mapping = doc["kibana.alert.rule.severity_mapping"].get_array().value();
  ASSERT_EQ(mapping.size(), 2u);
  EXPECT_EQ(Str(mapping.at(0), "field"), "okta.risk");
  EXPECT_EQ(Str(mapping.at(0), "operator"), "equals");
  EXPECT_EQ(Str(mapping.at(0), "value"), "HIGH");
  EXPECT_EQ(Str(mapping.at(0), "severity"), "high");
  EXPECT_EQ(doc["kibana.alert.rule.risk_score_mapping"].get_array().value().size(), 1u);
  auto params = doc["kibana.alert.rule.parameters"];
  EXPECT_EQ(params["severity_mapping"].get_array().value().size(), 2u);
  EXPECT_EQ(Str(params["risk_score_mapping"].get_array().value().at(0), "field"),
            "event.risk_score");
}

TEST_F(AlertFields, UnmatchedMappingsKeepTheRulesValues) {
  Harness h({MakeRule(MappedQueryRule())});
  auto alerts = h.Run(R"({"event":{"action":"exec","risk_score":"n/a"},"okta":{"risk":"MEDIUM"}})");
  ASSERT_EQ(alerts.size(), 1u);
  auto doc = Parse(alerts[0]);
  EXPECT_EQ(Str(doc, "kibana.alert.severity"), "medium");
  EXPECT_EQ(int64_t(doc["kibana.alert.risk_score"].get_int64().value()), 47);
}

TEST_F(AlertFields, RulesWithoutMappingsCarryEmptyOnes) {
  RuleSpec spec;
  spec.type = "query";
  Harness h({MakeRule(spec)});
  auto alerts = h.Run(R"({"event":{"action":"exec"}})");
  ASSERT_EQ(alerts.size(), 1u);
  auto doc = Parse(alerts[0]);
  EXPECT_EQ(doc["kibana.alert.rule.severity_mapping"].get_array().value().size(), 0u);
  EXPECT_EQ(doc["kibana.alert.rule.parameters"]["severity_mapping"].get_array().value().size(), 0u);
  EXPECT_EQ(doc["kibana.alert.rule.parameters"]["risk_score_mapping"].get_array().value().size(),
            0u);
}

TEST_F(AlertFields, RunFieldsAndRuleDates) {
  auto options = Harness::DefaultOptions();  // alert clock 2026-05-28T20:26:40Z
  options.alert.kibana_url = "https://kibana.example";
  Harness h({MakeRule(RuleSpec{})}, options);
  auto alerts = h.Run(
      R"({"@timestamp":"2026-03-01T00:00:00Z","event":{"action":"exec","ingested":"2026-03-01T00:00:01Z"},"host":{"id":"H1"},"process":{"executable":"/x"}})");
  ASSERT_EQ(alerts.size(), 1u);
  auto doc = Parse(alerts[0]);
  std::string_view now = Str(doc, "@timestamp");
  EXPECT_EQ(now, "2026-05-28T20:26:40.000Z");
  EXPECT_EQ(Str(doc, "kibana.alert.rule.execution.timestamp"), now);
  EXPECT_EQ(Str(doc, "kibana.alert.intended_timestamp"), now);
  EXPECT_EQ(Str(doc, "kibana.alert.rule.created_at"), "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(Str(doc, "kibana.alert.rule.updated_at"), "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(Str(doc, "kibana.version"), kCompatibleKibanaVersion);
  EXPECT_EQ(Str(doc, "kibana.alert.url"),
            fmt::format("https://kibana.example/app/security/alerts/redirect/{}"
                        "?index=.alerts-security.alerts-default&timestamp={}",
                        alerts[0].uuid, now));
}

TEST_F(AlertFields, ExecutionUuidIsOnePerRun) {
  auto uuid_of = [&](const Alert& a) {
    return std::string(Str(Parse(a), "kibana.alert.rule.execution.uuid"));
  };
  auto run = [&](DetectorOptions options) {
    RuleSpec spec;
    spec.type = "query";
    Harness h({MakeRule(spec)}, options);
    h.Run(R"({"event":{"action":"exec"},"n":1})");
    h.Run(R"({"event":{"action":"exec"},"n":2})");
    EXPECT_EQ(h.all_alerts().size(), 2u);
    EXPECT_EQ(uuid_of(h.all_alerts()[0]), uuid_of(h.all_alerts()[1])) << "one uuid per run";
    return uuid_of(h.all_alerts()[0]);
  };
  // A fixed alert clock gives a reproducible (name-based) uuid.
  std::string fixed = run(Harness::DefaultOptions());
  EXPECT_EQ(fixed, run(Harness::DefaultOptions()));
  EXPECT_EQ(fixed.size(), 36u);
  EXPECT_EQ(fixed[14], '8');
  // An injected one is used as is.
  auto injected = Harness::DefaultOptions();
  injected.alert.execution_uuid = "11111111-1111-4111-8111-111111111111";
  EXPECT_EQ(run(injected), "11111111-1111-4111-8111-111111111111");
  // The wall clock: a random (version 4) uuid per run.
  DetectorOptions live;
  std::string a = run(live), b = run(live);
  EXPECT_NE(a, b);
  EXPECT_EQ(a[14], '4');
}

}  // namespace
}  // namespace picket::engine
