#include "serve/http_server.h"

#include <httplib.h>

#include "serve/bulk_request.h"
#include "serve/es_responses.h"

namespace picket::serve {

namespace {

constexpr const char* kJson = "application/json";

void Reply(httplib::Response& res, int status, std::string body) {
  res.status = status;
  res.set_content(std::move(body), kJson);
}

void ReplyError(httplib::Response& res, int status, std::string_view type,
                std::string_view reason) {
  Reply(res, status, ErrorBody(status, type, reason));
}

}  // namespace

HttpServer::HttpServer(HttpOptions options, IngestQueue* queue, IngestWorker* worker,
                       ServeMetrics* metrics, Authenticator auth,
                       std::function<std::string()> extra_stats_json,
                       std::function<std::string()> extra_prometheus)
    : options_(std::move(options)),
      queue_(queue),
      worker_(worker),
      metrics_(metrics),
      auth_(std::move(auth)),
      extra_stats_json_(std::move(extra_stats_json)),
      extra_prometheus_(std::move(extra_prometheus)),
      started_(std::chrono::steady_clock::now()) {}

HttpServer::~HttpServer() = default;

double HttpServer::Uptime() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

bool HttpServer::Bind(std::string* error) {
  if (!options_.tls_cert.empty() || !options_.tls_key.empty()) {
    if (options_.tls_cert.empty() || options_.tls_key.empty()) {
      *error = "TLS needs both --tls-cert and --tls-key";
      return false;
    }
    auto ssl = std::make_unique<httplib::SSLServer>(options_.tls_cert.c_str(),
                                                    options_.tls_key.c_str());
    if (!ssl->is_valid()) {
      *error = "cannot load TLS certificate " + options_.tls_cert + " / key " + options_.tls_key;
      return false;
    }
    server_ = std::move(ssl);
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  int threads = options_.threads > 0 ? options_.threads : 1;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_payload_max_length(options_.max_body_bytes);
  server_->set_read_timeout(options_.read_timeout_seconds, 0);
  server_->set_write_timeout(options_.write_timeout_seconds, 0);
  server_->set_keep_alive_timeout(options_.keep_alive_seconds);
  server_->set_keep_alive_max_count(1000000);
  server_->set_tcp_nodelay(true);
  server_->set_default_headers({{"X-Elastic-Product", "Elasticsearch"}});
  Routes();
  if (options_.port == 0) {
    bound_port_ = server_->bind_to_any_port(options_.host);
    if (bound_port_ <= 0) {
      *error = "cannot listen on " + options_.host + ": no free port";
      return false;
    }
  } else {
    if (!server_->bind_to_port(options_.host, options_.port)) {
      *error = "cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
               " (address in use or not permitted)";
      return false;
    }
    bound_port_ = options_.port;
  }
  return true;
}

void HttpServer::Run() { server_->listen_after_bind(); }

void HttpServer::Stop() {
  if (server_) server_->stop();
}

void HttpServer::Routes() {
  httplib::Server& s = *server_;

  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    ++metrics_->http_requests;
    if (auth_.enabled() && !auth_.Allows(req.get_header_value("Authorization"))) {
      res.set_header("WWW-Authenticate", "Basic realm=\"security\" charset=\"UTF-8\"");
      res.set_header("WWW-Authenticate", "ApiKey");
      ReplyError(res, 401, "security_exception",
                 "missing or invalid authentication credentials for REST request [" + req.path +
                     "]");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  // Errors raised by the HTTP layer itself (413, 400 bad request line, 404)
  // get Elasticsearch-shaped bodies.
  s.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 413) {
      ++metrics_->bulk_rejected_other;
      ReplyError(res, 413, "content_too_long_exception",
                 "request body is larger than the limit of " +
                     std::to_string(options_.max_body_bytes) + " bytes (--max-body-bytes)");
    } else if (res.status == 404) {
      ReplyError(res, 404, "no_handler_found_exception",
                 "no handler found for uri [" + req.path + "] and method [" + req.method + "]");
    } else {
      ReplyError(res, res.status, "http_exception",
                 "the request could not be processed (HTTP " + std::to_string(res.status) + ")");
    }
  });
  s.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "internal error";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        ReplyError(res, 500, "exception", what);
      });

  s.Get("/", [this](const httplib::Request&, httplib::Response& res) {
    Reply(res, 200, RootInfoBody(options_.node_name, options_.cluster_name));
  });
  s.Get("/_license", [](const httplib::Request&, httplib::Response& res) {
    Reply(res, 200, LicenseBody());
  });
  s.Get("/_xpack", [](const httplib::Request&, httplib::Response& res) {
    Reply(res, 200, XpackBody());
  });
  s.Get(R"(/_nodes(/.*)?)", [this](const httplib::Request&, httplib::Response& res) {
    Reply(res, 200,
          NodesHttpBody(options_.node_name,
                        options_.host + ":" + std::to_string(bound_port_),
                        options_.max_body_bytes));
  });
  s.Get(R"(/_cluster/health(/.*)?)", [this](const httplib::Request&, httplib::Response& res) {
    Reply(res, 200, ClusterHealthBody(options_.cluster_name));
  });
  s.Get("/_picket/stats", [this](const httplib::Request&, httplib::Response& res) {
    metrics_->queue_depth_events = queue_->depth_events();
    std::string body = metrics_->ToJson(Uptime());
    if (extra_stats_json_) {
      body.pop_back();  // '}'
      body += ",\"engine_rules\":" + extra_stats_json_() + "}";
    }
    Reply(res, 200, std::move(body));
  });
  s.Get("/_picket/health", [this](const httplib::Request&, httplib::Response& res) {
    if (worker_->failed())
      ReplyError(res, 503, "picket_unavailable_exception", worker_->failure());
    else
      Reply(res, 200, "{\"status\":\"ok\"}");
  });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    metrics_->queue_depth_events = queue_->depth_events();
    std::string body = metrics_->ToPrometheus(Uptime());
    if (extra_prometheus_) body += extra_prometheus_();
    res.set_content(std::move(body), "text/plain; version=0.0.4");
  });

  auto bulk = [this](const httplib::Request& req, httplib::Response& res) {
    ++metrics_->bulk_requests;
    metrics_->bytes_received += req.body.size();
    if (worker_->failed()) {
      ++metrics_->bulk_rejected_other;
      ReplyError(res, 503, "picket_unavailable_exception", worker_->failure());
      return;
    }
    auto batch = std::make_shared<BulkBatch>();
    batch->received = std::chrono::steady_clock::now();
    batch->body = req.body;
    std::string path_index = req.matches.size() > 1 ? std::string(req.matches[1]) : "";
    BulkParseError parse_error;
    if (batch->body.empty()) {
      ++metrics_->bulk_rejected_other;
      ReplyError(res, 400, "parse_exception", "request body is required");
      return;
    }
    if (!ParseBulkBody(batch->body, path_index, &batch->items, &parse_error)) {
      ++metrics_->bulk_rejected_other;
      ReplyError(res, parse_error.status, parse_error.type, parse_error.reason);
      return;
    }
    size_t events = 0;
    for (const BulkItem& item : batch->items) events += item.status == 0;
    auto done = batch->done.get_future();
    if (events > 0) {
      if (!queue_->TryPush(batch, events)) {
        ++metrics_->bulk_rejected_429;
        ReplyError(res, 429, "es_rejected_execution_exception",
                   "rejected execution: picket's ingest queue is full (" +
                       std::to_string(queue_->depth_events()) + " of " +
                       std::to_string(queue_->capacity_events()) +
                       " events queued); retry later");
        return;
      }
      metrics_->events_accepted += events;
    } else {
      // Nothing to evaluate: answer the per-item outcomes at once.
      batch->ids.resize(batch->items.size());
      for (size_t i = 0; i < batch->items.size(); ++i) {
        batch->ids[i] = batch->items[i].id;
        if (batch->items[i].status >= 400 && batch->items[i].status != 404)
          ++metrics_->items_failed;
      }
      batch->done.set_value();
    }
    done.wait();
    if (batch->http_status != 200) {
      ReplyError(res, batch->http_status, batch->error_type, batch->error_reason);
      return;
    }
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - batch->received)
                    .count();
    Reply(res, 200, BulkResponseBody(took, batch->items, batch->ids));
  };
  s.Post("/_bulk", bulk);
  s.Put("/_bulk", bulk);
  s.Post(R"(/([^/_][^/]*)/_bulk)", bulk);
  s.Put(R"(/([^/_][^/]*)/_bulk)", bulk);

  auto acknowledged = [](const httplib::Request&, httplib::Response& res) {
    Reply(res, 200, "{\"acknowledged\":true}");
  };
  s.Put(".*", acknowledged);
  s.Delete(".*", acknowledged);
  s.Post(R"(/_(index_template|template|ilm|ingest|component_template|data_stream)(/.*)?)",
         acknowledged);
  s.Post(".*", [](const httplib::Request& req, httplib::Response& res) {
    ReplyError(res, 400, "illegal_argument_exception",
               "picket accepts events through _bulk only; unsupported request [" + req.method +
                   " " + req.path + "]");
  });
  s.Get(".*", [](const httplib::Request&, httplib::Response& res) { Reply(res, 200, "{}"); });
}

}  // namespace picket::serve
