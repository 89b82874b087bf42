#include "serve/es_api.h"

#include <boost/algorithm/string.hpp>

#include "engine/json_text.h"
#include "serve/bulk_request.h"
#include "serve/es_responses.h"

namespace picket::serve {

namespace {

ApiReply Json(int status, std::string body) {
  ApiReply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// The media types Elasticsearch reads a JSON or NDJSON body as (parameters
// such as charset or compatible-with aside). SMILE and CBOR, which it also
// reads, picket does not.
bool IsJsonMediaType(std::string_view content_type) {
  std::string type(content_type.substr(0, content_type.find(';')));
  boost::algorithm::trim(type);
  boost::algorithm::to_lower(type);
  return type == "application/json" || type == "application/x-ndjson" ||
         type == "application/vnd.elasticsearch+json" ||
         type == "application/vnd.elasticsearch+x-ndjson";
}

// "/{index}/_bulk" -> index; "" for "/_bulk"; nullopt when not a bulk path.
std::optional<std::string_view> BulkPathIndex(std::string_view path) {
  if (path == "/_bulk") return std::string_view();
  constexpr std::string_view kSuffix = "/_bulk";
  if (path.size() <= kSuffix.size() + 1 || path.substr(path.size() - kSuffix.size()) != kSuffix)
    return std::nullopt;
  std::string_view index = path.substr(1, path.size() - kSuffix.size() - 1);
  if (index.empty() || index[0] == '_' || index.find('/') != std::string_view::npos)
    return std::nullopt;
  return index;
}

bool IsSetupPost(std::string_view path) {
  for (std::string_view p : {"/_index_template", "/_template", "/_ilm", "/_ingest",
                             "/_component_template", "/_data_stream"}) {
    if (StartsWith(path, p) && (path.size() == p.size() || path[p.size()] == '/')) return true;
  }
  return false;
}

// The answer to a bulk request the worker is done with.
ApiReply BulkAnswer(const BulkBatch& batch) {
  if (batch.http_status != 200)
    return Json(batch.http_status,
                ErrorBody(batch.http_status, batch.error_type, batch.error_reason));
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - batch.received)
                  .count();
  return Json(200, BulkResponseBody(took, batch.items, batch.ids));
}

}  // namespace

EsApi::EsApi(EsApiSettings settings, IngestQueue* queue, IngestWorker* worker,
             ServeMetrics* metrics, Authenticator auth,
             std::function<std::string()> extra_stats_json,
             std::function<std::string()> extra_prometheus)
    : settings_(std::move(settings)),
      queue_(queue),
      worker_(worker),
      metrics_(metrics),
      auth_(std::move(auth)),
      extra_stats_json_(std::move(extra_stats_json)),
      extra_prometheus_(std::move(extra_prometheus)),
      started_(std::chrono::steady_clock::now()) {}

double EsApi::Uptime() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

ApiReply EsApi::Error(int status, std::string_view type, std::string_view reason) {
  return Json(status, ErrorBody(status, type, reason));
}

std::optional<ApiReply> EsApi::Admit(std::string_view method, std::string_view path,
                                     std::string_view authorization,
                                     std::optional<std::string_view> content_type,
                                     bool has_body) const {
  if (auth_.enabled() && !auth_.Allows(authorization)) {
    ApiReply r = Error(401, "security_exception",
                       "missing or invalid authentication credentials for REST request [" +
                           std::string(path) + "]");
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"security\" charset=\"UTF-8\"");
    r.headers.emplace_back("WWW-Authenticate", "ApiKey");
    return r;
  }
  if (has_body && (!content_type || !IsJsonMediaType(*content_type))) {
    // Elasticsearch's simple error shape for this case.
    std::string message =
        content_type ? "Content-Type header [" + std::string(*content_type) + "] is not supported"
                     : "Content-Type header is missing";
    std::string body = "{\"error\":";
    engine::AppendJsonString(&body, message);
    body += ",\"status\":406}";
    return Json(406, std::move(body));
  }
  return std::nullopt;
}

