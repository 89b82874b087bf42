#include "serve/metrics.h"

#include <cmath>
#include <cstdio>

#include "engine/json_text.h"

namespace picket::serve {

namespace {
constexpr double kFirstEdge = 50e-6;
constexpr double kGrowth = 1.19;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string PromEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}
}  // namespace

double LatencyHistogram::UpperEdge(int bucket) { return kFirstEdge * std::pow(kGrowth, bucket); }

void LatencyHistogram::Record(double seconds) {
  int bucket = 0;
  if (seconds > kFirstEdge)
    bucket = static_cast<int>(std::ceil(std::log(seconds / kFirstEdge) / std::log(kGrowth)));
  if (bucket > kBuckets) bucket = kBuckets;
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_[bucket];
  ++count_;
  sum_ += seconds;
}

double LatencyHistogram::Quantile(double q) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (count_ == 0) return 0;
  uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  if (rank == 0) rank = 1;
  uint64_t seen = 0;
  for (int b = 0; b <= kBuckets; ++b) {
    seen += counts_[b];
    if (seen >= rank) return UpperEdge(b);
  }
  return UpperEdge(kBuckets);
}

uint64_t LatencyHistogram::count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return count_;
}

double LatencyHistogram::sum_seconds() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sum_;
}

void ServeMetrics::AddRuleAlert(const std::string& rule_id, const std::string& rule_name) {
  std::lock_guard<std::mutex> lock(rules_mu_);
  RuleCounters& c = rules_[rule_id];
  if (c.name.empty()) c.name = rule_name;
  ++c.alerts;
}

std::map<std::string, RuleCounters> ServeMetrics::rules() const {
  std::lock_guard<std::mutex> lock(rules_mu_);
  return rules_;
}

std::string ServeMetrics::ToJson(double uptime_seconds) const {
  auto counter = [](const char* name, uint64_t v) {
    return std::string("\"") + name + "\":" + std::to_string(v);
  };
  auto latency = [](const LatencyHistogram& h) {
    return "{\"count\":" + std::to_string(h.count()) + ",\"p50_ms\":" + Num(h.Quantile(0.5) * 1e3) +
           ",\"p90_ms\":" + Num(h.Quantile(0.9) * 1e3) +
           ",\"p99_ms\":" + Num(h.Quantile(0.99) * 1e3) + "}";
  };
  std::string out = "{\"uptime_seconds\":" + Num(uptime_seconds);
  out += ",\"http\":{" + counter("requests", http_requests) + "," +
         counter("bulk_requests", bulk_requests) + "," +
         counter("rejected_429", bulk_rejected_429) + "," +
         counter("rejected_other", bulk_rejected_other) + "," +
         counter("bytes_received", bytes_received) + "," +
         counter("connections_open", connections_open) + "," +
         counter("connections_accepted", connections_accepted) + "," +
         counter("connections_refused", connections_refused) + "," +
         counter("connections_evicted", connections_evicted) + "," +
         counter("timed_out", requests_timed_out) + "," + counter("malformed", requests_malformed) +
         "}";
  out += ",\"events\":{" + counter("accepted", events_accepted) + "," +
         counter("evaluated", events_evaluated) + "," + counter("items_failed", items_failed) + "}";
  out += ",\"alerts\":{" + counter("written", alerts_written) + "," +
         counter("forwarded", alerts_forwarded) + "," + counter("forward_errors", forward_errors) +
         "}";
  out += ",\"queue\":{" + counter("depth_events", queue_depth_events) + "," +
         counter("capacity_events", queue_capacity_events) + "}";
  out += ",\"state\":{" + counter("entries", state_entries) + "," + counter("commits", commits) +
         "," + counter("bytes_committed", state_bytes) + "}";
  out += ",\"latency\":{\"request_to_durable\":" + latency(request_latency) +
         ",\"commit\":" + latency(commit_latency) + "}";
  out += ",\"rules\":{";
  bool first = true;
  for (const auto& [id, c] : rules()) {
    if (!first) out += ',';
    first = false;
    engine::AppendJsonString(&out, id);
    out += ":{\"name\":";
    engine::AppendJsonString(&out, c.name);
    out += ",\"alerts\":" + std::to_string(c.alerts) + "}";
  }
  out += "}";
  if (more_json) out += "," + more_json();
  out += "}";
  return out;
}

