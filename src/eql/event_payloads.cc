#include "eql/event_payloads.h"

#include <algorithm>

#include "util/bytes.h"

namespace picket::eql {

namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kHeader = 1 + 8;  // version, expires_at
constexpr TimeMs kForever = INT64_MAX;
constexpr int kMaxAttempts = 16;  // writes refused by a shared store, then give up

// The expiry a stored value was written with; nullopt if it is not a
// payload of this version.
std::optional<TimeMs> StoredExpiry(std::string_view value) {
  if (value.size() < kHeader || static_cast<uint8_t>(value[0]) != kVersion) return std::nullopt;
  ByteReader r(value.substr(1, 8));
  return static_cast<TimeMs>(r.Fixed64());
}

}  // namespace

std::string EventPayloads::Key(uint64_t id) {
  std::string k(1, kKind);
  PutFixed64(&k, id);
  return k;
}

void EventPayloads::AddReach(int64_t reach_ms) {
  if (reach_ms != kForever) max_finite_reach_ = std::max(max_finite_reach_, reach_ms);
}

bool EventPayloads::Write(uint64_t id, TimeMs window_time, int64_t reach_ms,
                          std::string_view payload) {
  TimeMs expiry = kForever;
  if (reach_ms != kForever &&
      __builtin_add_overflow(window_time, std::max(reach_ms, max_finite_reach_), &expiry))
    expiry = kForever;
  if (has_last_ && last_id_ == id && last_expiry_ >= expiry) {
    ++skipped_;
    return true;
  }
  if (has_last_ && last_id_ == id) expiry = std::max(expiry, last_expiry_);
  std::string value;
  value.reserve(kHeader + payload.size());
  value.push_back(static_cast<char>(kVersion));
  PutFixed64(&value, static_cast<uint64_t>(expiry));
  value.append(payload);
  const std::string key = Key(id);
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    if (attempt > 0) {
      // Refused: stored by another node (or before a restart) and not read
      // here. The bytes are the same; only a longer expiry is worth a write.
      std::optional<std::string> stored = store_->Get(key);
      std::optional<TimeMs> stored_expiry = stored ? StoredExpiry(*stored) : std::nullopt;
      if (stored_expiry && *stored_expiry >= expiry) {
        has_last_ = true;
        last_id_ = id;
        last_expiry_ = *stored_expiry;
        return true;
      }
    }
    ++puts_;
    if (store_->Put(key, value, expiry)) {
      has_last_ = true;
      last_id_ = id;
      last_expiry_ = expiry;
      return true;
    }
  }
  return false;
}

std::optional<std::string> EventPayloads::Read(uint64_t id) {
  std::optional<std::string> stored = store_->Get(Key(id));
  if (!stored || !StoredExpiry(*stored)) return std::nullopt;
  stored->erase(0, kHeader);
  return stored;
}

}  // namespace picket::eql
