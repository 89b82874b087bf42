// Deterministic rule and alert identifiers.
#include "engine/alert_id.h"

#include <gtest/gtest.h>

#include <regex>

namespace picket::engine {
namespace {

TEST(RuleUuid, DeterministicAndWellFormed) {
  std::string a = RuleUuid("03b150d9-9280-4eb8-9906-38cfb6184666");
  EXPECT_EQ(a, RuleUuid("03b150d9-9280-4eb8-9906-38cfb6184666"));
  EXPECT_NE(a, RuleUuid("92a36c98-b24a-4bf7-aac7-1eac71fa39cf"));
  EXPECT_TRUE(std::regex_match(
      a, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << a;
}

TEST(AlertUuid, SameInputSameId) {
  std::string identity = EventIdentity("logs-x", "", R"({"a":1})");
  EXPECT_EQ(AlertUuid("r", identity, {"h", "p"}), AlertUuid("r", identity, {"h", "p"}));
  EXPECT_EQ(AlertUuid("r", identity, {}).size(), 32u);
}

TEST(AlertUuid, EveryInputChangesTheId) {
  std::string identity = EventIdentity("logs-x", "", R"({"a":1})");
  std::string base = AlertUuid("r", identity, {"h", "p"});
  EXPECT_NE(base, AlertUuid("r2", identity, {"h", "p"}));
  EXPECT_NE(base, AlertUuid("r", identity, {"h", "q"}));
  EXPECT_NE(base, AlertUuid("r", identity, {"hp"}));
  EXPECT_NE(base, AlertUuid("r", EventIdentity("logs-y", "", R"({"a":1})"), {"h", "p"}));
  EXPECT_NE(base, AlertUuid("r", EventIdentity("logs-x", "", R"({"a":2})"), {"h", "p"}));
}

TEST(EventIdentity, DifferentEventsNeverShareOneEvenUnderOneId) {
  // Issue 16 item 10: three different events sent with the same _index/_id
  // got one alert id, and Elasticsearch (create) kept only the first.
  std::string a = EventIdentity("i", "doc1", "{\"a\":1}");
  EXPECT_NE(a, EventIdentity("i", "doc1", "{\"a\":2}"));
  EXPECT_NE(a, EventIdentity("i", "doc1", "{\"a\": 1}"));  // other bytes, other event
  // The same bytes under the same _id (a replay) keep it.
  EXPECT_EQ(a, EventIdentity("i", "doc1", "{\"a\":1}"));
  // The _id and the index still count: the same bytes indexed twice under
  // two ids are two documents.
  EXPECT_NE(a, EventIdentity("i", "doc2", "{\"a\":1}"));
  EXPECT_NE(a, EventIdentity("j", "doc1", "{\"a\":1}"));
  EXPECT_NE(EventIdentity("i", "", "{}"), EventIdentity("i", "{}", ""));  // length-prefixed
}

TEST(EventIdentity, EventIdDoesNotMakeTwoEventsOne) {
  // event.id is not an identity either: two different lines with the same
  // event.id are two events.
  std::string one = R"({"event":{"id":"ev1"},"x":1})";
  std::string two = R"({"event":{"id":"ev1"},"x":2})";
  EXPECT_NE(AlertUuid("r", EventIdentity("i", "", one), {}),
            AlertUuid("r", EventIdentity("i", "", two), {}));
}

TEST(SourceDocumentId, DocIdThenEventIdThenHash) {
  EXPECT_EQ(SourceDocumentId("d", "e", "{}"), "d");
  EXPECT_EQ(SourceDocumentId("", "e", "{}"), "e");
  EXPECT_EQ(SourceDocumentId("", "", "{}").rfind("raw:", 0), 0u);
}

}  // namespace
}  // namespace picket::engine
