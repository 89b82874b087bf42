// The RecordStore (state/record_store.h) of the rule types other than
// new_terms, shared by several `picket serve` nodes through Redis Cluster
// (docs/redis.md). A view of a RedisTermStore: same cluster connections,
// same failure state, same Sync (WAIT).
//
// Keys: "<prefix>:r:{<hex of the unit's key>}" (the braces are the hash tag:
// a record is one slot). Value: version (8 bytes, counts the writes),
// expires_at (8 bytes), the unit's bytes.
//
// Get reads the record (or answers from what this node last read or wrote
// in the current batch) and remembers its version; Put and Delete are a
// compare-and-set in one Lua script (state/lua/records.lua, EVALSHA): they
// write only if the record still has that version, else they return false
// and remember the record Redis holds now, so that the unit's next Get costs
// no round trip. One round trip per Put; Stage/ResolveStaged read a batch's
// records in one round trip per master.
//
// Expiry: Get hides records with expires_at below the watermark of
// Expire(now), as the other stores do. Redis forgets a record (TTL) once the
// event-time watermark has passed its expires_at by `record_grace_ms` of
// wall time: ttl = max(expires_at - watermark, 0) + grace (before the first
// Expire call the wall clock stands in for the watermark).
//
// Redis failures: Get answers "no record", Put and Delete answer true, and
// the owning RedisTermStore is marked failed, so that its Sync fails and the
// group is not acknowledged (the shipper re-sends it).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "redis/cluster.h"
#include "state/record_store.h"

namespace picket::state {

class RedisTermStore;

class RedisRecordStore : public RecordStore {
 public:
  RedisRecordStore(RedisTermStore* owner, redis::Cluster* cluster, std::string prefix,
                   int64_t grace_ms);

  std::optional<std::string> Get(std::string_view key) override;
  bool Put(std::string_view key, std::string_view value, TimeMs expires_at) override;
  bool Delete(std::string_view key) override;
  void Scan(std::string_view prefix, const Visitor& visit) override;
  size_t Expire(TimeMs now) override;
  // Redis counts the keys (RedisTermStore::size covers every key).
  size_t size() const override { return 0; }
  size_t memory_bytes() const override;
  // Decisions are in Redis as soon as Put returns; the owner's Sync waits
  // for replicas and reports failures.
  bool Sync(std::string* error) override;
  void Stage(std::string_view key) override;
  bool ResolveStaged(std::string* error) override;

  std::string RedisKey(std::string_view key) const;
  uint64_t conflicts() const { return conflicts_; }

 private:
  struct Known {
    bool present = false;
    std::string version;  // 8 bytes when present
    TimeMs expires_at = 0;
    std::string value;
  };
  // Decodes a stored record (version, expires_at, value); false if malformed.
  static bool Decode(std::string_view stored, Known* out);
  bool CompareAndSet(std::string_view key, std::string_view new_value, TimeMs expires_at,
                     bool remove);
  void Remember(std::string_view key, Known known);

  RedisTermStore* owner_;
  redis::Cluster* cluster_;
  std::string prefix_;
  int64_t grace_ms_;
  redis::Script script_;
  TimeMs watermark_ = INT64_MIN;
  std::unordered_map<std::string, Known> known_;
  std::vector<std::string> staged_;
  uint64_t conflicts_ = 0;
};

}  // namespace picket::state
