// AlertBuilder: Kibana-shaped alert documents built from the raw event.
#include "engine/alert_builder.h"

#include <gtest/gtest.h>
#include <simdjson.h>

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
  r.params_json = R"({"new_terms_fields":["host.id","process.parent.executable"],"history_window_start":"now-7d"})";
  r.threat_json = R"([{"framework":"MITRE ATT&CK"}])";
  r.note = "## Triage";
  return r;
}

// Builds the alert and parses it back; fails the test on invalid JSON.
struct Built {
  std::string text;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
};

void Build(std::string_view raw, const std::vector<std::string>* terms, Built* out) {
  static rules::Rule rule = TestRule();
  AlertFacts f;
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
  Build(R"({"@timestamp":"2026-02-28T09:00:00.000Z","event":{"kind":"event","action":"exec","ingested":"2026-02-28T09:00:01Z"},"host":{"id":"H1"},"n":1.50})",
        &terms, &b);
  EXPECT_EQ(std::string_view(b.doc["event"]["kind"].get_string().value()), "signal");
  EXPECT_EQ(std::string_view(b.doc["event"]["action"].get_string().value()), "exec");
  EXPECT_EQ(std::string_view(b.doc["kibana.alert.original_event.kind"].get_string().value()), "event");
  EXPECT_EQ(std::string_view(b.doc["kibana.alert.original_event.action"].get_string().value()), "exec");
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
  EXPECT_EQ(std::string_view(b.doc["kibana.alert.rule.parameters"]["history_window_start"].get_string().value()),
            "now-7d");
  EXPECT_EQ(b.doc["kibana.alert.rule.parameters"]["new_terms_fields"].get_array().value().size(), 2u);
  EXPECT_EQ(b.doc["kibana.alert.rule.threat"].get_array().value().size(), 1u);
  auto ancestor = b.doc["kibana.alert.ancestors"].get_array().value().at(0);
  EXPECT_EQ(std::string_view(ancestor["id"].get_string().value()), "src");
  EXPECT_EQ(std::string_view(ancestor["index"].get_string().value()), "logs-endpoint.events.process-default");
  // No source event object: one is added for event.kind.
  EXPECT_EQ(std::string_view(b.doc["event"]["kind"].get_string().value()), "signal");
}

TEST(AlertBuilder, DottedEventKindAndKibanaKeysAreNotDuplicated) {
  Built b;
  Build(R"({"@timestamp":"2026-02-28T09:00:00Z","event.kind":"event","event.action":"open","kibana.alert.uuid":"forged","kibana":{"x":1}})",
        nullptr, &b);
  auto keys = TopKeys(b.text);
  EXPECT_EQ(keys.count("event.kind"), 0u);
  EXPECT_EQ(keys.count("kibana"), 0u);
  EXPECT_EQ(keys.count("kibana.alert.uuid"), 1u);
  EXPECT_EQ(std::string_view(b.doc["kibana.alert.uuid"].get_string().value()), "alertuuid");
  EXPECT_EQ(std::string_view(b.doc["kibana.alert.original_event.kind"].get_string().value()), "event");
  EXPECT_EQ(std::string_view(b.doc["event.action"].get_string().value()), "open");
  EXPECT_EQ(std::string_view(b.doc["event"]["kind"].get_string().value()), "signal");
  // A query-rule alert has no new_terms field.
  EXPECT_EQ(keys.count("kibana.alert.new_terms"), 0u);
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
