// Copies committed alerts from the alert log to a real Elasticsearch with
// `_bulk` `create` actions whose _id is the alert's deterministic
// kibana.alert.uuid, so a repeated send is answered 409 and stored once.
//
// The alert log is the outbox: the forwarder reads it from its cursor up to
// the worker's last committed position, sends, and persists the cursor
// (written to a temporary file and renamed) only after Elasticsearch has
// answered for every item: 201 created or 409 already there advance; 429
// and 5xx (item or request) are retried with backoff; other item errors
// (mapping conflicts) are counted, reported and skipped. After a crash the
// forwarder resumes at the persisted cursor: at-least-once delivery,
// deduplicated by id on the Elasticsearch side. Alerts with
// kibana.alert.suppression.* fields are sent with `index` instead: a later
// line with the same id carries an updated count and overwrites the earlier
// document (docs/engine.md, alert suppression).
#pragma once
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "serve/alert_log.h"
#include "serve/ingest_worker.h"
#include "serve/metrics.h"

namespace picket::serve {

struct ForwarderOptions {
  std::string url;  // http://host:port or https://host:port
  std::string index = ".alerts-security.alerts-default";
  std::string api_key;     // ID:KEY
  std::string basic_auth;  // USER:PASSWORD
  std::string cursor_path;
  size_t max_batch_alerts = 500;
  int timeout_seconds = 10;
  bool verify_tls = true;
};

class AlertForwarder {
 public:
  static std::unique_ptr<AlertForwarder> Create(const ForwarderOptions& options,
                                                const AlertLog* log, const IngestWorker* worker,
                                                ServeMetrics* metrics, std::string* error);
  ~AlertForwarder();
  void Start();
  // Tries for a few seconds to send what is committed, then stops. What is
  // left is sent after the next start.
  void Stop();

 private:
  AlertForwarder() = default;
  void Run();
  // Sends the next slice after the cursor. Returns true when it made
  // progress or there was nothing to send; false on a retryable failure.
  bool SendSome(bool* idle);
  bool SaveCursor(std::string* error);

  ForwarderOptions options_;
  const AlertLog* log_ = nullptr;
  const IngestWorker* worker_ = nullptr;
  ServeMetrics* metrics_ = nullptr;
  AlertLogPosition cursor_;
  std::string host_;
  std::string auth_header_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stopping_{false};
};

}  // namespace picket::serve
