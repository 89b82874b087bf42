// event.ingested on arrival (issue 13 item 1): the format Fleet's final
// pipeline stores, added only where the event has none, without changing
// the bytes the alert id derives from.
#include "serve/arrival_time.h"

#include <gtest/gtest.h>

namespace picket::serve {
namespace {

TEST(ArrivalTime, StampIsSecondsUtcLikeFleet) {
  EXPECT_EQ(IngestedStamp(1772460313482), "2026-03-02T14:05:13Z");
  EXPECT_EQ(IngestedStamp(1772460313000), "2026-03-02T14:05:13Z");
  EXPECT_EQ(IngestedStamp(0), "1970-01-01T00:00:00Z");
}

TEST(ArrivalTime, AddedAsTheLastKey) {
  std::string out;
  ASSERT_TRUE(AddIngested(R"({"a":1})", "T", &out));
  EXPECT_EQ(out, R"({"a":1,"event.ingested":"T"})");
  ASSERT_TRUE(AddIngested("  { }  \r", "T", &out));
  EXPECT_EQ(out, R"(  { "event.ingested":"T"})");
  ASSERT_TRUE(AddIngested(R"({"event":{"id":"x"}} )", "T", &out));
  EXPECT_EQ(out, R"({"event":{"id":"x"},"event.ingested":"T"})");
  EXPECT_FALSE(AddIngested("[1]", "T", &out));
  EXPECT_FALSE(AddIngested(R"({"a":1)", "T", &out));
  EXPECT_FALSE(AddIngested("", "T", &out));
}

TEST(ArrivalTime, OnlyWhereTheEventHasNone) {
  simdjson::dom::parser parser;
  auto needs = [&](const char* json) { return NeedsIngested(parser.parse(std::string(json))); };
  EXPECT_TRUE(needs(R"({"event":{"id":"x"}})"));
  EXPECT_TRUE(needs(R"({"a":1})"));
  EXPECT_TRUE(needs(R"({"event":{"ingested":null}})"));
  EXPECT_FALSE(needs(R"({"event":{"ingested":"2026-03-02T14:05:13Z"}})"));
  EXPECT_FALSE(needs(R"({"event.ingested":1772460313000})"));
  EXPECT_FALSE(needs(R"({"event":"not an object"})"));  // a dotted key would contradict it
  EXPECT_TRUE(MayLackIngested(R"({"event":{"id":"x"}})"));
  EXPECT_FALSE(MayLackIngested(R"({"note":"ingested twice"})"));
}

}  // namespace
}  // namespace picket::serve
