// `picket serve --state redis://...`: the SharedState of the ingest pipeline
// over a RedisTermStore (and its records), and the Redis figures of
// /_picket/stats and /metrics (docs/redis.md, "Operations").
//
// After a failed group the store is treated as unavailable for a short
// backoff (1 s, doubling to 5 s while failures go on): `_bulk` is refused
// with 503 at once instead of each request waiting out the cluster client's
// retry timeout; the next group after it tries again.
#pragma once
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include "serve/metrics.h"
#include "serve/shared_state.h"
#include "state/redis_term_store.h"

namespace picket::serve {

class RedisState : public SharedState {
 public:
  explicit RedisState(state::RedisTermStore* store);

  void BeginGroup() override;
  bool Commit(std::string* error) override;
  void GroupFailed(const std::string& error) override;
  bool Available(std::string* reason) const override;
  size_t entries() const override { return store_->size(); }

  // The "redis" member of /_picket/stats, and picket_redis_* metrics.
  std::string StatsJson() const;
  std::string Prometheus() const;

 private:
  using Clock = std::chrono::steady_clock;
  state::RedisTermStore* store_;
  LatencyHistogram decide_latency_;  // resolving a group's decisions
  LatencyHistogram wait_latency_;    // WAIT for replicas
  std::atomic<uint64_t> groups_failed_{0};
  mutable std::mutex mu_;
  Clock::time_point unavailable_until_{};
  std::chrono::milliseconds backoff_{0};
  std::string last_error_;
  Clock::time_point next_size_refresh_{};
};

}  // namespace picket::serve
