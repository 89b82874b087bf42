// The single thread that evaluates accepted `_bulk` requests and makes
// their outcome durable before they are answered.
//
// For each group of queued requests (group commit):
//   1. every index/create item's source is parsed and evaluated (rules see
//      the action's index); alerts are appended to the alert log;
//   2. the alert log is written and fdatasync'd;
//   3. the alert log position is put into the state store and the state
//      store commits with its WAL synced — one atomic RocksDB write;
//   4. only then is each request completed (its HTTP thread answers 200).
// A crash before 3 leaves the state as it was before the group; on restart
// the alert log is cut back to the committed position, so re-sent events
// alert again, once, with the same ids. A failure in 2 or 3 is fatal: the
// group is answered 500 and the worker refuses all later requests (503)
// because memory and disk no longer agree.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "serve/alert_log.h"
#include "serve/bulk_request.h"
#include "serve/evaluator.h"
#include "serve/ingest_queue.h"
#include "serve/metrics.h"
#include "state/rocksdb_store.h"

namespace picket::serve {

// The meta key under which the committed alert log position is stored.
inline constexpr std::string_view kAlertLogMetaKey = "alert_log";

struct BulkBatch {
  std::string body;  // the decoded request body; items point into it
  std::vector<BulkItem> items;
  std::vector<std::string> ids;  // filled by the worker: each item's _id
  std::chrono::steady_clock::time_point received;
  int64_t arrival_ms = 0;  // wall-clock time the request was complete (event.ingested)
  // Set when the whole request failed (5xx); else the items carry statuses.
  int http_status = 200;
  std::string error_type, error_reason;
  // Called once, on the worker thread, when the outcome is final (durable,
  // or failed); the HTTP layer answers from it.
  std::function<void()> on_done;
};

struct IngestWorkerOptions {
  size_t max_group_events = 20000;  // events per group commit, at most
  // Set event.ingested to the request's arrival time on events that lack
  // it (arrival_time.h); off for replays of old events.
  bool stamp_arrival = true;
};

class IngestWorker {
 public:
  IngestWorker(Evaluator* evaluator, state::RocksDbTermStore* store, AlertLog* log,
               ServeMetrics* metrics, IngestQueue* queue, IngestWorkerOptions options = {});
  ~IngestWorker();

  void Start();
  // Waits for the worker to drain the (closed) queue and stop.
  void Join();

  bool failed() const;
  std::string failure() const;
  // The alert log position of the last durable commit (for the forwarder).
  AlertLogPosition committed_position() const;

 private:
  void Run();
  void ProcessGroup(std::vector<std::shared_ptr<BulkBatch>>& group);
  void EvaluateBatch(BulkBatch& batch);
  void Fail(const std::string& reason);
  std::string NextId();

  Evaluator* evaluator_;
  state::RocksDbTermStore* store_;
  AlertLog* log_;
  ServeMetrics* metrics_;
  IngestQueue* queue_;
  IngestWorkerOptions options_;
  std::thread thread_;

  mutable std::mutex mu_;
  std::string failure_;  // non-empty after a fatal error
  AlertLogPosition committed_;

  uint64_t id_counter_ = 0;
  std::string id_prefix_;
  std::string scratch_rule_id_, scratch_rule_name_;
  std::string rewritten_;  // the current event with event.ingested added
};

}  // namespace picket::serve
