// _bulk body parsing and the Elasticsearch-shaped answers.
#include "serve/bulk_request.h"

#include <gtest/gtest.h>

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
