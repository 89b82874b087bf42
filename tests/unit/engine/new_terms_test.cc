// Per-event pieces of new_terms: term values, combinations, keys, event time.
#include "engine/new_terms.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "engine/event_time.h"

namespace picket::engine {
namespace {

using Values = std::vector<std::vector<std::string>>;

class NewTermsTest : public ::testing::Test {
 protected:
  event::Json Parse(const std::string& json) {
    docs_.emplace_back(std::make_unique<simdjson::dom::parser>());
    return docs_.back()->parse(json).value();
  }
  std::vector<std::unique_ptr<simdjson::dom::parser>> docs_;
};

TEST_F(NewTermsTest, ScalarAndArrayValuesPerField) {
  Values v;
  ASSERT_TRUE(CollectTermValues(Parse(R"({"host":{"id":"H1"},"file.path":["/a","/b"]})"),
                                {"host.id", "file.path"}, nullptr, &v));
  EXPECT_EQ(v, (Values{{"H1"}, {"/a", "/b"}}));
}

TEST_F(NewTermsTest, MissingNullAndEmptyArrayGiveNoTerm) {
  Values v;
  std::vector<std::string> fields = {"host.id", "file.path"};
  EXPECT_FALSE(CollectTermValues(Parse(R"({"host":{"id":"H1"}})"), fields, nullptr, &v));
  EXPECT_FALSE(CollectTermValues(Parse(R"({"host":{"id":"H1"},"file":{"path":null}})"), fields,
                                 nullptr, &v));
  EXPECT_FALSE(
      CollectTermValues(Parse(R"({"host":{"id":"H1"},"file":{"path":[]}})"), fields, nullptr, &v));
  EXPECT_FALSE(CollectTermValues(Parse(R"({"host":{"id":"H1"},"file":{"path":[null]}})"), fields,
                                 nullptr, &v));
  // An object is not a term either.
  EXPECT_FALSE(CollectTermValues(Parse(R"({"host":{"id":"H1"},"file":{"path":{"x":1}}})"), fields,
                                 nullptr, &v));
}

TEST_F(NewTermsTest, EmptyStringIsAValue) {
  Values v;
  ASSERT_TRUE(CollectTermValues(Parse(R"({"host":{"id":""}})"), {"host.id"}, nullptr, &v));
  EXPECT_EQ(v, (Values{{""}}));
}

TEST_F(NewTermsTest, NonStringScalarsUseTheirKeywordText) {
  Values v;
  ASSERT_TRUE(CollectTermValues(Parse(R"({"a":42,"b":true,"c":[1.5,null,"x"]})"), {"a", "b", "c"},
                                nullptr, &v));
  EXPECT_EQ(v, (Values{{"42"}, {"true"}, {"1.5", "x"}}));
}

TEST_F(NewTermsTest, DuplicateValuesOfOneFieldCountOnce) {
  Values v;
  ASSERT_TRUE(
      CollectTermValues(Parse(R"({"user":{"name":["u","u","v"]}})"), {"user.name"}, nullptr, &v));
  EXPECT_EQ(v, (Values{{"u", "v"}}));
}

TEST_F(NewTermsTest, ValuesBeyondIgnoreAboveAreNotTerms) {
  event::FieldTypes types;
  std::string error;
  ASSERT_TRUE(types.LoadText("file.path\tkeyword\n", "test", &error)) << error;
  // No ignore_above set: every value is a term.
  Values v;
  ASSERT_TRUE(CollectTermValues(Parse(R"({"file":{"path":"/x"}})"), {"file.path"}, &types, &v));
  EXPECT_EQ(v, (Values{{"/x"}}));
}

TEST(Combinations, CartesianProductInFieldOrder) {
  Values v = {{"h1", "h2"}, {"u1", "u2", "u3"}};
  std::vector<std::vector<std::string>> seen;
  size_t n = ForEachCombination(v, 100, [&](const std::vector<std::string_view>& c) {
    seen.push_back({std::string(c[0]), std::string(c[1])});
  });
  EXPECT_EQ(n, 6u);
  EXPECT_EQ(CombinationCount(v), 6u);
  EXPECT_EQ(
      seen,
      (std::vector<std::vector<std::string>>{
          {"h1", "u1"}, {"h1", "u2"}, {"h1", "u3"}, {"h2", "u1"}, {"h2", "u2"}, {"h2", "u3"}}));
}

TEST(Combinations, LimitStopsEarly) {
  Values v = {{"a", "b", "c"}, {"1", "2", "3"}};
  size_t calls = 0;
  EXPECT_EQ(ForEachCombination(v, 4, [&](const auto&) { ++calls; }), 4u);
  EXPECT_EQ(calls, 4u);
}

TEST(Combinations, EmptyFieldGivesNone) {
  Values v = {{"a"}, {}};
  EXPECT_EQ(ForEachCombination(v, 10, [](const auto&) { FAIL(); }), 0u);
  EXPECT_EQ(CombinationCount(v), 0u);
}

TEST(TermKey, BoundariesAreUnambiguous) {
  std::string k1, k2, k3;
  BuildTermKey("rule", {"a,b"}, &k1);
  BuildTermKey("rule", {"a", "b"}, &k2);
  BuildTermKey("rule2", {"a", "b"}, &k3);
  EXPECT_NE(k1, k2);
  EXPECT_NE(k2, k3);
  std::string again;
  BuildTermKey("rule", {"a", "b"}, &again);
  EXPECT_EQ(k2, again);
}

TEST_F(NewTermsTest, TimeFromOverrideThenTimestamp) {
  auto both = EventTime(
      Parse(R"({"@timestamp":"2026-03-01T10:00:00Z","event":{"ingested":"2026-03-01T10:00:05Z"}})"),
      "event.ingested");
  ASSERT_TRUE(both.time);
  EXPECT_EQ(both.source, TimeSource::kOverride);
  EXPECT_EQ(*both.time, ParseDate("2026-03-01T10:00:05Z")->ms);

  auto fallback = EventTime(Parse(R"({"@timestamp":"2026-03-01T10:00:00Z"})"), "event.ingested");
  ASSERT_TRUE(fallback.time);
  EXPECT_EQ(fallback.source, TimeSource::kTimestamp);
  EXPECT_EQ(*fallback.time, ParseDate("2026-03-01T10:00:00Z")->ms);

  auto no_override = EventTime(
      Parse(R"({"@timestamp":"2026-03-01T10:00:00Z","event":{"ingested":"2026-03-01T10:00:05Z"}})"),
      "");
  EXPECT_EQ(no_override.source, TimeSource::kTimestamp);
}

TEST_F(NewTermsTest, EpochMillisAreDates) {
  auto t = EventTime(Parse(R"({"@timestamp":1772359200000})"), "");
  ASSERT_TRUE(t.time);
  EXPECT_EQ(*t.time, 1772359200000);
}

TEST_F(NewTermsTest, NoUsableTimeIsReportedNotGuessed) {
  auto none = EventTime(Parse(R"({"host":{"id":"H"}})"), "event.ingested");
  EXPECT_FALSE(none.time);
  EXPECT_FALSE(none.problem.empty());
  auto bad = EventTime(Parse(R"({"@timestamp":"yesterday"})"), "");
  EXPECT_FALSE(bad.time);
  EXPECT_NE(bad.problem.find("@timestamp"), std::string::npos);
  // A present but unparsable override does not fall back.
  auto bad_override =
      EventTime(Parse(R"({"@timestamp":"2026-03-01T10:00:00Z","event":{"ingested":"soon"}})"),
                "event.ingested");
  EXPECT_FALSE(bad_override.time);
  EXPECT_NE(bad_override.problem.find("event.ingested"), std::string::npos);
}

}  // namespace
}  // namespace picket::engine