std::string ServeMetrics::ToPrometheus(double uptime_seconds) const {
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help, double v) {
    out += std::string("# HELP picket_") + name + " " + help + "\n# TYPE picket_" + name + " " +
           type + "\npicket_" + name + " " + Num(v) + "\n";
  };
  metric("uptime_seconds", "gauge", "Seconds since the server started.", uptime_seconds);
  metric("http_requests_total", "counter", "HTTP requests received.", http_requests);
  metric("bulk_requests_total", "counter", "_bulk requests received.", bulk_requests);
  metric("bulk_rejected_429_total", "counter", "_bulk requests refused because the queue was full.",
         bulk_rejected_429);
  metric("bulk_rejected_total", "counter", "_bulk requests refused for other reasons.",
         bulk_rejected_other);
  metric("received_bytes_total", "counter", "Request body bytes received.", bytes_received);
  metric("http_connections_open", "gauge", "Open HTTP connections.", connections_open);
  metric("http_connections_accepted_total", "counter", "HTTP connections accepted.",
         connections_accepted);
  metric("http_connections_refused_total", "counter",
         "Connections refused: over a connection cap with every connection busy.",
         connections_refused);
  metric("http_connections_evicted_total", "counter",
         "Idle connections closed to make room for a new one.", connections_evicted);
  metric("http_timeouts_total", "counter", "Requests or responses cut off by their deadline.",
         requests_timed_out);
  metric("http_malformed_total", "counter", "Requests refused for their HTTP framing.",
         requests_malformed);
  metric("events_accepted_total", "counter", "Events queued for evaluation.", events_accepted);
  metric("events_evaluated_total", "counter", "Events evaluated.", events_evaluated);
  metric("bulk_items_failed_total", "counter", "Bulk items answered with an error.", items_failed);
  metric("alerts_written_total", "counter", "Alerts written durably.", alerts_written);
  metric("alerts_forwarded_total", "counter", "Alerts forwarded to Elasticsearch.",
         alerts_forwarded);
  metric("forward_errors_total", "counter", "Failed forwarding attempts.", forward_errors);
  metric("queue_depth_events", "gauge", "Events waiting in the ingest queue.", queue_depth_events);
  metric("queue_capacity_events", "gauge", "Ingest queue capacity in events.",
         queue_capacity_events);
  metric("state_entries", "gauge", "First-seen entries in the state store.", state_entries);
  metric("commits_total", "counter", "Durable group commits.", commits);
  metric("state_bytes_committed_total", "counter", "State bytes committed (write batches).",
         state_bytes);
  auto summary = [&](const char* name, const char* help, const LatencyHistogram& h) {
    out += std::string("# HELP picket_") + name + " " + help + "\n# TYPE picket_" + name +
           " summary\n";
    for (double q : {0.5, 0.9, 0.99})
      out += std::string("picket_") + name + "{quantile=\"" + Num(q) + "\"} " + Num(h.Quantile(q)) +
             "\n";
    out += std::string("picket_") + name + "_sum " + Num(h.sum_seconds()) + "\n";
    out += std::string("picket_") + name + "_count " + std::to_string(h.count()) + "\n";
  };
  summary("request_latency_seconds", "Time from receiving a _bulk request to durable alerts.",
          request_latency);
  summary("commit_latency_seconds", "Time to fsync alerts and sync the state WAL.", commit_latency);
  out +=
      "# HELP picket_rule_alerts_total Alerts written per rule.\n"
      "# TYPE picket_rule_alerts_total counter\n";
  for (const auto& [id, c] : rules())
    out += "picket_rule_alerts_total{rule_id=\"" + PromEscape(id) + "\",rule_name=\"" +
           PromEscape(c.name) + "\"} " + std::to_string(c.alerts) + "\n";
  return out;
}

}  // namespace picket::serve
