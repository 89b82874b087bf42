// A bounded in-memory TermStore: a flat open-addressing hash table keyed by
// the 128-bit XXH3 hash of the key (the key bytes are never stored), with
// linear probing, so an entry costs one 40-byte
// slot and no heap node. At most 3/4 of the slots are used, so the average
// cost per tracked combination stays between 40 and ~107 bytes.
//
// Entries whose history window has passed are dropped by Expire(); the
// engine calls it as event time advances, which keeps the table bounded by
// the number of combinations seen within one window.
//
// Two distinct keys with the same 128-bit hash would share a record; at
// 2^-64 odds for 2^32 keys this is accepted (documented in docs/engine.md).
//
// Save/Load write a versioned binary snapshot so that `picket learn` can
// hand a baseline to a later `picket run`.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "state/sighting.h"
#include "state/term_store.h"

namespace picket::state {

class MemoryTermStore final : public TermStore {
 public:
  explicit MemoryTermStore(size_t expected_entries = 0);

  ObserveResult Observe(std::string_view key, TimeMs t, int64_t window_ms,
                        bool learn_only) override;
  std::optional<TermRecord> Get(std::string_view key) const override;
  size_t Expire(TimeMs now) override;
  size_t size() const override { return size_; }
  size_t memory_bytes() const override;

  bool SaveTo(const std::string& path, std::string* error) const;
  // Merges a snapshot into this store (entries in the file replace ours).
  bool LoadFrom(const std::string& path, std::string* error);
  // The same on an open file, so that other sections can follow (the
  // snapshot of `--state FILE` continues with the record store's);
  // `name` is for messages.
  bool SaveTo(std::FILE* f, const std::string& name, std::string* error) const;
  bool LoadFrom(std::FILE* f, const std::string& name, std::string* error);

 private:
  struct Slot {
    uint64_t hash_low = 0;  // hash_low == 0 && hash_high == 0: empty
    uint64_t hash_high = 0;
    TimeMs first_seen = 0;
    TimeMs last_seen = 0;
    TimeMs expires_at = 0;
    bool empty() const { return hash_low == 0 && hash_high == 0; }
  };
  static_assert(sizeof(Slot) == 40);

  struct Hash {
    uint64_t low, high;
  };
  static Hash HashKey(std::string_view key);
  size_t FindSlot(Hash h) const;  // the slot holding h, or the empty slot where it goes
  void Grow();
  void Put(Hash h, const TermRecord& record);

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace picket::state
