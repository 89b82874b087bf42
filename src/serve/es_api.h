// The Elasticsearch REST surface of `picket serve`, independent of the
// network code (http_server.h reads requests and writes what this returns).
//
// Endpoints (every reply carries X-Elastic-Product: Elasticsearch, added by
// the server):
//   GET|HEAD /                       version info (Elasticsearch 8.x)
//   GET /_license, /_xpack           an active basic licence
//   GET /_nodes/http, /_nodes/...    one node, for client sniffing
//   GET /_cluster/health             green
//   POST|PUT /_bulk, /{index}/_bulk  NDJSON; answered once the worker has
//                                    made the outcome durable (ingest_worker.h)
//   PUT|DELETE anything, POST /_index_template|_ilm|_ingest|...
//                                    {"acknowledged":true}
//   other POST                       400 (events come through _bulk only)
//   GET anything else                {} (so existence checks pass)
//   GET /_picket/stats, /metrics, /_picket/health
//   other methods                    405
// Request checks done here, in this order: credentials (401, before the
// body is read), the body's Content-Type when it has one (406, as
// Elasticsearch answers for a missing or unsupported type: curl's default
// application/x-www-form-urlencoded included), then the endpoint.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "serve/auth.h"
#include "serve/ingest_queue.h"
#include "serve/ingest_worker.h"
#include "serve/metrics.h"

namespace picket::serve {

struct ApiRequest {
  std::string_view method;                         // as sent ("GET")
  std::string_view path;                           // the target without its query string
  std::string body;                                // decoded
  std::chrono::steady_clock::time_point received;  // when the request was complete
  int64_t arrival_ms = 0;                          // wall clock then (event.ingested)
};

struct ApiReply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // besides the standard ones
};

struct EsApiSettings {
  std::string node_name = "picket";
  std::string cluster_name = "picket";
  std::string publish_address;  // host:port
  uint64_t max_body_bytes = 0;
};

class EsApi {
 public:
  EsApi(EsApiSettings settings, IngestQueue* queue, IngestWorker* worker, ServeMetrics* metrics,
        Authenticator auth, std::function<std::string()> extra_stats_json,
        std::function<std::string()> extra_prometheus);

  void set_publish_address(std::string address) { settings_.publish_address = std::move(address); }

  // Checked once the header is in, before the body is read: a refusal to
  // send, or nullopt to go on.
  std::optional<ApiReply> Admit(std::string_view method, std::string_view path,
                                std::string_view authorization,
                                std::optional<std::string_view> content_type, bool has_body) const;
  // The answer, or nullopt when it comes later through `deliver` (an
  // accepted _bulk request; `deliver` may be called on any thread).
  std::optional<ApiReply> Handle(ApiRequest request, std::function<void(ApiReply)> deliver);

  static ApiReply Error(int status, std::string_view type, std::string_view reason);

 private:
  std::optional<ApiReply> Bulk(ApiRequest& request, std::string_view path_index,
                               std::function<void(ApiReply)>& deliver);
  double Uptime() const;

  EsApiSettings settings_;
  IngestQueue* queue_;
  IngestWorker* worker_;
  ServeMetrics* metrics_;
  Authenticator auth_;
  std::function<std::string()> extra_stats_json_;
  std::function<std::string()> extra_prometheus_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace picket::serve
