#include "util/string_numbers.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <unordered_map>

namespace picket {
namespace {

TEST(StringNumbers, NumbersInOrderOfInsertion) {
  StringNumbers numbers;
  EXPECT_TRUE(numbers.empty());
  EXPECT_EQ(numbers.Insert("exec"), 0u);
  EXPECT_EQ(numbers.Insert("start"), 1u);
  EXPECT_EQ(numbers.Insert("exec"), 0u);  // again: same number
  EXPECT_EQ(numbers.Insert(""), 2u);      // the empty string is a value too
  EXPECT_EQ(numbers.size(), 3u);
  EXPECT_EQ(numbers.Find("start"), 1u);
  EXPECT_EQ(numbers.Find(""), 2u);
  EXPECT_EQ(numbers.at(1), "start");
  EXPECT_EQ(numbers.Find("Exec"), StringNumbers::kNotFound);  // case matters
  EXPECT_EQ(numbers.Find("exe"), StringNumbers::kNotFound);
  EXPECT_EQ(numbers.Find(std::string("exec\0", 5)), StringNumbers::kNotFound);
  numbers.clear();
  EXPECT_EQ(numbers.Find("exec"), StringNumbers::kNotFound);
  EXPECT_EQ(numbers.Insert("start"), 0u);
}

// Against a std::unordered_map through many growths, with look-alike strings
// (shared prefixes and suffixes, every length around the 8 and 16 marks).
TEST(StringNumbers, AgreesWithAMap) {
  std::mt19937 rng(7);
  StringNumbers numbers;
  std::unordered_map<std::string, uint32_t> reference;
  auto random_string = [&] {
    std::string s = (rng() % 2) ? "/usr/local/bin/" : "";
    size_t n = rng() % 20;
    for (size_t i = 0; i < n; ++i) s.push_back("ab.\0z"[rng() % 5]);
    return s;
  };
  for (int i = 0; i < 5000; ++i) {
    std::string s = random_string();
    auto [it, added] = reference.try_emplace(s, static_cast<uint32_t>(reference.size()));
    EXPECT_EQ(numbers.Insert(s), it->second);
    std::string probe = random_string();
    auto found = reference.find(probe);
    uint32_t expected = found == reference.end() ? StringNumbers::kNotFound : found->second;
    EXPECT_EQ(numbers.Find(probe), expected) << probe;
    // No collision among these (fixed seed): the approximate lookup agrees.
    EXPECT_EQ(numbers.FindApproximate(probe), expected) << probe;
  }
  EXPECT_EQ(numbers.size(), reference.size());
  for (const auto& [s, n] : reference) {
    EXPECT_EQ(numbers.at(n), s);
    EXPECT_EQ(numbers.FindApproximate(s), n);  // never misses a held string
  }
}

}  // namespace
}  // namespace picket
