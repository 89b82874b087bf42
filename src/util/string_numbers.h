// A set of strings numbered 0, 1, 2... in order of insertion, built once and
// then asked per event whether a string is in it, and under which number.
//
// It is the rule index's table of known field values and a field matcher's
// set of exact terms: small (tens to thousands of strings), read far more
// often than written, and mostly asked about strings it does not hold. One
// 64-bit hash (XXH3, inlined) and an open-addressed table of (hash, length,
// number) slots answer most misses without touching a string; a hit costs
// one comparison of the bytes.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace picket {

class StringNumbers {
 public:
  static constexpr uint32_t kNotFound = UINT32_MAX;

  StringNumbers();

  // The number of `s`: its existing one, else the next free one.
  uint32_t Insert(std::string_view s);
  // The number of `s`, or kNotFound.
  uint32_t Find(std::string_view s) const;
  bool Contains(std::string_view s) const { return Find(s) != kNotFound; }

  size_t size() const { return strings_.size(); }
  bool empty() const { return strings_.empty(); }
  // The string with number `n` (< size()).
  const std::string& at(uint32_t n) const { return strings_[n]; }
  void clear();

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t size = 0;
    uint32_t number = kNotFound;  // kNotFound: empty
  };
  static uint64_t Hash(std::string_view s);
  void Grow();

  std::vector<Slot> slots_;  // a power of two, at most half full
  uint64_t mask_ = 0;
  std::vector<std::string> strings_;
};

}  // namespace picket
