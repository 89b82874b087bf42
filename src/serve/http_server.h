// The network front of `picket serve`: HTTP/1.1 (and HTTPS) on Boost.Beast
// over Asio, serving the Elasticsearch surface in es_api.h.
//
// Why Beast/Asio and not a thread-per-connection server (cpp-httplib, which
// picket used first): there, each connection holds a thread from accept to
// close, so 40 idle keep-alive clients, or two clients trickling a byte
// every few seconds, held every thread and stalled real ingest for tens of
// seconds. Here every read, write, TLS handshake and wait is asynchronous
// on a few network threads, so a connection that is idle, slow, or waiting
// for its bulk answer costs a socket and a few kilobytes, never a thread,
// and never an evaluation slot (evaluation is the ingest worker's).
//
// Per connection (each runs on its own strand):
//   idle       waiting for the first byte of a request; closed after
//              idle_timeout; may be evicted for a new connection
//              (connection_registry.h)
//   reading    from the first byte (the TLS handshake included) to the last
//              byte of the body: one deadline, read_timeout, for all of it,
//              however slowly the bytes come
//   waiting    a _bulk request queued for the worker; the answer is written
//              when the worker has made it durable
//   writing    the whole response within write_timeout
// Requests on one connection are read and answered one after another, so
// pipelined requests are all answered, in order.
//
// Request framing follows RFC 9112; what cannot be framed gets 400 and the
// connection is closed (its remaining bytes cannot be trusted): conflicting
// or malformed Content-Length (6.3), Transfer-Encoding together with
// Content-Length (6.1), a transfer coding other than chunked (501), chunked
// not final or in an HTTP/1.0 request, a bad chunk size, a missing or
// repeated Host in HTTP/1.1 (3.2), whitespace before a header's colon
// (5.1). A request with neither length nor chunking has an empty body (6.3
// rule 7) and is answered at once. Headers over max_header_bytes get 431; a
// body over max_body_bytes gets 413 (from Content-Length before it is read,
// else while it is read or decoded: chunked and compressed bodies alike,
// content_decoding.h); Expect: 100-continue is answered before the body is
// read, and not when the request is refused first. HTTP versions other than
// 1.0 and 1.1 get 505.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "serve/auth.h"
#include "serve/ingest_queue.h"
#include "serve/ingest_worker.h"
#include "serve/metrics.h"

namespace picket::serve {

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 9200;                      // 0 = any free port (see HttpServer::port())
  size_t max_body_bytes = 100u << 20;   // Elasticsearch's http.max_content_length
  size_t max_header_bytes = 16u << 10;  // Elasticsearch's http.max_header_size
  int threads = 2;                      // network threads
  int read_timeout_seconds = 30;        // a whole request, from its first byte
  int write_timeout_seconds = 30;       // a whole response
  int idle_timeout_seconds = 60;        // a keep-alive connection without a request
  size_t max_connections = 4096;
  size_t max_client_connections = 256;  // per client address
  std::string tls_cert;                 // PEM files; both set = HTTPS
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

  // Binds the listening socket (and loads the TLS files); false with *error.
  bool Bind(std::string* error);
  int port() const;
  // Serves until Stop(); then stops accepting, closes connections that hold
  // no queued request, and returns once the queued ones are answered.
  void Run();
  void Stop();  // any thread

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace picket::serve
