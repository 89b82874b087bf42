#include "util/wildcard.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace picket {
namespace {

// Reference: dynamic programming over (piece, star) tokens, obviously right
// and slow.
bool ReferenceMatch(const std::vector<std::string>& pieces, std::string_view text) {
  std::string pattern;  // '\1' stands for a star (texts here never hold it)
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (i) pattern += '\1';
    pattern += pieces[i];
  }
  std::vector<std::vector<char>> ok(pattern.size() + 1, std::vector<char>(text.size() + 1, 0));
  ok[0][0] = 1;
  for (size_t p = 1; p <= pattern.size(); ++p) {
    for (size_t t = 0; t <= text.size(); ++t) {
      if (pattern[p - 1] == '\1')
        ok[p][t] = ok[p - 1][t] || (t > 0 && ok[p][t - 1]);
      else
        ok[p][t] = t > 0 && ok[p - 1][t - 1] && pattern[p - 1] == text[t - 1];
    }
  }
  return ok[pattern.size()][text.size()];
}

// Short texts (the first-byte search) and long ones (over 256 bytes: memmem),
// over a small alphabet so that pieces occur, overlap and nearly occur.
TEST(WildcardPattern, AgreesWithAReferenceMatcher) {
  std::mt19937 rng(5);
  auto word = [&](size_t max) {
    std::string s;
    size_t n = rng() % (max + 1);
    for (size_t i = 0; i < n; ++i) s.push_back("aab/"[rng() % 4]);
    return s;
  };
  for (int round = 0; round < 3000; ++round) {
    std::vector<std::string> pieces;
    size_t count = 1 + rng() % 4;
    for (size_t i = 0; i < count; ++i) pieces.push_back(word(4));
    WildcardPattern pattern(pieces);
    std::string text = word(round % 10 == 0 ? 600 : 12);
    EXPECT_EQ(pattern.Matches(text), ReferenceMatch(pieces, text))
        << pattern.ToString() << " on '" << text << "'";
  }
}

}  // namespace
}  // namespace picket
