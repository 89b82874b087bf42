// The 66 evaluator vectors of the detection-rules KQL library
// (shared/research/kql_and_rules.md §3.1), run against a mapping that gives
// each test field the type Elasticsearch would have for it. Every vector
// agrees with Elasticsearch under that mapping; where the library and
// Elasticsearch differ without a mapping, DynamicMapping below says which
// and why.
#include <gtest/gtest.h>

#include "kql/kql_test_helpers.h"

namespace picket::kql {
namespace {

using testing::Eval;
using testing::Types;

const char* kDocument =
    R"({"number": 1, "boolean": true, "ip": "192.168.16.3", "string": "hello world",
        "string_list": ["hello world", "example"], "number_list": [1, 2, 3],
        "boolean_list": [true, false], "structured": [{"a": [{"b": 1}]}]})";
const char* kNested =
    R"({"deltas": [{"action": "ADD", "role": "roles/target"},
                   {"action": "REMOVE", "role": "roles/other"}]})";

struct Vector {
  const char* query;
  bool nested_doc;
  bool expected;
};

const Vector kVectors[] = {
    {"number:1", false, true},
    {"number:\"1\"", false, true},
    {"boolean:true", false, true},
    {"string:\"hello world\"", false, true},
    {"number:0", false, false},
    {"boolean:false", false, false},
    {"string:\"missing\"", false, false},
    {"number_list:1", false, true},
    {"number_list:2", false, true},
    {"number_list:3", false, true},
    {"boolean_list:true", false, true},
    {"boolean_list:false", false, true},
    {"string_list:\"hello world\"", false, true},
    {"string_list:example", false, true},
    {"number_list:4", false, false},
    {"string_list:\"missing\"", false, false},
    {"number_list:(1 and 2)", false, true},
    {"boolean_list:(false and true)", false, true},
    {"string:(\"missing\" and \"hello world\")", false, false},
    {"number:(0 and 1)", false, false},
    {"boolean:(false and true)", false, false},
    {"number_list:1", false, true},
    {"not number_list:1", false, false},
    {"number_list:(not 1)", false, false},
    {"number:(0 or 1)", false, true},
    {"number:(1 or 2)", false, true},
    {"boolean:(false or true)", false, true},
    {"string:(\"missing\" or \"hello world\")", false, true},
    {"number:(0 or 3)", false, false},
    {"\"hello world\"", false, true},
    {"example", false, true},
    {"hello*", false, true},
    {"1", false, true},
    {"not \"missing\"", false, true},
    {"\"missing\"", false, false},
    {"goodbye*", false, false},
    {"\"hello world\" and \"missing\"", false, false},
    {"\"missing\" or number:1", false, true},
    {"number:1 and boolean:true", false, true},
    {"number:1 and boolean:false", false, false},
    {"number:1 or boolean:false", false, true},
    {"number:0 or boolean:false", false, false},
    {"number < 2", false, true},
    {"number > 2", false, false},
    {"ip:192.168.0.0/16", false, true},
    {"ip:10.0.0.0/8", false, false},
    {"string:'*'", false, false},
    {"string:'?'", false, false},
    {"string:hello*", false, true},
    {"string:*world", false, true},
    {"string:foobar*", false, false},
    {"number:*", false, true},
    {"boolean:*", false, true},
    {"ip:*", false, true},
    {"string:*", false, true},
    {"string_list:*", false, true},
    {"number_list:*", false, true},
    {"boolean_list:*", false, true},
    {"a:*", false, false},
    {"structured.a.b:*", false, true},
    {"structured.a.b:1", false, true},
    {"structured.a.b:2", false, false},
    {"structured:{ a:{ b:1 } }", false, true},
    {"structured:{ a:{ b:2 } }", false, false},
    {"deltas:{ action:ADD and role:\"roles/target\" }", true, true},
    {"deltas:{ action:ADD and role:\"roles/other\" }", true, false},
};

event::FieldTypes EsMapping() {
  return Types({{"number", "long"},
                {"boolean", "boolean"},
                {"ip", "ip"},
                {"string", "keyword"},
                {"string_list", "keyword"},
                {"number_list", "long"},
                {"boolean_list", "boolean"},
                {"structured", "nested"},
                {"structured.a", "nested"},
                {"structured.a.b", "long"},
                {"deltas", "nested"},
                {"deltas.action", "keyword"},
                {"deltas.role", "keyword"}});
}

TEST(EvaluatorConformance, AllVectorsWithElasticsearchMapping) {
  auto types = EsMapping();
  ASSERT_EQ(sizeof(kVectors) / sizeof(kVectors[0]), 66u);
  for (const auto& v : kVectors) {
    EXPECT_EQ(Eval(v.query, v.nested_doc ? kNested : kDocument, types), v.expected ? 1 : 0)
        << v.query;
  }
}

// Without a mapping picket types each value by its JSON type, as
// Elasticsearch's dynamic mapping does. The one vector that then differs is
// CIDR on a string: the library matches CIDR on any string, but a dynamically
// mapped string is keyword/text in Elasticsearch, never ip, so
// `ip:192.168.0.0/16` cannot match there. We follow Elasticsearch.
TEST(EvaluatorConformance, DynamicMapping) {
  event::FieldTypes none;
  for (const auto& v : kVectors) {
    bool expected = v.expected;
    if (std::string(v.query) == "ip:192.168.0.0/16") expected = false;
    EXPECT_EQ(Eval(v.query, v.nested_doc ? kNested : kDocument, none), expected ? 1 : 0) << v.query;
  }
}

}  // namespace
}  // namespace picket::kql
