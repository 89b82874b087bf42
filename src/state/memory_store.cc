#include "state/memory_store.h"

#include <xxhash.h>

#include <bit>
#include <cstdio>
#include <cstring>
#include <memory>

namespace picket::state {

namespace {
constexpr size_t kMinSlots = 16;
constexpr char kSnapshotMagic[8] = {'P', 'K', 'T', 'T', 'E', 'R', 'M', '1'};

size_t SlotsFor(size_t entries) {
  size_t want = entries + entries / 3 + 1;  // stay under 3/4 load
  return std::max(kMinSlots, std::bit_ceil(want));
}
}  // namespace

MemoryTermStore::MemoryTermStore(size_t expected_entries) {
  slots_.resize(SlotsFor(expected_entries));
  mask_ = slots_.size() - 1;
}

MemoryTermStore::Hash MemoryTermStore::HashKey(std::string_view key) {
  XXH128_hash_t h = XXH3_128bits(key.data(), key.size());
  // The all-zero hash marks an empty slot; move it elsewhere.
  if (h.low64 == 0 && h.high64 == 0) h.low64 = 1;
  return Hash{h.low64, h.high64};
}

size_t MemoryTermStore::FindSlot(Hash h) const {
  size_t i = h.low & mask_;
  while (true) {
    const Slot& s = slots_[i];
    if (s.empty() || (s.hash_low == h.low && s.hash_high == h.high)) return i;
    i = (i + 1) & mask_;
  }
}

void MemoryTermStore::Grow() {
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.assign(old.size() * 2, Slot{});
  mask_ = slots_.size() - 1;
  for (const Slot& s : old)
    if (!s.empty()) slots_[FindSlot(Hash{s.hash_low, s.hash_high})] = s;
}

void MemoryTermStore::Put(Hash h, const TermRecord& record) {
  size_t i = FindSlot(h);
  if (slots_[i].empty()) {
    if ((size_ + 1) * 4 > slots_.size() * 3) {
      Grow();
      i = FindSlot(h);
    }
    ++size_;
  }
  slots_[i] = Slot{h.low, h.high, record.first_seen, record.last_seen, record.expires_at};
}

ObserveResult MemoryTermStore::Observe(std::string_view key, TimeMs t, int64_t window_ms,
                                       bool learn_only) {
  Hash h = HashKey(key);
  const Slot& s = slots_[FindSlot(h)];
  std::optional<TermRecord> before;
  if (!s.empty()) before = TermRecord{s.first_seen, s.last_seen, s.expires_at};
  ObserveResult result = DecideSighting(before, t, window_ms, learn_only);
  if (!before || std::memcmp(&result.after, &*before, sizeof(TermRecord)) != 0)
    Put(h, result.after);
  return result;
}

std::optional<TermRecord> MemoryTermStore::Get(std::string_view key) const {
  const Slot& s = slots_[FindSlot(HashKey(key))];
  if (s.empty()) return std::nullopt;
  return TermRecord{s.first_seen, s.last_seen, s.expires_at};
}

// Expiry rebuilds the table from the survivors: it runs rarely (as event
// time advances) and a rebuild keeps probe chains intact without tombstones.
size_t MemoryTermStore::Expire(TimeMs now) {
  size_t dropped = 0;
  for (const Slot& s : slots_)
    if (!s.empty() && s.expires_at < now) ++dropped;
  if (dropped == 0) return 0;
  std::vector<Slot> old;
  old.swap(slots_);
  size_t keep = size_ - dropped;
  slots_.assign(std::min(old.size(), SlotsFor(keep * 2)), Slot{});  // room to grow again
  mask_ = slots_.size() - 1;
  size_ = 0;
  for (const Slot& s : old)
    if (!s.empty() && s.expires_at >= now) {
      slots_[FindSlot(Hash{s.hash_low, s.hash_high})] = s;
      ++size_;
    }
  return dropped;
}

size_t MemoryTermStore::memory_bytes() const {
  return sizeof(*this) + slots_.capacity() * sizeof(Slot);
}

bool MemoryTermStore::SaveTo(const std::string& path, std::string* error) const {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!f) {
    *error = path + ": cannot write: " + std::strerror(errno);
    return false;
  }
  if (!SaveTo(f.get(), path, error)) return false;
  if (std::fflush(f.get()) != 0) {
    *error = path + ": write failed: " + std::strerror(errno);
    return false;
  }
  return true;
}

bool MemoryTermStore::SaveTo(std::FILE* f, const std::string& name, std::string* error) const {
  uint64_t count = size_;
  bool ok =
      std::fwrite(kSnapshotMagic, 1, 8, f) == 8 && std::fwrite(&count, sizeof(count), 1, f) == 1;
  for (const Slot& s : slots_)
    if (ok && !s.empty()) ok = std::fwrite(&s, sizeof(Slot), 1, f) == 1;
  if (!ok) *error = name + ": write failed: " + std::strerror(errno);
  return ok;
}

bool MemoryTermStore::LoadFrom(const std::string& path, std::string* error) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    *error = path + ": cannot read: " + std::strerror(errno);
    return false;
  }
  return LoadFrom(f.get(), path, error);
}

bool MemoryTermStore::LoadFrom(std::FILE* f, const std::string& name, std::string* error) {
  char magic[8];
  uint64_t count = 0;
  if (std::fread(magic, 1, 8, f) != 8 || std::memcmp(magic, kSnapshotMagic, 8) != 0 ||
      std::fread(&count, sizeof(count), 1, f) != 1) {
    *error = name + ": not a picket term-state snapshot";
    return false;
  }
  for (uint64_t n = 0; n < count; ++n) {
    Slot s;
    if (std::fread(&s, sizeof(Slot), 1, f) != 1 || s.empty()) {
      *error = name + ": truncated or corrupt snapshot";
      return false;
    }
    Put(Hash{s.hash_low, s.hash_high}, TermRecord{s.first_seen, s.last_seen, s.expires_at});
  }
  return true;
}

}  // namespace picket::state
