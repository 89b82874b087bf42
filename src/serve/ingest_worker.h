// The ingest pipeline behind `_bulk`: evaluates accepted requests on every
// core and makes their outcome durable before they are answered.
//
//  1. Matching threads (`workers`, one Evaluator::Matcher each) take
//     requests from the queue in any interleaving and do the per-event,
//     stateless work: event.ingested on arrival (arrival_time.h), parsing,
//     and which rules' conditions each event matches. Events that match
//     nothing are done here.
//  2. One deciding thread takes the matched requests strictly in arrival
//     order (IngestQueue numbers them), groups consecutive ones (group
//     commit, at most max_group_events events; when the next request is
//     being matched right now, it waits up to 2 ms for it rather than pay
//     a commit of its own), and for each event that
//     matched something runs the stateful decisions (first-seen, ...) in
//     order; alerts are appended to the alert log. Decisions are therefore
//     exactly those of one thread evaluating the requests in arrival order.
//  3. The group's alerts and state changes (frozen, state/rocksdb_store.h)
//     go to the committing thread, and the deciding thread goes on with the
//     next group: decisions are not stalled by a commit's fsyncs. The
//     committing thread takes groups in order: the alert log is written and
//     fdatasync'd; the alert log position is written with the group's state
//     changes, WAL synced — one atomic RocksDB write.
//  4. Only then is each request of the group completed (its on_done answers
//     it), and its events leave the queue's capacity. So a 2xx still means
//     the request's alerts are fsync'd and the state that recorded them is
//     committed, with every earlier group's.
// A crash before 3 leaves the state as it was before the group; on restart
// the alert log is cut back to the committed position, so re-sent events
// alert again, once, with the same ids. A failure in 2 or 3 is fatal: the
// group is answered 500 and the pipeline refuses all later requests (503)
// because memory and disk no longer agree; groups decided after it and not
// yet committed are answered 503 and never written. With shared state (options.shared,
// docs/redis.md) the decisions of step 2 are made by the shared store
// (staged, then resolved in one round trip per server) and must be
// committed there before step 3; a shared-store failure answers the group
// 503, drops its alerts, and is not fatal. While a group is decided and
// committed, the matching threads go on with the requests after it.
#pragma once
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "serve/alert_log.h"
#include "serve/bulk_request.h"
#include "serve/evaluator.h"
#include "serve/ingest_queue.h"
#include "serve/metrics.h"
#include "serve/shared_state.h"
#include "state/rocksdb_store.h"

namespace picket::serve {

// The meta key under which the committed alert log position is stored.
inline constexpr std::string_view kAlertLogMetaKey = "alert_log";

// An event of a batch that matched something, as the deciding thread needs
// it: the item, the match, and the source text it was matched on when that
// is picket's rewrite (event.ingested added).
struct MatchedItem {
  size_t item = 0;
  engine::MatchResult match;
  bool stamped = false;
  std::string rewritten;
};

struct BulkBatch {
  std::string body;  // the decoded request body; items point into it
  std::vector<BulkItem> items;
  std::vector<std::string> ids;  // filled by the pipeline: each item's _id
  std::chrono::steady_clock::time_point received;
  int64_t arrival_ms = 0;            // wall-clock time the request was complete (event.ingested)
  uint64_t seq = 0;                  // arrival order (IngestQueue)
  size_t events = 0;                 // items to evaluate
  std::vector<MatchedItem> matched;  // filled by a matching thread
  size_t evaluated = 0;              // items that parsed (201)
  // Set when the whole request failed (5xx); else the items carry statuses.
  int http_status = 200;
  std::string error_type, error_reason;
  // Called once, on the deciding thread, when the outcome is final
  // (durable, or failed); the HTTP layer answers from it.
  std::function<void()> on_done;
};

struct IngestWorkerOptions {
  size_t max_group_events = 20000;  // events per group commit, at most
  // Set event.ingested to the request's arrival time on events that lack
  // it (arrival_time.h); off for replays of old events.
  bool stamp_arrival = true;
  int workers = 1;  // matching threads
  // Decisions shared with other nodes (Redis, docs/redis.md); null = the
  // local RocksDB store decides. With it, each group's matched events are
  // staged and resolved before they are decided, and the shared store must
  // Commit before the alerts are written; its failures answer the group
  // 503 and are not fatal.
  SharedState* shared = nullptr;
};

class IngestWorker {
 public:
  IngestWorker(Evaluator* evaluator, state::RocksDbTermStore* store, AlertLog* log,
               ServeMetrics* metrics, IngestQueue* queue, IngestWorkerOptions options = {});
  ~IngestWorker();

