// AlertBuilder: Kibana-shaped alert documents built from the raw event.
#include "engine/alert_builder.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <optional>
#include <set>

#include "engine/raw_object.h"

namespace picket::engine {
namespace {

rules::Rule TestRule() {
  rules::Rule r;
  r.rule_id = "rid-1";
  r.name = "First Time Python Spawned a Shell on Host";
  r.type = rules::RuleType::kNewTerms;
  r.type_name = "new_terms";
  r.language = "kuery";
  r.severity = "medium";
  r.risk_score = 47;
  r.tags = {"OS: macOS"};
  r.description = "desc";
  r.from = "now-9m";
  r.new_terms_fields = {"host.id", "process.parent.executable"};
  r.history_window_start = "now-7d";
  r.params_json =
      R"({"new_terms_fields":["host.id","process.parent.executable"],"history_window_start":"now-7d"})";
  r.threat_json = R"([{"framework":"MITRE ATT&CK"}])";
  r.note = "## Triage";
  r.creation_date = "2026/02/23";
  r.updated_date = "2026/03/02";
  return r;
}

// Builds the alert and parses it back; fails the test on invalid JSON.
struct Built {
  std::string text;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
};

void Build(std::string_view raw, const std::vector<std::string>* terms, Built* out,
           const AlertSettings* settings = nullptr, std::string_view severity = {},
           std::optional<double> risk_score = std::nullopt) {
  static rules::Rule rule = TestRule();
  AlertFacts f;
  f.settings = settings;
  f.severity = severity;
  f.risk_score = risk_score;
  f.rule = &rule;
  f.rule_uuid = "ruleuuid";
  f.alert_uuid = "alertuuid";
  f.alert_time = 1772359200000;  // 2026-03-01T10:00:00Z
  f.event_index = "logs-endpoint.events.process-default";
  f.source_id = "src";
  f.new_terms = terms;
  f.reason = "why";
  AlertBuilder builder;
  std::string error;
  ASSERT_TRUE(builder.Build(raw, f, &out->text, &error)) << error;
  auto result = out->parser.parse(out->text);
  ASSERT_EQ(result.error(), simdjson::SUCCESS) << out->text;
  out->doc = result.value();
}

std::multiset<std::string> TopKeys(std::string_view text) {
  std::multiset<std::string> keys;
  RawObjectReader r(text);
  std::string key;
  std::string_view value;
  while (r.Next(&key, &value)) keys.insert(key);
  return keys;
}

TEST(AlertBuilder, ReplacesEventKindAndKeepsTheOriginal) {
  Built b;
  std::vector<std::string> terms = {"H1", "/usr/bin/python3"};
  Build(
      R"({"@timestamp":"2026-02-28T09:00:00.000Z","event":{"kind":"event","action":"exec","ingested":"2026-02-28T09:00:01Z"},"host":{"id":"H1"},"n":1.50})",
      &terms, &b);
  EXPECT_EQ(std::string_view(b.doc["event"]["kind"].get_string().value()), "signal");
  EXPECT_EQ(std::string_view(b.doc["event"]["action"].get_string().value()), "exec");
  EXPECT_EQ(std::string_view(b.doc["kibana.alert.original_event.kind"].get_string().value()),
            "event");
  EXPECT_EQ(std::string_view(b.doc["kibana.alert.original_event.action"].get_string().value()),
            "exec");
  EXPECT_EQ(std::string_view(b.doc["@timestamp"].get_string().value()), "2026-03-01T10:00:00.000Z");
  EXPECT_EQ(std::string_view(b.doc["kibana.alert.original_time"].get_string().value()),
            "2026-02-28T09:00:00.000Z");
  EXPECT_NE(b.text.find("\"n\":1.50"), std::string::npos) << "numbers are copied verbatim";
  for (const auto& key : TopKeys(b.text)) EXPECT_EQ(TopKeys(b.text).count(key), 1u) << key;
}

TEST(AlertBuilder, KibanaFields) {
  Built b;
  std::vector<std::string> terms = {"H1", ""};
  Build(R"({"@timestamp":"2026-02-28T09:00:00Z","host":{"id":"H1"}})", &terms, &b);
  auto new_terms = b.doc["kibana.alert.new_terms"].get_array().value();
  ASSERT_EQ(new_terms.size(), 2u);
  EXPECT_EQ(std::string_view(new_terms.at(0).get_string().value()), "H1");
  EXPECT_EQ(std::string_view(new_terms.at(1).get_string().value()), "");
  EXPECT_EQ(std::string_view(b.doc["kibana.alert.rule.type"].get_string().value()), "new_terms");
  EXPECT_EQ(std::string_view(b.doc["kibana.alert.rule.rule_id"].get_string().value()), "rid-1");
  EXPECT_EQ(std::string_view(b.doc["kibana.alert.rule.uuid"].get_string().value()), "ruleuuid");
  EXPECT_EQ(std::string_view(b.doc["kibana.alert.uuid"].get_string().value()), "alertuuid");
  EXPECT_EQ(std::string_view(b.doc["kibana.alert.severity"].get_string().value()), "medium");
  EXPECT_EQ(int64_t(b.doc["kibana.alert.risk_score"].get_int64().value()), 47);
  EXPECT_EQ(std::string_view(b.doc["kibana.alert.status"].get_string().value()), "active");
  EXPECT_EQ(std::string_view(b.doc["kibana.alert.workflow_status"].get_string().value()), "open");
  EXPECT_EQ(std::string_view(b.doc["kibana.alert.reason"].get_string().value()), "why");
  EXPECT_EQ(std::string_view(
                b.doc["kibana.alert.rule.parameters"]["history_window_start"].get_string().value()),
            "now-7d");
  EXPECT_EQ(b.doc["kibana.alert.rule.parameters"]["new_terms_fields"].get_array().value().size(),
            2u);
  EXPECT_EQ(b.doc["kibana.alert.rule.threat"].get_array().value().size(), 1u);
  auto ancestor = b.doc["kibana.alert.ancestors"].get_array().value().at(0);
  EXPECT_EQ(std::string_view(ancestor["id"].get_string().value()), "src");
  EXPECT_EQ(std::string_view(ancestor["index"].get_string().value()),
            "logs-endpoint.events.process-default");
  // No source event object: one is added for event.kind.
  EXPECT_EQ(std::string_view(b.doc["event"]["kind"].get_string().value()), "signal");
}

TEST(AlertBuilder, DottedEventKindAndKibanaKeysAreNotDuplicated) {
  Built b;
  Build(
      R"({"@timestamp":"2026-02-28T09:00:00Z","event.kind":"event","event.action":"open","kibana.alert.uuid":"forged","kibana":{"x":1}})",
      nullptr, &b);
  auto keys = TopKeys(b.text);
  EXPECT_EQ(keys.count("event.kind"), 0u);
  EXPECT_EQ(keys.count("kibana"), 0u);
  EXPECT_EQ(keys.count("kibana.alert.uuid"), 1u);
  EXPECT_EQ(std::string_view(b.doc["kibana.alert.uuid"].get_string().value()), "alertuuid");
  EXPECT_EQ(std::string_view(b.doc["kibana.alert.original_event.kind"].get_string().value()),
            "event");
  EXPECT_EQ(std::string_view(b.doc["event.action"].get_string().value()), "open");
  EXPECT_EQ(std::string_view(b.doc["event"]["kind"].get_string().value()), "signal");
  // A query-rule alert has no new_terms field.
  EXPECT_EQ(keys.count("kibana.alert.new_terms"), 0u);
}

std::string_view Str(simdjson::dom::element doc, std::string_view key) {
  auto v = doc[key];
  return v.error() ? std::string_view("<missing>") : std::string_view(v.get_string().value());
}

TEST(AlertBuilder, ExecutionVersionSpaceAndUrl) {
  AlertSettings settings;
  settings.execution_uuid = "0e2c1d8a-4f5b-4c6d-8e7f-9a0b1c2d3e4f";
  settings.kibana_version = "9.1.3";
  settings.kibana_url = "https://kibana.example:5601/";
  settings.space_id = "soc";
  Built b;
  Build(R"({"@timestamp":"2026-02-28T09:00:00Z"})", nullptr, &b, &settings);
  EXPECT_EQ(Str(b.doc, "kibana.alert.rule.execution.uuid"), settings.execution_uuid);
  EXPECT_EQ(Str(b.doc, "kibana.alert.rule.execution.timestamp"), "2026-03-01T10:00:00.000Z");
  EXPECT_EQ(Str(b.doc, "kibana.alert.rule.execution.type"), "scheduled");
  // A scheduled Kibana run's intended time is the alert time.
  EXPECT_EQ(Str(b.doc, "kibana.alert.intended_timestamp"), "2026-03-01T10:00:00.000Z");
  EXPECT_EQ(Str(b.doc, "kibana.version"), "9.1.3");
  EXPECT_EQ(Str(b.doc, "kibana.alert.url"),
            "https://kibana.example:5601/s/soc/app/security/alerts/redirect/alertuuid"
            "?index=.alerts-security.alerts-soc&timestamp=2026-03-01T10:00:00.000Z");
  auto spaces = b.doc["kibana.space_ids"].get_array().value();
  ASSERT_EQ(spaces.size(), 1u);
  EXPECT_EQ(std::string_view(spaces.at(0).get_string().value()), "soc");
  for (const auto& key : TopKeys(b.text)) EXPECT_EQ(TopKeys(b.text).count(key), 1u) << key;
}

TEST(AlertBuilder, DefaultsWithoutSettings) {
  Built b;
  Build(R"({"@timestamp":"2026-02-28T09:00:00Z"})", nullptr, &b);
  auto keys = TopKeys(b.text);
  EXPECT_EQ(keys.count("kibana.alert.url"), 0u) << "no URL without a Kibana base URL";
  EXPECT_EQ(keys.count("kibana.alert.rule.execution.uuid"), 0u);
  EXPECT_EQ(Str(b.doc, "kibana.version"), kCompatibleKibanaVersion);
  EXPECT_EQ(
      std::string_view(b.doc["kibana.space_ids"].get_array().value().at(0).get_string().value()),
      "default");
}

TEST(AlertBuilder, RuleMetadataFields) {
  Built b;
  Build(R"({"@timestamp":"2026-02-28T09:00:00Z"})", nullptr, &b);
  EXPECT_EQ(Str(b.doc, "kibana.alert.rule.created_at"), "2026-02-23T00:00:00.000Z");
  EXPECT_EQ(Str(b.doc, "kibana.alert.rule.updated_at"), "2026-03-02T00:00:00.000Z");
  EXPECT_EQ(Str(b.doc, "kibana.alert.rule.created_by"), "picket");
  EXPECT_EQ(Str(b.doc, "kibana.alert.rule.updated_by"), "picket");
  EXPECT_EQ(int64_t(b.doc["kibana.alert.rule.revision"].get_int64().value()), 0);
  EXPECT_EQ(b.doc["kibana.alert.rule.severity_mapping"].get_array().value().size(), 0u);
  EXPECT_EQ(b.doc["kibana.alert.rule.risk_score_mapping"].get_array().value().size(), 0u);
}

TEST(AlertBuilder, MappedSeverityAndRiskScoreOverrideOnlyTheAlertFields) {
  Built b;
  Build(R"({"@timestamp":"2026-02-28T09:00:00Z"})", nullptr, &b, nullptr, "critical", 73.5);
  EXPECT_EQ(Str(b.doc, "kibana.alert.severity"), "critical");
  EXPECT_EQ(double(b.doc["kibana.alert.risk_score"].get_double().value()), 73.5);
  // kibana.alert.rule.* keep the rule's values, as in Kibana.
  EXPECT_EQ(Str(b.doc, "kibana.alert.rule.severity"), "medium");
  EXPECT_EQ(int64_t(b.doc["kibana.alert.rule.risk_score"].get_int64().value()), 47);
}

TEST(AlertBuilder, AlertUrlShape) {
  EXPECT_EQ(AlertUrl("http://k:5601", "default", "abc", "2026-03-01T10:00:00.000Z"),
            "http://k:5601/app/security/alerts/redirect/abc"
            "?index=.alerts-security.alerts-default&timestamp=2026-03-01T10:00:00.000Z");
  EXPECT_EQ(AlertUrl("https://h/kibana/", "team-a", "abc", "T"),
            "https://h/kibana/s/team-a/app/security/alerts/redirect/abc"
            "?index=.alerts-security.alerts-team-a&timestamp=T");
}

TEST(AlertBuilder, RuleDates) {
  EXPECT_EQ(RuleDateIso("2026/02/23"), "2026-02-23T00:00:00.000Z");
  EXPECT_EQ(RuleDateIso("2026-02-23"), "");
  EXPECT_EQ(RuleDateIso("2026/13/01"), "");
  EXPECT_EQ(RuleDateIso(""), "");
}

TEST(AlertBuilder, ReasonNamesTheAlertSeverity) {
  simdjson::dom::parser parser;
  auto doc =
      parser.parse(std::string(R"({"event":{"category":"process"},"host":{"name":"h"}})")).value();
  rules::Rule rule = TestRule();
  EXPECT_NE(BuildReason(doc, rule).find("created medium alert"), std::string::npos);
  EXPECT_NE(BuildReason(doc, rule, "high").find("created high alert"), std::string::npos);
}

TEST(AlertBuilder, RejectsNonObjects) {
  rules::Rule rule = TestRule();
  AlertFacts f;
  f.rule = &rule;
  AlertBuilder builder;
  std::string out = "keep", error;
  EXPECT_FALSE(builder.Build("[1,2]", f, &out, &error));
  EXPECT_EQ(out, "keep");
  EXPECT_FALSE(builder.Build("{\"a\":", f, &out, &error));
  EXPECT_EQ(out, "keep");
}

}  // namespace
}  // namespace picket::engine
