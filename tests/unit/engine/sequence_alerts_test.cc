// The alerts of an EQL sequence, as Kibana's build_alert_group_from_sequence
// writes them, and the shared-fields intersection with the cases of
// Kibana's own tests (build_alert_group_from_sequence.test.ts).
#include "engine/sequence_alerts.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <deque>
#include <set>

#include "engine/alert_id.h"
#include "engine/json_intersection.h"

namespace picket::engine {
namespace {

std::string Intersect(std::vector<std::string_view> objects) {
  return IntersectJsonObjects(objects);
}

TEST(JsonIntersection, KibanaPairCases) {
  EXPECT_EQ(Intersect({R"({"field1":[1]})", R"({"field1":[1]})"}), R"({"field1":[1]})");
  EXPECT_EQ(Intersect({R"({"field1":1})", R"({"field1":[1,2,3]})"}), R"({"field1":[1]})");
  EXPECT_EQ(Intersect({R"({"field1":[3,4,5]})", R"({"field1":[1,2,3]})"}), R"({"field1":[3]})");
  EXPECT_EQ(Intersect({R"({"field1":[3,4,5]})", R"({"field1":[1,2,3,4]})"}), R"({"field1":[3,4]})");
  // numbers and strings are unequal
  EXPECT_EQ(Intersect({R"({"field1":1,"field2":1})", R"({"field1":1,"field2":"1"})"}),
            R"({"field1":1})");
  EXPECT_EQ(Intersect({R"({"field1":1,"field2":"1","field3":null})",
                       R"({"field1":null,"field2":null,"field3":null})"}),
            R"({"field3":null})");
  EXPECT_EQ(Intersect({R"({"a":[1,2],"b":[1,2]})", R"({"a":[1,2],"b":[3,4]})"}),
            R"({"a":[1,2],"b":[]})");
  EXPECT_EQ(Intersect({R"({"field1":1})", R"({"field2":1})"}), "{}");
  EXPECT_EQ(Intersect({R"({"c":{"f1":1,"f2":1,"f3":10,"f5":1,"f6":null,"arr":[1,2],
                               "n":{"f1":1,"f2":1}},"w":{"s1":1}})",
                       R"({"c":{"f1":1,"f2":2,"f4":10,"f5":"1","f6":null,"arr":[1,2],
                               "n":{"f1":1,"f2":2}},"w":{"s2":1}})"}),
            R"({"c":{"f1":1,"f6":null,"arr":[1,2],"n":{"f1":1}}})");
  // numbers compare by value, as in JavaScript; objects in arrays never do
  EXPECT_EQ(Intersect({R"({"n":1.0,"o":[{"x":1},2]})", R"({"n":1,"o":[{"x":1},2]})"}),
            R"({"n":1.0,"o":[2]})");
}

TEST(JsonIntersection, KibanaArrayCases) {
  std::string_view a =
      R"({"field1":1,"field2":1,"field3":10,"field5":1,"field6":null,"array_field":[1,2],
          "container_field":{"sub_field1":1,"sub_field2":1,"sub_field3":10},
          "container_field_without_intersection":{"sub_field1":1}})";
  std::string_view b =
      R"({"field1":1,"field2":2,"field4":10,"field5":"1","field6":null,"array_field":[1,2],
          "container_field":{"sub_field1":1,"sub_field2":2,"sub_field4":10},
          "container_field_without_intersection":{"sub_field2":1}})";
  std::string_view c =
      R"({"field1":1,"field2":2,"field4":10,"field5":"1","array_field":[1,2],
          "container_field":{"sub_field2":2,"sub_field4":10},
          "container_field_without_intersection":{"sub_field2":1}})";
  EXPECT_EQ(Intersect({a, b}),
            R"({"field1":1,"field6":null,"array_field":[1,2],"container_field":{"sub_field1":1}})");
  EXPECT_EQ(Intersect({a, b, c}), R"({"field1":1,"array_field":[1,2]})");
  EXPECT_EQ(Intersect({}), "{}");
}

rules::Rule EqlRule() {
  rules::Rule r;
  r.rule_id = "seq-rule";
  r.name = "Sequence rule";
  r.type = rules::RuleType::kEql;
  r.type_name = "eql";
  r.language = "eql";
  r.severity = "high";
  r.risk_score = 73;
  r.severity_mapping = {{"process.name", "equals", "sh", "critical"}};
  return r;
}

struct Parsed {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  explicit Parsed(const std::string& json) { EXPECT_FALSE(parser.parse(json).get(doc)) << json; }
  std::string Str(std::string_view key) {
    std::string_view v;
    if (doc[key].get(v)) return "<none>";
    return std::string(v);
  }
  int64_t Int(std::string_view key) {
    int64_t v = -1;
    if (doc[key].get(v)) return -1;
    return v;
  }
};

std::vector<SequenceAlert> Build(const std::vector<SequenceEvent>& events) {
  static rules::Rule rule = EqlRule();
  AlertBuilder builder;
  AlertFacts base;
  base.rule = &rule;
  base.rule_uuid = "rule-uuid";
  base.alert_time = 1772100000000;
  std::vector<SequenceAlert> alerts;
  std::string error;
  EXPECT_TRUE(BuildSequenceAlerts(builder, base, events, &alerts, &error)) << error;
  return alerts;
}

const std::string kEvent1 =
    R"({"@timestamp":"2026-02-26T10:00:00.000Z","event":{"category":"process","id":"e1"},)"
    R"("host":{"name":"h1","id":"H"},"process":{"name":"sh","pid":1},"source":{"ip":"10.0.0.1"}})";