  void Start();
  // Waits for the pipeline to drain the (closed) queue and stop.
  void Join();

  bool failed() const;
  std::string failure() const;
  // False with *reason when `_bulk` must be refused now (503): after a
  // storage failure, or while the shared state is unreachable.
  bool Accepting(std::string* reason) const;
  // The alert log position of the last durable commit (for the forwarder).
  AlertLogPosition committed_position() const;

 private:
  void MatchLoop(Evaluator::Matcher* matcher);
  void Match(BulkBatch& batch, Evaluator::Matcher& matcher, std::string* scratch);
  void DecideLoop();
  void ProcessGroup(std::vector<std::shared_ptr<BulkBatch>>& group);
  void WriteAlert(const EmittedAlert& alert);  // into the group's alerts, counted
  // A decided group on its way to disk (step 3).
  struct Decided {
    std::vector<std::shared_ptr<BulkBatch>> group;
    std::string alerts;  // NDJSON lines
    std::shared_ptr<state::RocksDbTermStore::Frozen> changes;
    size_t state_entries = 0;
  };
  void CommitLoop();
  // Commits consecutive decided groups together (one alert fsync, one
  // state write): those that queued while the previous commit synced.
  void CommitGroups(std::vector<Decided>& decided);
  // Completes each request of the group (status 200 = durable).
  void Finish(std::vector<std::shared_ptr<BulkBatch>>& group, int status, const std::string& type,
              const std::string& reason);
  void Finish(std::vector<Decided>& decided, int status, const std::string& type,
              const std::string& reason);
  void DecideBatch(BulkBatch& batch);
  // Stages the group's matched events in the shared store and resolves
  // them; false with *error when it cannot.
  bool StageGroup(std::vector<std::shared_ptr<BulkBatch>>& group, std::string* error);
  void Fail(const std::string& reason);
  std::string NextId();

  Evaluator* evaluator_;
  state::RocksDbTermStore* store_;
  AlertLog* log_;
  ServeMetrics* metrics_;
  IngestQueue* queue_;
  IngestWorkerOptions options_;
  std::vector<std::unique_ptr<Evaluator::Matcher>> matchers_;
  std::vector<std::thread> matching_threads_;
  std::thread deciding_thread_;
  std::thread committing_thread_;

  // Decided groups waiting for the committing thread, in order.
  std::mutex commit_mu_;
  std::condition_variable commit_cv_;
  std::deque<Decided> to_commit_;
  bool deciding_done_ = false;

  // Matched batches waiting for their turn, by seq.
  std::mutex ready_mu_;
  std::condition_variable ready_cv_;
  std::map<uint64_t, std::shared_ptr<BulkBatch>> ready_;
  std::set<uint64_t> matching_;  // being matched now
  uint64_t next_seq_ = 0;
  int matching_running_ = 0;

  mutable std::mutex mu_;
  std::string failure_;  // non-empty after a fatal error
  AlertLogPosition committed_;

  uint64_t id_counter_ = 0;
  std::string id_prefix_;
  std::string scratch_rule_id_, scratch_rule_name_;
  std::string group_alerts_;  // the group being decided
};

}  // namespace picket::serve
