// _bulk body parsing and the Elasticsearch-shaped answers.
#include "serve/bulk_request.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "serve/auth.h"
#include "serve/es_responses.h"

namespace picket::serve {
namespace {

TEST(BulkRequest, PairsActionsWithSources) {
  std::vector<BulkItem> items;
  BulkParseError error;
  std::string body =
      "{\"create\":{\"_index\":\"logs-a\",\"_id\":\"x1\"}}\n{\"a\":1}\r\n"
      "\n{\"index\":{}}\n{\"b\":2}";  // blank line skipped, no final newline
  ASSERT_TRUE(ParseBulkBody(body, "path-index", &items, &error)) << error.reason;
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].op, BulkOp::kCreate);
  EXPECT_EQ(items[0].index, "logs-a");
  EXPECT_EQ(items[0].id, "x1");
  EXPECT_EQ(items[0].source, "{\"a\":1}");
  EXPECT_EQ(items[0].status, 0);
  EXPECT_EQ(items[1].index, "path-index");  // from POST /{index}/_bulk
  EXPECT_EQ(items[1].source, "{\"b\":2}");
}

TEST(BulkRequest, PerItemOutcomes) {
  std::vector<BulkItem> items;
  BulkParseError error;
  std::string body =
      "{\"delete\":{\"_index\":\"a\",\"_id\":\"1\"}}\n"
      "{\"update\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{\"doc\":{}}\n"
      "{\"index\":{}}\n{\"a\":1}\n";
  ASSERT_TRUE(ParseBulkBody(body, "", &items, &error));
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].status, 404);
  EXPECT_EQ(items[1].status, 400);
  EXPECT_EQ(items[2].status, 400);
  EXPECT_EQ(items[2].error_type, "action_request_validation_exception");
}

TEST(BulkRequest, BrokenFramingFailsTheRequest) {
  std::vector<BulkItem> items;
  BulkParseError error;
  EXPECT_FALSE(ParseBulkBody("not json\n", "", &items, &error));
  EXPECT_EQ(error.status, 400);
  EXPECT_NE(error.reason.find("line [1]"), std::string::npos);
  items.clear();
  EXPECT_FALSE(ParseBulkBody("{\"upsert\":{}}\n{}\n", "i", &items, &error));
  EXPECT_NE(error.reason.find("[upsert]"), std::string::npos);
  items.clear();
  EXPECT_FALSE(ParseBulkBody("{\"index\":{}}\n", "i", &items, &error));  // no source
  items.clear();
  EXPECT_FALSE(ParseBulkBody("{\"index\":{\"_index\":3}}\n{}\n", "", &items, &error));
  items.clear();
  EXPECT_FALSE(ParseBulkBody("\n\n", "i", &items, &error));  // nothing at all
}

// What a JSON parser makes of an action line, to compare with ParseBulkBody
// (which reads plain action lines without one): ok, op, index, id.
struct Expected {
  bool ok = false;
  std::string op, index, id;
};

Expected ReferenceAction(const std::string& line) {
  Expected e;
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(line).get_object().get(object) != simdjson::SUCCESS || object.size() != 1)
    return e;
  auto field = *object.begin();
  e.op = std::string(field.key);
  if (e.op != "create" && e.op != "index" && e.op != "delete" && e.op != "update") return e;
  simdjson::dom::object meta;
  if (field.value.get_object().get(meta) != simdjson::SUCCESS) return e;
  e.index = "dflt";
  for (auto m : meta) {
    if (m.key != "_index" && m.key != "_id") continue;
    std::string_view text;
    if (m.value.get_string().get(text) != simdjson::SUCCESS) return e;
    (m.key == "_index" ? e.index : e.id) = std::string(text);
  }
  e.ok = true;
  return e;
}

