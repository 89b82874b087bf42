#include "kql/keyword_set.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace picket::kql {
namespace {

Predicate Term(std::string text) {
  Predicate p;
  p.kind = Predicate::kKeywordEq;
  p.text = std::move(text);
  return p;
}

Predicate Pattern(std::vector<std::string> pieces) {
  Predicate p;
  p.kind = Predicate::kKeywordWildcard;
  p.pattern = WildcardPattern(std::move(pieces));
  return p;
}

TEST(KeywordSet, TermsPrefixesAndSuffixes) {
  KeywordSet set;
  EXPECT_TRUE(set.Add(Term("bash")));
  EXPECT_TRUE(set.Add(Pattern({"pastebin.", ""})));  // pastebin.*
  EXPECT_TRUE(set.Add(Pattern({"", ".xyz"})));       // *.xyz
  EXPECT_EQ(set.size(), 3u);
  EXPECT_TRUE(set.Matches("bash"));
  EXPECT_FALSE(set.Matches("bash "));
  EXPECT_FALSE(set.Matches("Bash"));  // keyword terms are case-sensitive
  EXPECT_TRUE(set.Matches("pastebin.com"));
  EXPECT_TRUE(set.Matches("pastebin."));  // the star matches nothing too
  EXPECT_FALSE(set.Matches("www.pastebin.com"));
  EXPECT_TRUE(set.Matches("evil.xyz"));
  EXPECT_TRUE(set.Matches(".xyz"));
  EXPECT_FALSE(set.Matches("evil.xyz.com"));
  EXPECT_FALSE(set.Matches(""));
}

TEST(KeywordSet, RefusesWhatItCannotHold) {
  KeywordSet set;
  EXPECT_FALSE(set.Add(Pattern({"", "x", ""})));  // *x*
  EXPECT_FALSE(set.Add(Pattern({"a", "b"})));     // a*b
  EXPECT_FALSE(set.Add(Pattern({"", ""})));       // *
  Predicate range;
  range.kind = Predicate::kKeywordRange;
  EXPECT_FALSE(set.Add(range));
  EXPECT_EQ(set.size(), 0u);
  EXPECT_FALSE(set.Matches("x"));
}

// Against the predicates one by one (WildcardPattern is the reference), with
// few and many terms (the set switches from comparisons to a table).
TEST(KeywordSet, AgreesWithThePredicates) {
  std::mt19937 rng(11);
  auto word = [&](size_t max) {
    std::string s;
    size_t n = rng() % (max + 1);
    for (size_t i = 0; i < n; ++i) s.push_back("ab.c"[rng() % 4]);
    return s;
  };
  for (int round = 0; round < 200; ++round) {
    KeywordSet set;
    std::vector<Predicate> preds;
    size_t count = 1 + rng() % 12;
    for (size_t i = 0; i < count; ++i) {
      switch (rng() % 3) {
        case 0:
          preds.push_back(Term(word(5)));
          break;
        case 1:
          preds.push_back(Pattern({word(4), ""}));
          break;
        default:
          preds.push_back(Pattern({"", word(4)}));
      }
      if (preds.back().kind == Predicate::kKeywordWildcard &&
          preds.back().pattern.pieces()[0].empty() == preds.back().pattern.pieces()[1].empty())
        preds.pop_back();  // "*": not a one-sided pattern
      else
        ASSERT_TRUE(set.Add(preds.back()));
    }
    for (int probe = 0; probe < 50; ++probe) {
      std::string term = word(7);
      bool expected = false;
      for (const Predicate& p : preds)
        expected |= p.kind == Predicate::kKeywordEq ? term == p.text : p.pattern.Matches(term);
      EXPECT_EQ(set.Matches(term), expected) << "term '" << term << "'";
    }
  }
}

}  // namespace
}  // namespace picket::kql
