#include "util/string_numbers.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace picket {

StringNumbers::StringNumbers() { clear(); }

void StringNumbers::clear() {
  strings_.clear();
  length_mask_ = 0;
  for (uint64_t& bits : first_bytes_) bits = 0;
  slots_.assign(8, Slot());
  mask_ = slots_.size() - 1;
}

uint64_t StringNumbers::Hash(std::string_view s) { return XXH3_64bits(s.data(), s.size()); }

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
