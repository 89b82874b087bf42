// Which record keys may exist in a store, so that a read of a key that
// certainly does not exist can skip the store.
//
// Contract:
//  * Add(key, expires_at) for every record written (Put), and for every
//    record found when the store is opened.
//  * MayExist(key, cut) is false only if no record of `key` with
//    expires_at >= cut was ever added: a false answer is exact, a true one
//    may be wrong (a deleted record, a record whose expiry was lowered, or
//    another key with the same 64-bit hash), and then the caller reads the
//    store as it would have anyway.
//  * DropBelow(cut) forgets what only covers records with expires_at < cut;
//    it costs the entries it drops.
//
// Kept as 64-bit key hash -> the latest expiry added under that hash, so it
// holds no key or value bytes (about 16 bytes per live key plus an expiry
// heap). Deletes are not tracked: forgetting a hash on Delete would hide
// another live key with the same hash.
#pragma once
#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <queue>
#include <string_view>
#include <utility>
#include <vector>

#include "util/time.h"

namespace picket::state {

class RecordKeyFilter {
 public:
  void Add(std::string_view key, TimeMs expires_at);
  bool MayExist(std::string_view key, TimeMs cut) const;
  void DropBelow(TimeMs cut);

  size_t size() const { return latest_.size(); }
  size_t memory_bytes() const;

 private:
  using Due = std::pair<TimeMs, uint64_t>;  // (expiry, key hash)
  void Rebuild();

  absl::flat_hash_map<uint64_t, TimeMs> latest_;
  // Expiries not yet passed; an entry is stale when the hash's latest expiry
  // moved on since it was pushed (skipped when popped).
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
};

}  // namespace picket::state
