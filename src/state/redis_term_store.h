// First-seen state shared by several `picket serve` nodes through Redis
// Cluster (docs/redis.md).
//
// Every key's decision is made by Redis itself: a Lua script
// (state/lua/new_terms.lua, loaded once, called by EVALSHA) reads the
// combination's record, decides each sighting as DecideSighting does, and
// writes the record back, atomically. Two nodes that see the same new term
// at the same moment are serialised by Redis: one is told "new", the other
// "seen". Records expire through Redis TTLs of one history window.
//
// Keys: "<prefix>:nt:{<32 hex digits of XXH3-128 of the engine's key>}".
// The braces are the hash tag: a decision reads and writes one slot.
//
// Batching (TermStore::Stage): the engine stages a batch's sightings and
// calls ResolveStaged(): one EVALSHA per distinct key (all its sightings in
// order, in one atomic step), pipelined per master, so a batch costs one
// round trip per master touched. Observe() then hands out the resolved
// answers in order; a sighting that was not staged is decided on the spot
// (one round trip). Without staging, Observe() alone is correct, only
// slower.
//
// Owners: SetEventOwner() names the event whose sightings follow (a hash of
// its identity, engine::EventIdentity). The record keeps the owner of the
// sighting that alerted; the same event sent again later (to any node, after
// a crash) is told "new" again and so writes the same alert, with the same
// id. Within one call a repeated event is seen, as in every other store.
//
// Failures: a Redis call that cannot complete within the cluster's retry
// timeout marks the store failed for the current group (ok() false, the
// error kept); Observe then answers "seen" without deciding, and the caller
// must not acknowledge the group (serve answers 503; the shipper re-sends,
// and owners make the re-send decide the same). ClearFailure() starts over.
//
// Not thread-safe, like every TermStore; stats() may be read from any thread.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "redis/cluster.h"
#include "state/record_store.h"
#include "state/term_store.h"

namespace picket::state {

struct RedisStoreOptions {
  redis::ClusterOptions cluster;
  // First part of every key; several deployments can share a cluster under
  // different prefixes. Must not contain '{' or '}'.
  std::string prefix = "picket";
  // Sync() waits until this many replicas of every master written have the
  // writes (Redis WAIT); 0 = do not wait.
  int wait_replicas = 0;
  int wait_timeout_ms = 1000;
  // Records of the other rule types live this much wall time past their
  // expiry in event time (see state/redis_record_store.h).
  int64_t record_grace_ms = 3600 * 1000;
};

struct RedisStoreStats {
  std::atomic<uint64_t> sightings{0};        // decided by Redis
  std::atomic<uint64_t> script_calls{0};     // EVALSHA calls (one per key per batch)
  std::atomic<uint64_t> batches{0};          // ResolveStaged runs with work
  std::atomic<uint64_t> unstaged{0};         // sightings decided one by one
  std::atomic<uint64_t> records_written{0};  // script calls that changed their record
  std::atomic<uint64_t> failures{0};         // groups failed by a Redis error
};

class RedisTermStore : public TermStore {
 public:
  static std::unique_ptr<RedisTermStore> Open(const RedisStoreOptions& options, std::string* error);
  ~RedisTermStore() override;

  ObserveResult Observe(std::string_view key, TimeMs t, int64_t window_ms,
                        bool learn_only) override;
  std::optional<TermRecord> Get(std::string_view key) const override;
  // Redis TTLs expire records; nothing to do here.
  size_t Expire(TimeMs now) override { return 0; }
  // Keys in the cluster (every prefix), as of the last RefreshSize().
  size_t size() const override { return size_.load(); }
  size_t memory_bytes() const override { return 0; }
  // True when every decision so far succeeded, and, with wait_replicas,
  // reached that many replicas of each master written since the last Sync.
  bool Sync(std::string* error) override;

  bool wants_event_owner() const override { return true; }
  void SetEventOwner(uint64_t owner) override;
  void Stage(std::string_view key, TimeMs t, int64_t window_ms, bool learn_only) override;
  // Also drops the answers of the previous batch that were not asked for.
  bool ResolveStaged(std::string* error) override;

  // The rule records of the other rule types, on the same cluster (created
  // on first use; owned by this store).
  RecordStore* records();

  bool ok() const { return failure_.empty(); }
  // Marks the current group failed (the first error is kept).
  void MarkFailed(const std::string& error) { Fail(error); }
  const std::string& failure() const { return failure_; }
  // Forgets a failure (and the writes WAIT would have covered): the next
  // group starts afresh.
  void ClearFailure() {
    failure_.clear();
    cluster_->BeginWrites();
  }

  // Counts keys with DBSIZE on every master (for the stats endpoint).
  bool RefreshSize(std::string* error);

  // Called with the duration of each batch of Redis work (seconds).
  void set_latency_observer(std::function<void(double)> observer) {
    latency_observer_ = std::move(observer);
  }
  const RedisStoreOptions& options() const { return options_; }
  const RedisStoreStats& stats() const { return stats_; }
  const redis::ClusterStats& cluster_stats() const { return cluster_->stats(); }
  redis::Cluster* cluster() { return cluster_.get(); }
  // The Redis key of an engine key (tests, operations).
  std::string RedisKey(std::string_view key) const;

 private:
  struct Sighting {
    TimeMs t;
    uint64_t owner;
    bool learn_only;
  };
  struct Answer {
    Sighting sighting;
    ObserveResult result;
  };
  // One key's staged sightings and, after ResolveStaged, their answers.
  struct Pending {
    std::string redis_key;
    int64_t window_ms;
    std::vector<Sighting> sightings;
    std::vector<Answer> answers;
    size_t next_answer = 0;
  };

  explicit RedisTermStore(const RedisStoreOptions& options);
  Pending& PendingFor(std::string_view key, int64_t window_ms);
  // Builds the EVALSHA of `p`'s sightings into `call`.
  void BuildCall(const Pending& p, redis::Call* call) const;
  // Turns a script reply into answers; false with failure_ set if malformed.
  bool ReadAnswers(const redis::Reply& reply, Pending* p);
  void Fail(const std::string& error);

  RedisStoreOptions options_;
  std::unique_ptr<redis::Cluster> cluster_;
  std::unique_ptr<RecordStore> records_;
  redis::Script script_;
  uint64_t owner_ = 1;
  // Keyed by the engine key's 128-bit hash (as hex, the Redis key's tag).
  std::unordered_map<std::string, Pending> pending_;
  std::vector<Pending*> staged_order_;
  std::string failure_;
  std::atomic<size_t> size_{0};
  std::function<void(double)> latency_observer_;
  RedisStoreStats stats_;
};

}  // namespace picket::state