std::optional<ApiReply> EsApi::Handle(ApiRequest request, std::function<void(ApiReply)> deliver) {
  ++metrics_->http_requests;
  std::string_view method = request.method, path = request.path;
  bool get = method == "GET" || method == "HEAD";
  if (get) {
    if (path == "/") return Json(200, RootInfoBody(settings_.node_name, settings_.cluster_name));
    if (path == "/_license") return Json(200, LicenseBody());
    if (path == "/_xpack") return Json(200, XpackBody());
    if (path == "/_nodes" || StartsWith(path, "/_nodes/"))
      return Json(200, NodesHttpBody(settings_.node_name, settings_.publish_address,
                                     settings_.max_body_bytes));
    if (path == "/_cluster/health" || StartsWith(path, "/_cluster/health/"))
      return Json(200, ClusterHealthBody(settings_.cluster_name));
    if (path == "/_picket/stats") {
      metrics_->queue_depth_events = queue_->depth_events();
      std::string body = metrics_->ToJson(Uptime());
      if (extra_stats_json_) {
        body.pop_back();  // '}'
        body += ",\"engine_rules\":" + extra_stats_json_() + "}";
      }
      return Json(200, std::move(body));
    }
    if (path == "/_picket/health") {
      std::string reason;
      if (!worker_->Accepting(&reason)) return Error(503, "picket_unavailable_exception", reason);
      return Json(200, "{\"status\":\"ok\"}");
    }
    if (path == "/metrics") {
      metrics_->queue_depth_events = queue_->depth_events();
      ApiReply r = Json(200, metrics_->ToPrometheus(Uptime()));
      if (extra_prometheus_) r.body += extra_prometheus_();
      r.content_type = "text/plain; version=0.0.4";
      return r;
    }
    return Json(200, "{}");
  }
  if (method == "POST" || method == "PUT") {
    if (auto index = BulkPathIndex(path)) return Bulk(request, *index, deliver);
  }
  if (method == "PUT" || method == "DELETE" || (method == "POST" && IsSetupPost(path)))
    return Json(200, "{\"acknowledged\":true}");
  if (method == "POST")
    return Error(400, "illegal_argument_exception",
                 "picket accepts events through _bulk only; unsupported request [" +
                     std::string(method) + " " + std::string(path) + "]");
  ApiReply r = Error(405, "illegal_argument_exception",
                     "Incorrect HTTP method for uri [" + std::string(path) + "] and method [" +
                         std::string(method) + "], allowed: [GET, HEAD, PUT, POST, DELETE]");
  r.headers.emplace_back("Allow", "GET,HEAD,PUT,POST,DELETE");
  return r;
}

std::optional<ApiReply> EsApi::Bulk(ApiRequest& request, std::string_view path_index,
                                    std::function<void(ApiReply)>& deliver) {
  ++metrics_->bulk_requests;
  metrics_->bytes_received += request.body.size();
  if (std::string reason; !worker_->Accepting(&reason)) {
    ++metrics_->bulk_rejected_other;
    return Error(503, "picket_unavailable_exception", reason);
  }
  if (request.body.empty()) {
    ++metrics_->bulk_rejected_other;
    return Error(400, "parse_exception", "request body is required");
  }
  auto batch = std::make_shared<BulkBatch>();
  batch->received = request.received;
  batch->arrival_ms = request.arrival_ms;
  batch->body = std::move(request.body);
  BulkParseError parse_error;
  if (!ParseBulkBody(batch->body, path_index, &batch->items, &parse_error)) {
    ++metrics_->bulk_rejected_other;
    return Error(parse_error.status, parse_error.type, parse_error.reason);
  }
  size_t events = 0;
  for (const BulkItem& item : batch->items) events += item.status == 0;
  if (events == 0) {
    // Nothing to evaluate: the per-item outcomes are the answer.
    batch->ids.resize(batch->items.size());
    for (size_t i = 0; i < batch->items.size(); ++i) {
      batch->ids[i] = batch->items[i].id;
      if (batch->items[i].status >= 400 && batch->items[i].status != 404) ++metrics_->items_failed;
    }
    return BulkAnswer(*batch);
  }
  // Answered when the worker is done with the batch (the worker holds the
  // batch, and the batch this callback, until then).
  BulkBatch* raw = batch.get();
  batch->on_done = [raw, deliver = std::move(deliver)]() { deliver(BulkAnswer(*raw)); };
  if (!queue_->TryPush(batch, events)) {
    ++metrics_->bulk_rejected_429;
    return Error(429, "es_rejected_execution_exception",
                 "rejected execution: picket's ingest queue is full (" +
                     std::to_string(queue_->depth_events()) + " of " +
                     std::to_string(queue_->capacity_events()) + " events queued); retry later");
  }
  metrics_->events_accepted += events;
  return std::nullopt;
}

}  // namespace picket::serve
