// Compiling long value lists is linear (issue 16 item 15: merging each
// alternative re-indexed the whole list, 13.8 s at 20k terms). The work is
// counted (CompileResult::predicates_placed), not timed: re-indexing per
// merged alternative would place about N^2/2 predicates.
#include <gtest/gtest.h>

#include <string>

#include "kql_test_helpers.h"

namespace picket::kql {
namespace {

constexpr int kTerms = 20000;

std::string ValueList(const std::string& field, int n, const std::string& prefix,
                      const std::string& suffix = "") {
  std::string q = field + ":(";
  for (int i = 0; i < n; ++i) q += (i ? " or " : "") + prefix + std::to_string(i) + suffix;
  return q + ")";
}

std::string FieldChain(const std::string& field, int n) {
  std::string q;
  for (int i = 0; i < n; ++i) q += (i ? " or " : "") + field + ":v" + std::to_string(i);
  return q;
}

bool Matches(const CompileResult& compiled, const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  return compiled.matcher->Matches(parser.parse(padded).value());
}

CompileResult CompileText(const std::string& query) {
  auto parsed = Parse(query);
  EXPECT_TRUE(parsed.ok());
  return Compile(*parsed.root, *event::FieldTypes::BuiltIn());
}

TEST(CompileScaling, ValueListIsLinear) {
  auto compiled = CompileText(ValueList("process.name", kTerms, "v"));
  // One predicate per value built, moved once into the first matcher, and
  // indexed once.
  EXPECT_LE(compiled.predicates_placed, 3u * kTerms);
  EXPECT_GE(compiled.predicates_placed, static_cast<size_t>(kTerms));
  EXPECT_TRUE(Matches(compiled, R"({"process":{"name":"v0"}})"));
  EXPECT_TRUE(Matches(compiled, R"({"process":{"name":"v19999"}})"));
  EXPECT_FALSE(Matches(compiled, R"({"process":{"name":"v20000"}})"));
}

TEST(CompileScaling, WildcardListAndFieldChainAreLinear) {
  auto prefixes =
      CompileText(ValueList("process.name", kTerms, "p", "x*") + " and event.kind:event");
  EXPECT_LE(prefixes.predicates_placed, 3u * kTerms + 3);
  EXPECT_TRUE(Matches(prefixes, R"({"process":{"name":"p123xyz"},"event":{"kind":"event"}})"));
  EXPECT_FALSE(Matches(prefixes, R"({"process":{"name":"p123yz"},"event":{"kind":"event"}})"));

  auto chain = CompileText(FieldChain("process.name", kTerms));
  EXPECT_LE(chain.predicates_placed, 3u * kTerms);
  EXPECT_TRUE(Matches(chain, R"({"process":{"name":"v777"}})"));
  EXPECT_FALSE(Matches(chain, R"({"process":{"name":"x"}})"));
}

TEST(CompileScaling, AlternativesOfDifferentViewsStaySeparate) {
  // `f:*` counts an object value, `f:x` does not: the two cannot share one
  // matcher, whatever their order, and the result is their `or`.
  auto compiled = CompileText("a:x or a:* or a:y or a:*");
  EXPECT_TRUE(Matches(compiled, R"({"a":{"b":1}})"));
  EXPECT_TRUE(Matches(compiled, R"({"a":"y"})"));
  EXPECT_FALSE(Matches(compiled, R"({"b":"y"})"));
  auto values = CompileText("a:x or a:y");
  EXPECT_FALSE(Matches(values, R"({"a":{"b":1}})"));
  EXPECT_TRUE(Matches(values, R"({"a":"y"})"));
}

TEST(CompileScaling, NecessaryTermsOfLongChainsAreTheDistinctValues) {
  auto parsed = Parse(FieldChain("process.name", kTerms) + " or process.name:v5");
  ASSERT_TRUE(parsed.ok());
  auto terms = NecessaryTerms(*parsed.root, *event::FieldTypes::BuiltIn());
  ASSERT_EQ(terms.size(), 1u);
  EXPECT_EQ(terms[0].field, "process.name");
  EXPECT_EQ(terms[0].values.size(), static_cast<size_t>(kTerms));
  EXPECT_EQ(terms[0].values.back(), "v19999");
}

}  // namespace
}  // namespace picket::kql
