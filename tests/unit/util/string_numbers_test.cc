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

// Encoded join keys (hunt --eql numbers them with this table): longer than
// 16 bytes (the XXH3 path), one tag, length and prefix, differing only in
// their last bytes, through many growths.
TEST(StringNumbers, LongKeysThatDifferAtTheEnd) {
  StringNumbers numbers;
  auto key = [](int i) {
    std::string k("s\0\0\0\x24", 5);
    k += "80D4CEF5-3F12-5F1F-8404-6EF4C39";
    k += std::to_string(100000 + i).substr(1);  // the last 5 bytes
    return k;
  };
  for (int i = 0; i < 3000; ++i) ASSERT_EQ(numbers.Insert(key(i)), static_cast<uint32_t>(i));
  for (int i = 0; i < 3000; ++i) {
    EXPECT_EQ(numbers.Insert(key(i)), static_cast<uint32_t>(i));  // again: same number
    EXPECT_EQ(numbers.Find(key(i)), static_cast<uint32_t>(i));
    EXPECT_EQ(numbers.at(static_cast<uint32_t>(i)), key(i));
  }
  EXPECT_EQ(numbers.size(), 3000u);
  EXPECT_EQ(numbers.Find(key(3000)), StringNumbers::kNotFound);
  EXPECT_EQ(numbers.Find(key(1).substr(0, 35)), StringNumbers::kNotFound);  // a prefix
}

}  // namespace
}  // namespace picket
