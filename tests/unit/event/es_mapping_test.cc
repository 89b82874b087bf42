// --mapping: Elasticsearch mappings as users have them (tests/data/mappings/:
// GET _mapping of two backing indices, a bare mapping, a create-index body,
// index/component templates and their GET outputs, an ES 6 typed mapping).
#include "event/es_mapping.h"

#include <gtest/gtest.h>

#include "event/field_types.h"
#include "util/json_syntax.h"

namespace picket::event {
namespace {

std::string Fixture(const std::string& name) {
  return std::string(PICKET_SOURCE_DIR) + "/tests/data/mappings/" + name;
}

struct Loaded {
  FieldTypes types;
  std::vector<std::string> warnings;
  std::string error;
  MappingLoadStats stats;
  bool ok = false;
};

Loaded Load(const std::string& fixture) {
  Loaded l;
  l.ok = LoadEsMappingFile(Fixture(fixture), &l.types, &l.warnings, &l.error, &l.stats);
  return l;
}

Loaded LoadText(const std::string& text) {
  Loaded l;
  l.ok = LoadEsMappingText(text, "m.json", &l.types, &l.warnings, &l.error, &l.stats);
  return l;
}

std::string TypeOf(const FieldTypes& t, const std::string& field) {
  const FieldInfo* info = t.Find(field);
  return info ? std::string(FieldTypeName(info->type)) + "/" + info->es_type : "none";
}

bool Warned(const Loaded& l, const std::string& part) {
  for (const auto& w : l.warnings)
    if (w.find(part) != std::string::npos) return true;
  return false;
}

TEST(EsMapping, GetMappingOfTwoIndices) {
  Loaded l = Load("get_mapping_two_indices.json");
  ASSERT_TRUE(l.ok) << l.error;
  EXPECT_EQ(l.stats.mappings, 2u);
  const FieldTypes& t = l.types;
  EXPECT_EQ(TypeOf(t, "@timestamp"), "date/date");
  EXPECT_EQ(TypeOf(t, "event.created"), "date/date_nanos");
  EXPECT_EQ(TypeOf(t, "data_stream.dataset"), "keyword/constant_keyword");
  EXPECT_EQ(TypeOf(t, "process.command_line"), "keyword/wildcard");
  EXPECT_EQ(TypeOf(t, "process.args_count"), "long/unsigned_long");
  EXPECT_EQ(TypeOf(t, "process.code_signature.trusted"), "boolean/boolean");
  EXPECT_EQ(TypeOf(t, "client.address"), "ip/ip");
  EXPECT_EQ(TypeOf(t, "message"), "text/text");
  EXPECT_EQ(TypeOf(t, "metrics.load"), "double/scaled_float");
  EXPECT_EQ(TypeOf(t, "metrics.ratio"), "double/half_float");
  EXPECT_EQ(TypeOf(t, "session"), "nested/nested");
  EXPECT_EQ(TypeOf(t, "session.id"), "keyword/keyword");
  EXPECT_EQ(TypeOf(t, "process"), "object/object");
  // ignore_above and multi-fields, which read their parent's value.
  EXPECT_EQ(t.Find("process.name")->ignore_above, 1024u);
  EXPECT_EQ(TypeOf(t, "process.name.text"), "text/match_only_text");
  EXPECT_EQ(t.Find("process.name.text")->source_path, "process.name");
  EXPECT_EQ(t.Find("process.command_line.text")->source_path, "process.command_line");
  // An alias reads its target's value, with its target's type.
  EXPECT_EQ(TypeOf(t, "process.title"), "keyword/keyword");
  EXPECT_EQ(t.Find("process.title")->source_path, "process.name");
  // Flattened: every leaf below is a keyword, with the field's ignore_above.
  EXPECT_EQ(TypeOf(t, "labels"), "object/flattened");
  EXPECT_EQ(TypeOf(t, "labels.env"), "keyword/flattened");
  EXPECT_EQ(TypeOf(t, "labels.team.owner"), "keyword/flattened");
  EXPECT_EQ(t.Find("labels.env")->ignore_above, 256u);
}

TEST(EsMapping, DynamicAndEnabled) {
  Loaded l = Load("get_mapping_two_indices.json");
  ASSERT_TRUE(l.ok) << l.error;
  const FieldTypes& t = l.types;
  EXPECT_EQ(t.DynamicAt("anything"), DynamicMapping::kTrue);
  EXPECT_TRUE(t.Indexed("anything"));
  EXPECT_EQ(t.DynamicAt("app.unmapped"), DynamicMapping::kFalse);
  EXPECT_FALSE(t.Indexed("app.unmapped"));
  EXPECT_TRUE(t.Indexed("app.user"));
  EXPECT_TRUE(t.Indexed("app.region"));                          // mapped by the second index
  EXPECT_EQ(t.DynamicAt("app.extra.x"), DynamicMapping::kTrue);  // its own setting
  EXPECT_EQ(t.DynamicAt("raw.anything.deeper"), DynamicMapping::kDisabled);
  EXPECT_FALSE(t.Indexed("raw.anything.deeper"));
}

TEST(EsMapping, WarningsForWhatPicketDoesNotModel) {
  Loaded l = Load("get_mapping_two_indices.json");
  ASSERT_TRUE(l.ok) << l.error;
  // The two indices disagree: the first wins, with a warning.
  EXPECT_TRUE(Warned(l,
                     "app.score is float in .ds-logs-app.events-default-2026.03.01-000001 "
                     "but long in .ds-logs-app.events-default-2026.03.08-000002"));
  EXPECT_EQ(TypeOf(l.types, "app.score"), "double/float");
  EXPECT_TRUE(Warned(l, "unknown Elasticsearch type \"shiny_new_type\"; weird matches as keyword"));
  EXPECT_TRUE(Warned(l, "picket does not model dense_vector fields"));
  EXPECT_TRUE(Warned(l, "picket does not model geo_point fields"));
  EXPECT_TRUE(Warned(l, "normalizer is not modelled (app.user)"));
  EXPECT_EQ(TypeOf(l.types, "weird"), "keyword/shiny_new_type");
  // Every warning names the file and, for a field, its JSON path.
  for (const auto& w : l.warnings)
    EXPECT_EQ(w.find(Fixture("get_mapping_two_indices.json")), 0u) << w;
  EXPECT_TRUE(Warned(l,
                     "$[\".ds-logs-app.events-default-2026.03.01-000001\"].mappings.properties."
                     "weird: unknown"));
}

TEST(EsMapping, EveryShapeUsersHave) {
  Loaded bare = Load("bare_properties.json");
  ASSERT_TRUE(bare.ok) << bare.error;
  EXPECT_EQ(TypeOf(bare.types, "source.ip"), "keyword/keyword");
  EXPECT_EQ(TypeOf(bare.types, "http.response.status_code"), "long/short");
  EXPECT_EQ(TypeOf(bare.types, "user.name.text"), "text/text");

  Loaded create = Load("create_index_body.json");
  ASSERT_TRUE(create.ok) << create.error;
  EXPECT_EQ(TypeOf(create.types, "host.ip"), "ip/ip");
  EXPECT_EQ(create.types.DynamicAt("other"), DynamicMapping::kStrict);

  Loaded body = Load("index_template_body.json");
  ASSERT_TRUE(body.ok) << body.error;
  EXPECT_EQ(TypeOf(body.types, "destination.ip"), "ip/ip");
  EXPECT_EQ(TypeOf(body.types, "file.path.text"), "text/match_only_text");

  Loaded index_templates = Load("get_index_template.json");
  ASSERT_TRUE(index_templates.ok) << index_templates.error;
  EXPECT_EQ(index_templates.stats.mappings, 2u);
  EXPECT_EQ(TypeOf(index_templates.types, "rule.id"), "keyword/keyword");
  EXPECT_EQ(TypeOf(index_templates.types, "network.bytes"), "long/long");
  EXPECT_TRUE(Warned(index_templates,
                     "network.bytes is long in logs-app.events but keyword in "
                     "logs-other"));

  Loaded components = Load("get_component_template.json");
  ASSERT_TRUE(components.ok) << components.error;
  EXPECT_EQ(TypeOf(components.types, "app.latency_ms"), "double/double");
  EXPECT_FALSE(components.types.Indexed("unmapped.field"));  // dynamic: false at the root

  Loaded legacy = Load("legacy_typed_mapping.json");
  ASSERT_TRUE(legacy.ok) << legacy.error;
  EXPECT_EQ(TypeOf(legacy.types, "source_ip"), "ip/ip");
}

TEST(EsMapping, MappingOverridesTheBuiltInTable) {
  FieldTypes types(*FieldTypes::BuiltIn());
  EXPECT_EQ(TypeOf(types, "source.ip"), "ip/ip");
  std::vector<std::string> warnings;
  std::string error;
  ASSERT_TRUE(LoadEsMappingFile(Fixture("bare_properties.json"), &types, &warnings, &error));
  EXPECT_EQ(TypeOf(types, "source.ip"), "keyword/keyword");
  EXPECT_EQ(TypeOf(types, "process.name"), "keyword/keyword");  // untouched ECS field

  // Under an object that maps no new fields (here the root, dynamic: false),
  // the mapping is the whole truth: built-in fields it does not list are not
  // indexed.
  FieldTypes closed(*FieldTypes::BuiltIn());
  ASSERT_TRUE(
      LoadEsMappingFile(Fixture("get_component_template.json"), &closed, &warnings, &error));
  EXPECT_EQ(closed.Find("process.name"), nullptr);
  EXPECT_FALSE(closed.Indexed("process.name"));
  EXPECT_TRUE(closed.Indexed("app.tenant"));
  EXPECT_EQ(TypeOf(closed, "app.latency_ms"), "double/double");
}

TEST(EsMapping, ErrorsNameTheJsonPath) {
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {R"({"properties": {"a": {"type": 5}}})", "m.json: $.properties.a.type: expected a string"},
      {R"({"properties": {"a": "keyword"}})",
       "m.json: $.properties.a: expected an object (the field's mapping)"},
      {R"({"idx": {"mappings": {"properties": {"a": {"type": "keyword", "ignore_above": "x"}}}}})",
       "m.json: $.idx.mappings.properties.a.ignore_above: expected a non-negative integer"},
      {R"({"properties": {"a": {"type": "alias"}}})",
       "m.json: $.properties.a.path: an alias needs \"path\""},
      {R"({"properties": {"a": {"type": "alias", "path": "b"}}})",
       "m.json: $.properties.a.path: alias a points to b, which this mapping does not map"},
      {R"({"properties": {"a": {"dynamic": "maybe"}}})",
       "m.json: $.properties.a.dynamic: expected true, false, \"strict\" or \"runtime\""},
      {R"({"properties": {"a": {"type": "keyword", "fields": {"t": {"analyzer": "x"}}}}})",
       "m.json: $.properties.a.fields.t.type: expected the field's type"},
      {R"({"settings": {}})", "m.json: $: no mapping here"},
      {R"({"index_templates": [{"name": "t"}]})",
       "m.json: $.index_templates[0]: expected a member \"index_template\""},
      {R"({"my-index": {"mappings": {"properties": {"a.b": {"type": 1}}}}})",
       "m.json: $[\"my-index\"].mappings.properties[\"a.b\"].type: expected a string"},
      {"{\n  \"properties\": {\n    \"a\": {\"type\": \"keyword\"}\n    \"b\": {}\n  }\n}",
       "m.json:4:5: not JSON: expected ',' or '}'"},
      {"[1, 2]", "m.json: $: expected an object"},
  };
  for (const auto& c : cases) {
    Loaded l = LoadText(c.text);
    EXPECT_FALSE(l.ok) << c.text;
    EXPECT_EQ(l.error.substr(0, std::string(c.error).size()), c.error) << c.text;
  }
}

TEST(JsonSyntax, LocatesTheFirstError) {
  EXPECT_FALSE(FindJsonSyntaxError(R"({"a": [1, 2.5e-3, true, null, "x\u00e9"], "b": {}})"));
  EXPECT_FALSE(FindJsonSyntaxError(" [] "));
  auto e = FindJsonSyntaxError("{\"a\": 01}");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->column, 8u);
  e = FindJsonSyntaxError("{\"a\": [1,]}");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message, "expected a value");
  EXPECT_EQ(e->column, 10u);
  e = FindJsonSyntaxError("{\"a\": \"x\n\"}");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message, "control character in a string");
  e = FindJsonSyntaxError("{} x");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message, "unexpected text after the end of the document");
  e = FindJsonSyntaxError(std::string(2000, '['), 1024);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message, "nested deeper than the limit");
  e = FindJsonSyntaxError("{\"a\" 1}");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message, "expected ':'");
}

}  // namespace
}  // namespace picket::event
