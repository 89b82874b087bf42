#include "state/record_key_filter.h"

#include <xxhash.h>

namespace picket::state {
namespace {

uint64_t KeyHash(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

}  // namespace

void RecordKeyFilter::Add(std::string_view key, TimeMs expires_at) {
  uint64_t hash = KeyHash(key);
  auto [it, added] = latest_.try_emplace(hash, expires_at);
  if (!added) {
    // A record's expiry moves by rounding steps (state/live_records.h), so
    // most rewrites of a busy key leave it where it was: nothing to push.
    if (expires_at <= it->second) return;
    it->second = expires_at;
  }
  due_.emplace(expires_at, hash);
  if (due_.size() > 2 * latest_.size() + 1024) Rebuild();
}

bool RecordKeyFilter::MayExist(std::string_view key, TimeMs cut) const {
  auto it = latest_.find(KeyHash(key));
  return it != latest_.end() && it->second >= cut;
}

void RecordKeyFilter::DropBelow(TimeMs cut) {
  while (!due_.empty() && due_.top().first < cut) {
    auto it = latest_.find(due_.top().second);
    // Only if no later expiry was added under the hash since.
    if (it != latest_.end() && it->second < cut) latest_.erase(it);
    due_.pop();
  }
}

void RecordKeyFilter::Rebuild() {
  std::vector<Due> fresh;
  fresh.reserve(latest_.size());
  for (const auto& [hash, expires_at] : latest_) fresh.emplace_back(expires_at, hash);
  due_ = decltype(due_)(std::greater<Due>(), std::move(fresh));
}

size_t RecordKeyFilter::memory_bytes() const {
  return latest_.capacity() * (sizeof(uint64_t) + sizeof(TimeMs) + 1) + due_.size() * sizeof(Due);
}

}  // namespace picket::state
