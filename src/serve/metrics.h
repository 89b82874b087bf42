// Counters and latency percentiles of a running `picket serve`, rendered as
// JSON (/_picket/stats) and as Prometheus text (/metrics).
//
// Counters are atomics written by the HTTP threads and the ingest worker;
// per-rule counters and the latency histogram take a mutex (the worker
// updates them once per group of requests, not per event).
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace picket::serve {

// Latencies in log-spaced buckets (about 19% apart, 50 µs to ~80 s), so
// percentiles are exact to within one bucket at constant memory.
class LatencyHistogram {
 public:
  void Record(double seconds);
  // The q-quantile (0..1) in seconds; 0 when empty. Returns the upper edge
  // of the bucket that holds it.
  double Quantile(double q) const;
  uint64_t count() const;
  double sum_seconds() const;

 private:
  static constexpr int kBuckets = 80;
  static double UpperEdge(int bucket);
  mutable std::mutex mu_;
  std::array<uint64_t, kBuckets + 1> counts_{};
  uint64_t count_ = 0;
  double sum_ = 0;
};

struct RuleCounters {
  std::string name;
  uint64_t alerts = 0;
};

struct ServeMetrics {
  std::atomic<uint64_t> http_requests{0};
  std::atomic<uint64_t> bulk_requests{0};
  std::atomic<uint64_t> bulk_rejected_429{0};
  std::atomic<uint64_t> bulk_rejected_other{0};  // 400/401/413/503
  std::atomic<uint64_t> bytes_received{0};
  std::atomic<uint64_t> connections_open{0};  // gauge
  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<uint64_t> connections_refused{0};  // over a cap with every connection busy
  std::atomic<uint64_t> connections_evicted{0};  // idle ones closed to admit a new one
  std::atomic<uint64_t> requests_timed_out{0};   // request, handshake or response deadline
  std::atomic<uint64_t> requests_malformed{0};   // HTTP framing errors (400, 431, 501, 505)
  std::atomic<uint64_t> events_accepted{0};      // queued for evaluation
  std::atomic<uint64_t> events_evaluated{0};
  std::atomic<uint64_t> items_failed{0};  // per-item 4xx (malformed, update, ...)
  std::atomic<uint64_t> alerts_written{0};
  std::atomic<uint64_t> commits{0};  // durable group commits
  std::atomic<uint64_t> alerts_forwarded{0};
  std::atomic<uint64_t> forward_errors{0};
  std::atomic<uint64_t> queue_depth_events{0};  // sampled by the renderer
  std::atomic<uint64_t> queue_capacity_events{0};
  std::atomic<uint64_t> state_entries{0};  // updated at each commit
  std::atomic<uint64_t> state_bytes{0};    // state bytes committed (WAL batches), ditto
  LatencyHistogram request_latency;        // request received -> alerts and state durable
  LatencyHistogram commit_latency;         // alert fsync + state WAL sync

  void AddRuleAlert(const std::string& rule_id, const std::string& rule_name);
  std::map<std::string, RuleCounters> rules() const;

  // More members of the stats object, rendered last (e.g. "redis":{...});
  // set before the server starts.
  std::function<std::string()> more_json;

  std::string ToJson(double uptime_seconds) const;
  std::string ToPrometheus(double uptime_seconds) const;

 private:
  mutable std::mutex rules_mu_;
  std::map<std::string, RuleCounters> rules_;
};

}  // namespace picket::serve
