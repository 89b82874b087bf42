// The HTTP front of `picket serve`: enough of the Elasticsearch REST API for
// shippers (Beats, Elastic Agent, Logstash, Fluent Bit, Vector, official
// clients) to connect and send `_bulk` requests, plus picket's own stats.
//
// Endpoints (every reply carries X-Elastic-Product: Elasticsearch):
//   GET|HEAD /                       version info (Elasticsearch 8.x)
//   GET /_license, /_xpack           an active basic licence
//   GET /_nodes/http, /_nodes/...    one node, for client sniffing
//   GET /_cluster/health             green
//   POST|PUT /_bulk, /{index}/_bulk  NDJSON, gzip/deflate, chunked; see
//                                    ingest_worker.h for when it answers
//   PUT|POST|DELETE anything else    {"acknowledged":true} (templates, ILM
//                                    policies, pipelines, index creation)
//   GET anything else                {} (so existence checks pass)
//   GET /_picket/stats, /metrics, /_picket/health
// Limits: bodies over max_body_bytes get 413; a full ingest queue gets 429
// (es_rejected_execution_exception, which shippers retry); after a storage
// failure bulk requests get 503. Slow clients are cut off by the read and
// write timeouts. With an Authenticator enabled every request needs a valid
// Authorization header (401 otherwise).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "serve/auth.h"
#include "serve/ingest_queue.h"
#include "serve/ingest_worker.h"
#include "serve/metrics.h"

namespace httplib {
class Server;
}

namespace picket::serve {

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 9200;  // 0 = any free port (see HttpServer::port())
  size_t max_body_bytes = 100u << 20;  // Elasticsearch's http.max_content_length
  int threads = 8;
  int read_timeout_seconds = 30;
  int write_timeout_seconds = 30;
  // Idle keep-alive connections are closed after this; it also bounds how
  // long a shutdown waits for idle clients (httplib finishes open
  // connections before listen returns).
  int keep_alive_seconds = 5;
  std::string tls_cert;  // PEM files; both set = HTTPS
  std::string tls_key;
  std::string node_name = "picket";
  std::string cluster_name = "picket";
};

class HttpServer {
 public:
  // `extra_stats_json` / `extra_prometheus` add engine counters (may be null).
  HttpServer(HttpOptions options, IngestQueue* queue, IngestWorker* worker, ServeMetrics* metrics,
             Authenticator auth, std::function<std::string()> extra_stats_json,
             std::function<std::string()> extra_prometheus);
  ~HttpServer();

  // Binds the listening socket; false with *error when it cannot.
  bool Bind(std::string* error);
  int port() const { return bound_port_; }
  // Serves until Stop(); returns after in-flight requests are answered.
  void Run();
  void Stop();

 private:
  void Routes();
  double Uptime() const;

  HttpOptions options_;
  IngestQueue* queue_;
  IngestWorker* worker_;
  ServeMetrics* metrics_;
  Authenticator auth_;
  std::function<std::string()> extra_stats_json_;
  std::function<std::string()> extra_prometheus_;
  std::unique_ptr<httplib::Server> server_;
  int bound_port_ = 0;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace picket::serve
