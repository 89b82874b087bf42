#include "eql/event_payloads.h"

#include <lz4.h>

#include <algorithm>

#include "util/bytes.h"

namespace picket::eql {

namespace {

// Value: version, expires_at (8 bytes), then
//  * version 1: the payload as given;
//  * version 2: its size (4 bytes) and its LZ4 block. An event's JSON source
//    compresses about 3x; the bytes every commit writes (RocksDB's WAL and
//    memtable, Redis) are what limit `picket serve` (docs/serve-status.md),
//    and only the payloads of reported sequences are ever decompressed.
constexpr uint8_t kPlain = 1;
constexpr uint8_t kLz4 = 2;
constexpr size_t kHeader = 1 + 8;  // version, expires_at
constexpr TimeMs kForever = INT64_MAX;
constexpr int kMaxAttempts = 16;  // writes refused by a shared store, then give up
// Smaller payloads are stored as they are: LZ4 gains little on them.
constexpr size_t kCompressFrom = 256;
// A decompressed payload is at most this large (an event line's limit is far
// below): a damaged size field must not make Read allocate without bound.
constexpr uint32_t kMaxPayloadBytes = 64u << 20;

// The expiry a stored value was written with; nullopt if it is not a
// payload of a known version.
std::optional<TimeMs> StoredExpiry(std::string_view value) {
  if (value.size() < kHeader) return std::nullopt;
  uint8_t version = static_cast<uint8_t>(value[0]);
  if (version != kPlain && version != kLz4) return std::nullopt;
  ByteReader r(value.substr(1, 8));
  return static_cast<TimeMs>(r.Fixed64());
}

// Appends `payload` to *value, compressed when that saves bytes; returns the
// version byte to store.
uint8_t AppendBody(std::string_view payload, bool compress, std::string* value) {
  if (compress && payload.size() >= kCompressFrom && payload.size() <= kMaxPayloadBytes) {
    const size_t start = value->size();
    PutFixed32(value, static_cast<uint32_t>(payload.size()));
    const int bound = LZ4_compressBound(static_cast<int>(payload.size()));
    value->resize(start + 4 + static_cast<size_t>(bound));
    const int written = LZ4_compress_default(payload.data(), value->data() + start + 4,
                                             static_cast<int>(payload.size()), bound);
    if (written > 0 && static_cast<size_t>(written) + 4 < payload.size()) {
      value->resize(start + 4 + static_cast<size_t>(written));
      return kLz4;
    }
    value->resize(start);
  }
  value->append(payload);
  return kPlain;
}

// The payload of a stored value whose expiry StoredExpiry read; nullopt if
// its body is damaged.
std::optional<std::string> DecodeBody(std::string_view value) {
  std::string_view body = value.substr(kHeader);
  if (static_cast<uint8_t>(value[0]) == kPlain) return std::string(body);
  ByteReader r(body);
  const uint32_t size = r.Fixed32();
  if (!r.ok() || size > kMaxPayloadBytes) return std::nullopt;
  std::string_view block = body.substr(4);
  std::string payload(size, '\0');
  const int read = LZ4_decompress_safe(block.data(), payload.data(), static_cast<int>(block.size()),
                                       static_cast<int>(size));
  if (read < 0 || static_cast<uint32_t>(read) != size) return std::nullopt;
  return payload;
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
  value.push_back(0);
  PutFixed64(&value, static_cast<uint64_t>(expiry));
  value[0] = static_cast<char>(AppendBody(payload, compress_, &value));
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
  return DecodeBody(*stored);
}

}  // namespace picket::eql