// The plain action line fast path agrees with a JSON parser on crafted and
// randomly mutated lines: same verdict, same action, index and id.
TEST(BulkRequest, PlainActionLinesReadAsAJsonParserReadsThem) {
  std::vector<std::string> lines = {
      R"({"create":{"_index":"logs-a","_id":"x"}})",
      R"({"index":{}})",
      R"( { "create" : { "_index" : "a" , "_id" : "b" } } )",
      R"({"create":{"_index":"a\"b"}})",
      R"({"create":{"_index":"a\u0041"}})",
      R"({"create":{"_index":"a","_index":"b"}})",
      R"({"create":{"_index":"a","_version":1}})",
      R"({"create":{"_index":"a","pipeline":"p","require_alias":true}})",
      R"({"create":{"_index":"a"}} x)",
      R"({"create":{"_index":"a"}})"
      "\t",
      R"({"create":{"_index":"a"},"index":{}})",
      R"({"create":{"_index":5}})",
      R"({"create":"x"})",
      R"({"explode":{}})",
      R"({"create":{"_index":"a",}})",
      R"({"create":{"_index":"a"})",
      R"({"create":{"_id":""}})",
      R"({"delete":{"_index":"a","_id":"1"}})",
  };
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state >> 33);
  };
  const std::string alphabet = "{}\":, \\ax_\t1";
  for (int i = 0; i < 20000; ++i) {
    std::string line = lines[next() % 3];
    for (int edits = 1 + next() % 3; edits > 0; --edits) {
      size_t at = next() % (line.size() + 1);
      switch (next() % 3) {
        case 0:
          line.insert(at, 1, alphabet[next() % alphabet.size()]);
          break;
        case 1:
          if (at < line.size()) line.erase(at, 1);
          break;
        default:
          if (at < line.size()) line[at] = alphabet[next() % alphabet.size()];
      }
    }
    lines.push_back(line);
  }
  for (const std::string& line : lines) {
    if (line.find('\n') != std::string::npos) continue;
    std::vector<BulkItem> items;
    BulkParseError error;
    Expected want = ReferenceAction(line);
    // delete has no source line.
    bool ok = ParseBulkBody(line + (want.op == "delete" ? "\n" : "\n{}\n"), "dflt", &items, &error);
    bool blank = line.find_first_not_of(" \t\r") == std::string::npos;
    if (blank) continue;  // skipped as a blank line (then "{}" is the action)
    ASSERT_EQ(ok, want.ok) << line << " -> " << error.reason;
    if (!ok) continue;
    ASSERT_FALSE(items.empty()) << line;
    EXPECT_EQ(std::string(BulkOpName(items[0].op)), want.op) << line;
    EXPECT_EQ(items[0].index, want.index) << line;
    EXPECT_EQ(items[0].id, want.id) << line;
  }
}

TEST(EsResponses, BulkResponseMarksErrors) {
  std::vector<BulkItem> items(2);
  items[0].op = BulkOp::kCreate;
  items[0].index = "i";
  items[0].status = 201;
  items[1].index = "i";
  items[1].status = 400;
  items[1].error_type = "document_parsing_exception";
  items[1].error_reason = "bad \"json\"";
  std::string body = BulkResponseBody(5, items, {"a", "b"});
  EXPECT_NE(body.find("\"errors\":true"), std::string::npos);
  EXPECT_NE(body.find("{\"create\":{\"_index\":\"i\",\"_id\":\"a\""), std::string::npos);
  EXPECT_NE(body.find("\"reason\":\"bad \\\"json\\\"\""), std::string::npos);
  items.pop_back();
  EXPECT_NE(BulkResponseBody(5, items, {"a"}).find("\"errors\":false"), std::string::npos);
}

TEST(EsResponses, ErrorBodyShape) {
  EXPECT_EQ(ErrorBody(429, "es_rejected_execution_exception", "full"),
            "{\"error\":{\"root_cause\":[{\"type\":\"es_rejected_execution_exception\","
            "\"reason\":\"full\"}],\"type\":\"es_rejected_execution_exception\","
            "\"reason\":\"full\"},\"status\":429}");
}

TEST(Auth, ApiKeyAndBasic) {
  Authenticator none;
  EXPECT_TRUE(none.Allows(""));
  Authenticator auth;
  std::string error;
  EXPECT_FALSE(auth.SetApiKey("nocolon", &error));
  ASSERT_TRUE(auth.SetApiKey("id1:secret", &error));
  ASSERT_TRUE(auth.SetBasic("elastic:changeme", &error));
  EXPECT_TRUE(auth.Allows("ApiKey aWQxOnNlY3JldA=="));         // id1:secret
  EXPECT_TRUE(auth.Allows("Basic ZWxhc3RpYzpjaGFuZ2VtZQ=="));  // elastic:changeme
  EXPECT_FALSE(auth.Allows("ApiKey aWQxOnNlY3JldB=="));
  EXPECT_FALSE(auth.Allows("Basic ZWxhc3RpYzp3cm9uZw=="));
  EXPECT_FALSE(auth.Allows(""));
  EXPECT_FALSE(auth.Allows("Bearer x"));
}

}  // namespace
}  // namespace picket::serve
