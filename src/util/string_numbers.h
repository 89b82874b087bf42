// A set of strings numbered 0, 1, 2... in order of insertion, built once and
// then asked per event whether a string is in it, and under which number.
//
// It is the rule index's table of known field values and a field matcher's
// set of exact terms: small (tens to thousands of strings), read far more
// often than written, and mostly asked about strings it does not hold. Most
// misses are told by length and first byte alone (paths, arguments); then one
// 64-bit hash (XXH3) and an open-addressed table of (hash tag, number) slots
// answer without touching a string; a hit costs one comparison of the bytes.
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
  uint32_t Find(std::string_view s) const {
    if (!MayHold(s)) return kNotFound;
    return FindHashed<true>(s);
  }
  bool Contains(std::string_view s) const { return Find(s) != kNotFound; }
  // Find without comparing the bytes: the number of a held string whose
  // hash has the same low bits (slot) and high 32 bits (tag) as that of `s`.
  // It never misses a held string, and answers for one it does not hold
  // only on a hash collision. For callers that tolerate a rare false match
  // (the rule index: a wrong number only adds a candidate rule, which is
  // then matched in full); it saves a cache miss per hit on the held
  // string's bytes.
  uint32_t FindApproximate(std::string_view s) const {
    if (!MayHold(s)) return kNotFound;
    return FindHashed<false>(s);
  }

  size_t size() const { return strings_.size(); }
  bool empty() const { return strings_.empty(); }
  // The string with number `n` (< size()).
  const std::string& at(uint32_t n) const { return strings_[n]; }
  void clear();

 private:
  // 8 bytes, so that even a table of thousands of strings stays small in
  // cache: the slot index comes from the hash's low bits, the tag is its
  // high 32 bits.
  struct Slot {
    uint32_t tag = 0;
    uint32_t number = kNotFound;  // kNotFound: empty
  };
  // Whether a string of the length and first byte of `s` was inserted.
  bool MayHold(std::string_view s) const {
    if (!(length_mask_ >> (s.size() < 63 ? s.size() : 63) & 1)) return false;
    if (s.empty()) return true;
    unsigned char c = static_cast<unsigned char>(s[0]);
    return first_bytes_[c >> 6] >> (c & 63) & 1;
  }
  template <bool kCompareBytes>
  uint32_t FindHashed(std::string_view s) const;
  static uint64_t Hash(std::string_view s);
  void Grow();

  uint64_t length_mask_ = 0;      // bit min(length, 63) per inserted string
  uint64_t first_bytes_[4] = {};  // bit per first byte of inserted strings

  std::vector<Slot> slots_;  // a power of two, at most half full
  uint64_t mask_ = 0;
  std::vector<std::string> strings_;
};

}  // namespace picket
