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
  EXPECT_TRUE(std::regex_match(a, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << a;
}

TEST(AlertUuid, SameInputSameId) {
  std::string identity = EventIdentity("logs-x", "", "", R"({"a":1})");
  EXPECT_EQ(AlertUuid("r", identity, {"h", "p"}), AlertUuid("r", identity, {"h", "p"}));
  EXPECT_EQ(AlertUuid("r", identity, {}).size(), 32u);
}

TEST(AlertUuid, EveryInputChangesTheId) {
  std::string identity = EventIdentity("logs-x", "", "", R"({"a":1})");
  std::string base = AlertUuid("r", identity, {"h", "p"});
  EXPECT_NE(base, AlertUuid("r2", identity, {"h", "p"}));
  EXPECT_NE(base, AlertUuid("r", identity, {"h", "q"}));
  EXPECT_NE(base, AlertUuid("r", identity, {"hp"}));
  EXPECT_NE(base, AlertUuid("r", EventIdentity("logs-y", "", "", R"({"a":1})"), {"h", "p"}));
  EXPECT_NE(base, AlertUuid("r", EventIdentity("logs-x", "", "", R"({"a":2})"), {"h", "p"}));
}

TEST(EventIdentity, PrefersDocIdThenEventId) {
  // With an _id, the bytes do not matter (a re-sent copy is the same event).
  EXPECT_EQ(EventIdentity("i", "doc1", "", "{\"a\":1}"), EventIdentity("i", "doc1", "", "{\"a\": 1}"));
  EXPECT_EQ(EventIdentity("i", "", "ev1", "{\"a\":1}"), EventIdentity("i", "", "ev1", "{\"b\":2}"));
  EXPECT_NE(EventIdentity("i", "", "ev1", "{}"), EventIdentity("i", "", "ev2", "{}"));
  EXPECT_NE(EventIdentity("i", "x", "", "{}"), EventIdentity("i", "", "x", "{}"));
  EXPECT_EQ(SourceDocumentId("d", "e", "{}"), "d");
  EXPECT_EQ(SourceDocumentId("", "e", "{}"), "e");
  EXPECT_EQ(SourceDocumentId("", "", "{}").rfind("raw:", 0), 0u);
}

}  // namespace
}  // namespace picket::engine