const std::string kEvent2 =
    R"({"@timestamp":"2026-02-26T10:00:01.000Z","event":{"category":"process","id":"e2"},)"
    R"("host":{"name":"h1","id":"H"},"process":{"name":"curl","pid":2},"source":{"ip":"10.0.0.1"}})";

// An event of a sequence with its identity as the sequence unit computes it.
SequenceEvent Ev(const std::string& raw, std::string_view index, std::string_view doc_id) {
  static std::deque<std::string> identities;  // outlive the views
  SequenceEvent e{false, raw, index, doc_id, {}};
  e.identity = identities.emplace_back(EventIdentity(index, doc_id, raw));
  return e;
}

TEST(SequenceAlerts, ShellAndBuildingBlocksAsKibana) {
  std::vector<SequenceEvent> events = {Ev(kEvent1, "logs-a", "d1"), Ev(kEvent2, "logs-a", "d2")};
  std::vector<SequenceAlert> alerts = Build(events);
  ASSERT_EQ(alerts.size(), 3u);
  ASSERT_TRUE(alerts[0].shell);
  Parsed shell(alerts[0].json);
  EXPECT_EQ(shell.Str("kibana.alert.uuid"), alerts[0].uuid);
  EXPECT_EQ(shell.Str("kibana.alert.group.id"), alerts[0].uuid);
  EXPECT_EQ(shell.Int("kibana.alert.depth"), 2);
  EXPECT_EQ(shell.Str("kibana.alert.original_time"), "2026-02-26T10:00:00.000Z");  // alert time
  EXPECT_EQ(shell.Str("kibana.alert.rule.type"), "eql");
  EXPECT_EQ(shell.Str("kibana.alert.severity"), "high");
  EXPECT_EQ(shell.Str("kibana.alert.building_block_type"), "<none>");
  // Shared fields only: host, source, event.category; not process.
  EXPECT_EQ(alerts[0].reason,
            "process event with source 10.0.0.1 on h1 created high alert "
            "Sequence rule.");
  std::string_view host_id;
  EXPECT_FALSE(shell.doc["host"]["id"].get(host_id));
  EXPECT_EQ(host_id, "H");
  EXPECT_TRUE(shell.doc["process"].error());
  simdjson::dom::array ancestors;
  ASSERT_FALSE(shell.doc["kibana.alert.ancestors"].get(ancestors));
  std::vector<std::string> types, ids;
  for (auto a : ancestors) {
    types.emplace_back(std::string_view(a["type"]));
    ids.emplace_back(std::string_view(a["id"]));
  }
  EXPECT_EQ(types, (std::vector<std::string>{"event", "signal", "event", "signal"}));
  EXPECT_EQ(ids, (std::vector<std::string>{"d1", alerts[1].uuid, "d2", alerts[2].uuid}));

  for (int i = 1; i <= 2; ++i) {
    Parsed block(alerts[i].json);
    EXPECT_EQ(alerts[i].position, i - 1);
    EXPECT_EQ(block.Str("kibana.alert.building_block_type"), "default");
    EXPECT_EQ(block.Str("kibana.alert.group.id"), alerts[0].uuid);
    EXPECT_EQ(block.Int("kibana.alert.group.index"), i - 1);
    EXPECT_EQ(block.Int("kibana.alert.depth"), 1);
    // Kibana builds building blocks without the severity mapping.
    EXPECT_EQ(block.Str("kibana.alert.severity"), "high");
  }
  Parsed first(alerts[1].json);
  EXPECT_EQ(first.Str("kibana.alert.original_time"), "2026-02-26T10:00:00.000Z");
  std::string_view pname;
  EXPECT_FALSE(first.doc["process"]["name"].get(pname));
  EXPECT_EQ(pname, "sh");

  // Deterministic ids; an event in another sequence gets another block.
  std::vector<SequenceAlert> again = Build(events);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(again[i].uuid, alerts[i].uuid);
  std::vector<SequenceEvent> other = {Ev(kEvent1, "logs-a", "d1"), Ev(kEvent1, "logs-a", "d9")};
  std::vector<SequenceAlert> shifted = Build(other);
  std::set<std::string> all;
  for (auto* v : {&alerts, &shifted})
    for (auto& a : *v) all.insert(a.uuid);
  EXPECT_EQ(all.size(), 6u);
}

// Missing-event positions are placeholders with an empty source, and get a
// building block of their own, as Kibana does with Elasticsearch's response.
TEST(SequenceAlerts, MissingEventPlaceholder) {
  std::vector<SequenceEvent> events = {Ev(kEvent1, "logs-a", "d1"), {true, "", "", "", {}}};
  std::vector<SequenceAlert> alerts = Build(events);
  ASSERT_EQ(alerts.size(), 3u);
  Parsed missing(alerts[2].json);
  simdjson::dom::array ancestors;
  ASSERT_FALSE(missing.doc["kibana.alert.ancestors"].get(ancestors));
  ASSERT_EQ(ancestors.size(), 1u);
  EXPECT_EQ(std::string_view((*ancestors.begin())["id"]), "");
  EXPECT_EQ(std::string_view((*ancestors.begin())["index"]), "");
  EXPECT_TRUE(missing.doc["host"].error());
  Parsed shell(alerts[0].json);
  EXPECT_TRUE(shell.doc["host"].error());  // nothing is shared with an empty source
}

}  // namespace
}  // namespace picket::engine
