#include "state/redis_record_store.h"

#include <algorithm>
#include <map>

#include "state/redis_term_store.h"
#include "util/embedded.h"
#include "util/time.h"

namespace picket::state {

namespace {

constexpr size_t kMaxKnown = 100000;  // records remembered between batches, at most

std::string Int64Bytes(int64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff);
  return out;
}

int64_t GetInt64(const char* p) {
  uint64_t u = 0;
  for (int i = 7; i >= 0; --i) u = (u << 8) | static_cast<unsigned char>(p[i]);
  return static_cast<int64_t>(u);
}

std::string Hex(std::string_view bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

bool Unhex(std::string_view hex, std::string* out) {
  if (hex.size() % 2) return false;
  auto digit = [](char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
  };
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = digit(hex[i]), lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

// Redis refuses a PX that, added to its clock, passes INT64_MAX ("invalid
// expire time"), which a record kept for as long as the rule runs
// (expires_at = INT64_MAX) would ask for. A century is as good as forever.
constexpr int64_t kMaxTtlMs = 100LL * 365 * 24 * 3600 * 1000;

int64_t RecordTtlMs(TimeMs expires_at, int64_t base, int64_t grace_ms) {
  int64_t left;
  if (__builtin_sub_overflow(expires_at, base, &left) || left > kMaxTtlMs - grace_ms)
    return kMaxTtlMs;
  return std::max<int64_t>(left, 0) + grace_ms;
}

}  // namespace

RedisRecordStore::RedisRecordStore(RedisTermStore* owner, redis::Cluster* cluster,
                                   std::string prefix, int64_t grace_ms)
    : owner_(owner),
      cluster_(cluster),
      prefix_(std::move(prefix)),
      grace_ms_(grace_ms),
      script_(std::string(EmbeddedFile("src/state/lua/records.lua"))) {}

std::string RedisRecordStore::RedisKey(std::string_view key) const {
  return prefix_ + ":r:{" + Hex(key) + "}";
}

bool RedisRecordStore::Decode(std::string_view stored, Known* out) {
  if (stored.size() < 16) return false;
  out->present = true;
  out->version.assign(stored.substr(0, 8));
  out->expires_at = GetInt64(stored.data() + 8);
  out->value.assign(stored.substr(16));
  return true;
}

void RedisRecordStore::Remember(std::string_view key, Known known) {
  if (known_.size() >= kMaxKnown) known_.clear();
  known_[std::string(key)] = std::move(known);
}

std::optional<std::string> RedisRecordStore::Get(std::string_view key) {
  auto it = known_.find(std::string(key));
  if (it == known_.end()) {
    redis::Call call;
    std::string redis_key = RedisKey(key);
    call.slot = redis::KeySlot(redis_key);
    call.writes = false;
    redis::AppendCommand(&call.command, {"GET", redis_key});
    std::string error;
    if (!cluster_->Run(&call, &error)) {
      owner_->MarkFailed(error);
      return std::nullopt;
    }
    Known known;
    if (call.reply.type == redis::Reply::Type::kString && !Decode(call.reply.str, &known)) {
      owner_->MarkFailed("malformed record at " + redis_key);
      return std::nullopt;
    }
    if (call.reply.is_error()) {
      owner_->MarkFailed("GET " + redis_key + ": " + call.reply.str);
      return std::nullopt;
    }
    Remember(key, std::move(known));
    it = known_.find(std::string(key));
  }
  const Known& k = it->second;
  if (!k.present || k.expires_at < watermark_) return std::nullopt;
  return k.value;
}

bool RedisRecordStore::CompareAndSet(std::string_view key, std::string_view new_value,
                                     TimeMs expires_at, bool remove) {
  std::string redis_key = RedisKey(key);
  auto it = known_.find(std::string(key));
  std::string expected = it != known_.end() && it->second.present ? it->second.version : "";
  int64_t base = watermark_ != INT64_MIN ? watermark_ : NowMs();
  int64_t ttl = RecordTtlMs(expires_at, base, grace_ms_);
  std::string payload;
  if (!remove) payload = Int64Bytes(expires_at) + std::string(new_value);
  redis::Call call;
  call.slot = redis::KeySlot(redis_key);
  call.script = &script_;
  redis::CommandWriter(&call.command, 7)
      .Arg("EVALSHA")
      .Arg(script_.sha1)
      .Arg("1")
      .Arg(redis_key)
      .Arg(expected)
      .Arg(payload)
      .Arg(ttl);
  std::string error;
  if (!cluster_->Run(&call, &error)) {
    owner_->MarkFailed(error);
    return true;  // the group fails; do not make the unit retry
  }
  const redis::Reply& r = call.reply;
  if (r.type != redis::Reply::Type::kArray || r.elements.size() != 2 ||
      r.elements[0].type != redis::Reply::Type::kInteger ||
      r.elements[1].type != redis::Reply::Type::kString) {
    owner_->MarkFailed("unexpected reply to a record write at " + redis_key + ": " +
                       (r.is_error() ? r.str : r.Describe()));
    return true;
  }
  Known known;
  if (r.elements[0].integer == 1) {
    if (!remove) {
      known.present = true;
      known.version = r.elements[1].str;
      known.expires_at = expires_at;
      known.value.assign(new_value);
    }
    Remember(key, std::move(known));
    return true;
  }
  ++conflicts_;
  if (!r.elements[1].str.empty() && !Decode(r.elements[1].str, &known)) {
    owner_->MarkFailed("malformed record at " + redis_key);
    return true;
  }
  Remember(key, std::move(known));
  return false;
}

bool RedisRecordStore::Put(std::string_view key, std::string_view value, TimeMs expires_at) {
  return CompareAndSet(key, value, expires_at, /*remove=*/false);
}

bool RedisRecordStore::Delete(std::string_view key) {
  return CompareAndSet(key, {}, 0, /*remove=*/true);
}

void RedisRecordStore::Scan(std::string_view prefix, const Visitor& visit) {
  // Hex digits are no glob characters, so the pattern is literal.
  std::string match = prefix_ + ":r:{" + Hex(prefix) + "*";
  std::vector<std::string> keys;
  std::string error;
  if (!cluster_->ScanMasters(match, &keys, &error)) {
    owner_->MarkFailed(error);
    return;
  }
  std::vector<redis::Call> calls(keys.size());
  std::vector<redis::Call*> raw;
  for (size_t i = 0; i < keys.size(); ++i) {
    calls[i].slot = redis::KeySlot(keys[i]);
    calls[i].writes = false;
    redis::AppendCommand(&calls[i].command, {"GET", keys[i]});
    raw.push_back(&calls[i]);
  }
  if (!raw.empty() && !cluster_->Run(raw, &error)) {
    owner_->MarkFailed(error);
    return;
  }
  std::map<std::string, Known> found;
  size_t skip = prefix_.size() + 4;  // "<prefix>:r:{"
  for (size_t i = 0; i < keys.size(); ++i) {
    std::string key;
    Known known;
    if (keys[i].size() < skip + 1 ||
        !Unhex(std::string_view(keys[i]).substr(skip, keys[i].size() - skip - 1), &key))
      continue;
    if (calls[i].reply.type != redis::Reply::Type::kString || !Decode(calls[i].reply.str, &known))
      continue;  // gone since the SCAN
    if (known.expires_at < watermark_) continue;
    found.emplace(std::move(key), std::move(known));
  }
  for (const auto& [key, known] : found) visit(key, known.value, known.expires_at);
}

size_t RedisRecordStore::Expire(TimeMs now) {
  if (now > watermark_) watermark_ = now;
  return 0;  // Redis drops expired records itself (TTL)
}

size_t RedisRecordStore::memory_bytes() const {
  size_t bytes = 0;
  for (const auto& [key, known] : known_) bytes += key.size() + known.value.size() + 64;
  return bytes;
}

bool RedisRecordStore::Sync(std::string* error) {
  if (owner_->ok()) return true;
  *error = owner_->failure();
  return false;
}

void RedisRecordStore::Stage(std::string_view key) {
  if (known_.count(std::string(key))) return;
  staged_.emplace_back(key);
}

bool RedisRecordStore::ResolveStaged(std::string* error) {
  // What was read in earlier batches may have changed since; read afresh.
  known_.clear();
  std::sort(staged_.begin(), staged_.end());
  staged_.erase(std::unique(staged_.begin(), staged_.end()), staged_.end());
  std::vector<redis::Call> calls(staged_.size());
  std::vector<redis::Call*> raw;
  for (size_t i = 0; i < staged_.size(); ++i) {
    std::string redis_key = RedisKey(staged_[i]);
    calls[i].slot = redis::KeySlot(redis_key);
    calls[i].writes = false;
    redis::AppendCommand(&calls[i].command, {"GET", redis_key});
    raw.push_back(&calls[i]);
  }
  bool good = raw.empty() || cluster_->Run(raw, error);
  if (!good) owner_->MarkFailed(*error);
  for (size_t i = 0; good && i < staged_.size(); ++i) {
    Known known;
    if (calls[i].reply.type == redis::Reply::Type::kString && !Decode(calls[i].reply.str, &known))
      continue;  // malformed: read again (and fail) at Get
    if (calls[i].reply.is_error()) continue;
    Remember(staged_[i], std::move(known));
  }
  staged_.clear();
  if (!good) return false;
  return true;
}

}  // namespace picket::state
