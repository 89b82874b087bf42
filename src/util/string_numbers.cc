#include "util/string_numbers.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstring>

namespace picket {

StringNumbers::StringNumbers() { clear(); }

void StringNumbers::clear() {
  strings_.clear();
  length_mask_ = 0;
  for (uint64_t& bits : first_bytes_) bits = 0;
  slots_.assign(8, Slot());
  mask_ = slots_.size() - 1;
}

namespace {
inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint64_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
// A 64x64->128-bit multiply folded to 64 bits: the mixing step of the
// wyhash family, enough to spread short keys over the table.
inline uint64_t Mix(uint64_t a, uint64_t b) {
  unsigned __int128 m = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(m) ^ static_cast<uint64_t>(m >> 64);
}
}  // namespace

// Field values are mostly short (actions, names, OS types): up to 16 bytes
// are read as two overlapping words and mixed inline, longer ones go to XXH3.
uint64_t StringNumbers::Hash(std::string_view s) {
  const char* p = s.data();
  const size_t n = s.size();
  if (n > 16) return XXH3_64bits(p, n);
  uint64_t lo, hi;
  if (n >= 8) {
    lo = Load64(p);
    hi = Load64(p + n - 8);
  } else if (n >= 4) {
    lo = Load32(p);
    hi = Load32(p + n - 4);
  } else {
    lo = n ? uint64_t{static_cast<unsigned char>(p[0])} << 16 |
                 uint64_t{static_cast<unsigned char>(p[n / 2])} << 8 |
                 static_cast<unsigned char>(p[n - 1])
           : 0;
    hi = 0;
  }
  return Mix(lo ^ 0xa0761d6478bd642fULL, hi ^ 0xe7037ed1a0b428dbULL ^ n);
}

template <bool kCompareBytes>
uint32_t StringNumbers::FindHashed(std::string_view s) const {
  const uint64_t hash = Hash(s);
  const uint32_t tag = static_cast<uint32_t>(hash >> 32);
  for (uint64_t i = hash & mask_;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (slot.number == kNotFound) return kNotFound;
    if (slot.tag == tag && (!kCompareBytes || std::string_view(strings_[slot.number]) == s))
      return slot.number;
  }
}
template uint32_t StringNumbers::FindHashed<true>(std::string_view s) const;
template uint32_t StringNumbers::FindHashed<false>(std::string_view s) const;

uint32_t StringNumbers::Insert(std::string_view s) {
  uint32_t found = Find(s);
  if (found != kNotFound) return found;
  // Keep at most half the slots used: misses then end at an empty slot
  // after one or two probes.
  if ((strings_.size() + 1) * 2 > slots_.size()) Grow();
  const uint64_t hash = Hash(s);
  uint64_t i = hash & mask_;
  while (slots_[i].number != kNotFound) i = (i + 1) & mask_;
  length_mask_ |= uint64_t{1} << (s.size() < 63 ? s.size() : 63);
  if (!s.empty()) {
    unsigned char c = static_cast<unsigned char>(s[0]);
    first_bytes_[c >> 6] |= uint64_t{1} << (c & 63);
  }
  uint32_t number = static_cast<uint32_t>(strings_.size());
  slots_[i] = {static_cast<uint32_t>(hash >> 32), number};
  strings_.emplace_back(s);
  return number;
}

void StringNumbers::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.size() * 2, Slot());
  mask_ = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.number == kNotFound) continue;
    uint64_t i = Hash(strings_[slot.number]) & mask_;
    while (slots_[i].number != kNotFound) i = (i + 1) & mask_;
    slots_[i] = slot;
  }
}

}  // namespace picket
