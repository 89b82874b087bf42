#include "serve/redis_state.h"

#include <cstdio>

#include "engine/json_text.h"

namespace picket::serve {

namespace {
constexpr std::chrono::milliseconds kFirstBackoff{1000};
constexpr std::chrono::milliseconds kMaxBackoff{5000};
constexpr std::chrono::seconds kSizeRefresh{10};
}  // namespace

RedisState::RedisState(state::RedisTermStore* store) : store_(store) {
  store_->set_latency_observer([this](double seconds) { decide_latency_.Record(seconds); });
}

void RedisState::BeginGroup() { store_->ClearFailure(); }

bool RedisState::Commit(std::string* error) {
  auto start = Clock::now();
  bool ok = store_->Sync(error);
  if (store_->options().wait_replicas > 0)
    wait_latency_.Record(std::chrono::duration<double>(Clock::now() - start).count());
  if (!ok) return false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (backoff_.count()) {
      std::fprintf(stderr, "picket serve: Redis is reachable again\n");
      backoff_ = std::chrono::milliseconds(0);
    }
    if (Clock::now() < next_size_refresh_) return true;
    next_size_refresh_ = Clock::now() + kSizeRefresh;
  }
  std::string ignored;
  store_->RefreshSize(&ignored);  // a metric: a failure here fails nothing
  return true;
}

void RedisState::GroupFailed(const std::string& error) {
  ++groups_failed_;
  std::lock_guard<std::mutex> lock(mu_);
  backoff_ = backoff_.count() ? std::min(backoff_ * 2, kMaxBackoff) : kFirstBackoff;
  unavailable_until_ = Clock::now() + backoff_;
  if (last_error_ != error)
    std::fprintf(stderr, "picket serve: Redis: %s; refusing _bulk for %lld ms\n", error.c_str(),
                 static_cast<long long>(backoff_.count()));
  last_error_ = error;
}

bool RedisState::Available(std::string* reason) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (Clock::now() >= unavailable_until_) return true;
  *reason = "Redis unavailable: " + last_error_;
  return false;
}

std::string RedisState::StatsJson() const {
  const redis::ClusterStats& c = store_->cluster_stats();
  const state::RedisStoreStats& s = store_->stats();
  auto counter = [](const char* name, uint64_t v) {
    return std::string("\"") + name + "\":" + std::to_string(v);
  };
  auto latency = [](const LatencyHistogram& h) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "{\"count\":%llu,\"p50_ms\":%.3f,\"p99_ms\":%.3f}",
                  static_cast<unsigned long long>(h.count()), h.Quantile(0.5) * 1e3,
                  h.Quantile(0.99) * 1e3);
    return std::string(buf);
  };
  std::string reason;
  std::string out = "{\"available\":";
  out += Available(&reason) ? "true" : "false";
  if (!reason.empty()) {
    out += ",\"unavailable_reason\":";
    engine::AppendJsonString(&out, reason);
  }
  out += "," + counter("round_trips", c.round_trips) + "," + counter("commands", c.commands) + "," +
         counter("script_calls", s.script_calls) + "," + counter("sightings", s.sightings) + "," +
         counter("records_written", s.records_written) + "," +
         counter("unbatched_sightings", s.unstaged) + "," + counter("moved", c.moved) + "," +
         counter("asked", c.asked) + "," + counter("retries", c.retries) + "," +
         counter("connects", c.connects) + "," + counter("connect_failures", c.connect_failures) +
         "," + counter("slot_map_loads", c.refreshes) + "," +
         counter("script_loads", c.script_loads) + "," + counter("errors", c.failures) + "," +
         counter("groups_failed", groups_failed_) + "," + counter("keys", store_->size()) +
         ",\"wait_replicas\":" + std::to_string(store_->options().wait_replicas) +
         ",\"latency\":{\"decide\":" + latency(decide_latency_) +
         ",\"wait\":" + latency(wait_latency_) + "}}";
  return out;
}

std::string RedisState::Prometheus() const {
  const redis::ClusterStats& c = store_->cluster_stats();
  const state::RedisStoreStats& s = store_->stats();
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help, double v) {
    char value[64];
    std::snprintf(value, sizeof value, "%.17g", v);
    out += std::string("# HELP picket_redis_") + name + " " + help + "\n# TYPE picket_redis_" +
           name + " " + type + "\npicket_redis_" + name + " " + value + "\n";
  };
  std::string reason;
  metric("available", "gauge", "1 while Redis answers, 0 while _bulk is refused for it.",
         Available(&reason) ? 1 : 0);
  metric("round_trips_total", "counter", "Pipelines written to a Redis node and read back.",
         c.round_trips);
  metric("commands_total", "counter", "Commands sent to Redis.", c.commands);
  metric("script_calls_total", "counter", "Decision scripts run (one per key per group).",
         s.script_calls);
  metric("sightings_total", "counter", "new_terms sightings decided by Redis.", s.sightings);
  metric("records_written_total", "counter", "Decision scripts that changed their record.",
         s.records_written);
  metric("redirects_total", "counter", "MOVED and ASK redirects followed.", c.moved + c.asked);
  metric("retries_total", "counter", "Calls sent again after a failure.", c.retries);
  metric("connect_failures_total", "counter", "Connections to Redis that failed.",
         c.connect_failures);
  metric("errors_total", "counter", "Redis calls or WAITs that gave up.", c.failures);
  metric("groups_failed_total", "counter", "Groups answered 503 for a Redis failure.",
         groups_failed_);
  metric("keys", "gauge", "Keys in the Redis cluster (DBSIZE, every 10 s).", store_->size());
  auto summary = [&](const char* name, const char* help, const LatencyHistogram& h) {
    out += std::string("# HELP picket_redis_") + name + " " + help + "\n# TYPE picket_redis_" +
           name + " summary\n";
    for (double q : {0.5, 0.9, 0.99}) {
      char line[160];
      std::snprintf(line, sizeof line, "picket_redis_%s{quantile=\"%g\"} %.6f\n", name, q,
                    h.Quantile(q));
      out += line;
    }
    char tail[200];
    std::snprintf(tail, sizeof tail, "picket_redis_%s_sum %.6f\npicket_redis_%s_count %llu\n", name,
                  h.sum_seconds(), name, static_cast<unsigned long long>(h.count()));
    out += tail;
  };
  summary("decide_latency_seconds", "Time to resolve a group's decisions in Redis.",
          decide_latency_);
  summary("wait_latency_seconds", "Time waiting for replicas (WAIT).", wait_latency_);
  return out;
}

}  // namespace picket::serve
