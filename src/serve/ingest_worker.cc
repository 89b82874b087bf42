#include "serve/ingest_worker.h"

#include <simdjson.h>

#include <cstdio>

#include "serve/arrival_time.h"
#include "util/time.h"

namespace picket::serve {

namespace {
constexpr char kBase36[] = "0123456789abcdefghijklmnopqrstuvwxyz";
std::string Base36(uint64_t v) {
  std::string out;
  do {
    out.insert(out.begin(), kBase36[v % 36]);
    v /= 36;
  } while (v);
  return out;
}
// Parses `source` into *doc with `parser`; on failure sets the item's error.
bool ParseEvent(simdjson::dom::parser& parser, std::string_view source, simdjson::dom::element* doc,
                BulkItem* item) {
  auto error = parser.parse(source.data(), source.size()).get(*doc);
  if (error == simdjson::SUCCESS && doc->is_object()) return true;
  item->status = 400;
  item->error_type = "document_parsing_exception";
  item->error_reason =
      error != simdjson::SUCCESS
          ? std::string("failed to parse the document: ") + simdjson::error_message(error)
          : "failed to parse the document: not a JSON object";
  return false;
}

}  // namespace

IngestWorker::IngestWorker(Evaluator* evaluator, state::RocksDbTermStore* store, AlertLog* log,
                           ServeMetrics* metrics, IngestQueue* queue, IngestWorkerOptions options)
    : evaluator_(evaluator),
      store_(store),
      log_(log),
      metrics_(metrics),
      queue_(queue),
      options_(options) {
  committed_ = log_->position();
  // Ids picket assigns are unique across restarts: start time + counter.
  id_prefix_ = "pk" + Base36(static_cast<uint64_t>(NowMs())) + "-";
}

IngestWorker::~IngestWorker() {
  queue_->Close();
  Join();
}

void IngestWorker::Start() {
  int workers = options_.workers > 0 ? options_.workers : 1;
  // Every matcher exists before events flow (Evaluator::NewMatcher).
  for (int i = 0; i < workers; ++i) matchers_.push_back(evaluator_->NewMatcher());
  matching_running_ = workers;
  for (auto& matcher : matchers_)
    matching_threads_.emplace_back([this, m = matcher.get()] { MatchLoop(m); });
  deciding_thread_ = std::thread([this] { DecideLoop(); });
  committing_thread_ = std::thread([this] { CommitLoop(); });
}

void IngestWorker::Join() {
  for (auto& t : matching_threads_)
    if (t.joinable()) t.join();
  if (deciding_thread_.joinable()) {
    deciding_thread_.join();
    {
      std::lock_guard<std::mutex> lock(commit_mu_);
      deciding_done_ = true;
    }
    commit_cv_.notify_all();
  }
  if (committing_thread_.joinable()) committing_thread_.join();
}

bool IngestWorker::failed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !failure_.empty();
}

std::string IngestWorker::failure() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failure_;
}

bool IngestWorker::Accepting(std::string* reason) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failure_.empty()) {
      *reason = failure_;
      return false;
    }
  }
  return !options_.shared || options_.shared->Available(reason);
}

AlertLogPosition IngestWorker::committed_position() const {
  std::lock_guard<std::mutex> lock(mu_);
  return committed_;
}

void IngestWorker::Fail(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  if (failure_.empty()) {
    failure_ = reason;
    std::fprintf(stderr, "picket serve: fatal: %s; refusing further events\n", reason.c_str());
  }
}

std::string IngestWorker::NextId() { return id_prefix_ + Base36(++id_counter_); }

void IngestWorker::MatchLoop(Evaluator::Matcher* matcher) {
  std::string scratch;
  std::shared_ptr<BulkBatch> batch;
  while (queue_->PopForMatching(&batch)) {
    uint64_t seq = batch->seq;
    {
      std::lock_guard<std::mutex> lock(ready_mu_);
      matching_.insert(seq);
    }
    matcher->BeginBatch();
    Match(*batch, *matcher, &scratch);
    matcher->EndBatch();
    {
      std::lock_guard<std::mutex> lock(ready_mu_);
      matching_.erase(seq);
      ready_.emplace(seq, std::move(batch));
    }
    ready_cv_.notify_all();
  }
  {
    std::lock_guard<std::mutex> lock(ready_mu_);
    --matching_running_;
  }
  ready_cv_.notify_all();
}

void IngestWorker::Match(BulkBatch& batch, Evaluator::Matcher& matcher, std::string* scratch) {
  thread_local simdjson::dom::parser parser;
  std::string stamp = options_.stamp_arrival ? IngestedStamp(batch.arrival_ms) : "";
  engine::MatchResult match;
  for (size_t i = 0; i < batch.items.size(); ++i) {
    BulkItem& item = batch.items[i];
    if (item.status != 0) continue;
    // Most events lack event.ingested and do not mention "ingested" at
    // all: they are stamped before the one parse. The others are parsed
    // first, and stamped (parsed again) only if they really lack it.
    std::string_view source = item.source;
    bool stamped = options_.stamp_arrival && MayLackIngested(item.source) &&
                   AddIngested(item.source, stamp, scratch);
    if (stamped) source = *scratch;
    simdjson::dom::element doc;
    auto parse_error = parser.parse(source.data(), source.size()).get(doc);
    bool restamp = !parse_error && doc.is_object() &&
                   (stamped ? EventFieldCannotHoldIngested(doc)
                            : options_.stamp_arrival && NeedsIngested(doc));
    if (restamp) {
      stamped = !stamped && AddIngested(item.source, stamp, scratch);
      source = stamped ? std::string_view(*scratch) : item.source;
    }
    if ((restamp || parse_error || !doc.is_object()) && !ParseEvent(parser, source, &doc, &item))
      continue;
    item.status = 201;
    ++batch.evaluated;
    IngestEvent event{doc, source, item.index, item.id, stamped ? item.source : ""};
    if (!matcher.Match(event, &match)) continue;
    MatchedItem m;
    m.item = i;
    m.match = std::move(match);
    m.stamped = stamped;
    if (stamped) m.rewritten = *scratch;
    batch.matched.push_back(std::move(m));
    match = engine::MatchResult();
  }
}

void IngestWorker::DecideLoop() {
  // How long the group may wait for the next request when a matching thread
  // is about to finish it: far less than the fsync a separate commit costs.
  constexpr auto kGroupWait = std::chrono::milliseconds(2);
  std::vector<std::shared_ptr<BulkBatch>> group;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(ready_mu_);
      ready_cv_.wait(lock, [&] {
        return ready_.count(next_seq_) || (matching_running_ == 0 && ready_.empty());
      });
      if (!ready_.count(next_seq_)) return;  // drained
      size_t events = 0;
      auto deadline = std::chrono::steady_clock::now() + kGroupWait;
      for (;;) {
        auto it = ready_.find(next_seq_);
        if (it == ready_.end()) {
          // The next request is being matched: wait a moment for it, so
          // that it shares this group's commit.
          if (!matching_.count(next_seq_) ||
              !ready_cv_.wait_until(lock, deadline, [&] { return ready_.count(next_seq_) > 0; }))
            break;
          continue;
        }
        if (!group.empty() && events + it->second->events > options_.max_group_events) break;
        events += it->second->events;
        group.push_back(std::move(it->second));
        ready_.erase(it);
        ++next_seq_;
      }
    }
    ProcessGroup(group);
    metrics_->queue_depth_events = queue_->depth_events();
    group.clear();
  }
}

void IngestWorker::WriteAlert(const EmittedAlert& alert) {
  group_alerts_.append(alert.json);
  group_alerts_.push_back('\n');
  ++metrics_->alerts_written;
  scratch_rule_id_.assign(alert.rule_id);
  scratch_rule_name_.assign(alert.rule_name);
  metrics_->AddRuleAlert(scratch_rule_id_, scratch_rule_name_);
}

void IngestWorker::DecideBatch(BulkBatch& batch) {
  thread_local simdjson::dom::parser parser;
  batch.ids.resize(batch.items.size());
  for (size_t i = 0; i < batch.items.size(); ++i) {
    const BulkItem& item = batch.items[i];
    batch.ids[i] = item.id.empty() ? NextId() : item.id;
    if (item.status >= 400 && item.status != 404) ++metrics_->items_failed;
  }
  // The events that matched something, parsed again (they are few) from
  // the text they were matched on.
  for (MatchedItem& m : batch.matched) {
    BulkItem& item = batch.items[m.item];
    std::string_view source = m.stamped ? std::string_view(m.rewritten) : item.source;
    simdjson::dom::element doc;
    if (!ParseEvent(parser, source, &doc, &item)) continue;  // parsed before: cannot fail
    IngestEvent event{doc, source, item.index, item.id, m.stamped ? item.source : ""};
    evaluator_->Evaluate(event, m.match, [&](const EmittedAlert& alert) { WriteAlert(alert); });
  }
  metrics_->events_evaluated += batch.evaluated;
}

bool IngestWorker::StageGroup(std::vector<std::shared_ptr<BulkBatch>>& group, std::string* error) {
  thread_local simdjson::dom::parser parser;
  for (auto& batch : group)
    for (MatchedItem& m : batch->matched) {
      BulkItem& item = batch->items[m.item];
      std::string_view source = m.stamped ? std::string_view(m.rewritten) : item.source;
      simdjson::dom::element doc;
      if (parser.parse(source.data(), source.size()).get(doc) != simdjson::SUCCESS) continue;
      evaluator_->Stage(IngestEvent{doc, source, item.index, item.id, m.stamped ? item.source : ""},
                        m.match);
    }
  return evaluator_->ResolveStaged(error);
}

void IngestWorker::Finish(std::vector<std::shared_ptr<BulkBatch>>& group, int status,
                          const std::string& type, const std::string& reason) {
  auto now = std::chrono::steady_clock::now();
  for (auto& batch : group) {
    if (status != 200) {
      batch->http_status = status;
      batch->error_type = type;
      batch->error_reason = reason;
    } else {
      metrics_->request_latency.Record(
          std::chrono::duration<double>(now - batch->received).count());
    }
    queue_->Release(batch->events);  // before the answer: its sender may send again at once
    if (batch->on_done) batch->on_done();
  }
}

void IngestWorker::ProcessGroup(std::vector<std::shared_ptr<BulkBatch>>& group) {
  if (failed()) {
    Finish(group, 503, "picket_unavailable_exception", "picket cannot accept events: " + failure());
    return;
  }
  std::string error;
  SharedState* shared = options_.shared;
  if (shared) {
    if (!shared->Available(&error)) {
      Finish(group, 503, "picket_unavailable_exception",
             "picket's shared state is unavailable: " + error);
      return;
    }
    shared->BeginGroup();
  }
  group_alerts_.clear();
  evaluator_->BeginGroup();
  bool staged = !shared || StageGroup(group, &error);
  if (staged) {
    for (auto& batch : group) DecideBatch(*batch);
    evaluator_->FinishGroup([&](const EmittedAlert& alert) { WriteAlert(alert); });
  }
  evaluator_->EndGroup();
  if (shared && (!staged || !shared->Commit(&error))) {
    // Nothing of the group is acknowledged: its alerts go, the shipper
    // sends it again and the shared store decides the same (owners).
    group_alerts_.clear();
    shared->GroupFailed(error);
    Finish(group, 503, "picket_unavailable_exception", "picket's shared state failed: " + error);
    return;
  }
  Decided decided;
  decided.group = std::move(group);
  decided.alerts = std::move(group_alerts_);
  group_alerts_ = std::string();
  decided.changes = store_->Freeze();
  decided.state_entries = shared ? shared->entries() : store_->size();
  {
    std::lock_guard<std::mutex> lock(commit_mu_);
    to_commit_.push_back(std::move(decided));
  }
  commit_cv_.notify_all();
}

void IngestWorker::Finish(std::vector<Decided>& decided, int status, const std::string& type,
                          const std::string& reason) {
  for (Decided& d : decided) Finish(d.group, status, type, reason);
}

void IngestWorker::CommitLoop() {
  std::vector<Decided> decided;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(commit_mu_);
      commit_cv_.wait(lock, [&] { return deciding_done_ || !to_commit_.empty(); });
      if (to_commit_.empty()) return;  // deciding is done and everything is committed
      size_t events = 0;
      while (!to_commit_.empty()) {
        for (auto& batch : to_commit_.front().group) events += batch->events;
        decided.push_back(std::move(to_commit_.front()));
        to_commit_.pop_front();
        if (events >= options_.max_group_events) break;
      }
    }
    CommitGroups(decided);
    decided.clear();
  }
}

void IngestWorker::CommitGroups(std::vector<Decided>& decided) {
  if (failed()) {
    // An earlier group's commit failed: these groups' decisions built on
    // state that is not on disk; none of it is written.
    Finish(decided, 503, "picket_unavailable_exception",
           "picket cannot accept events: " + failure());
    return;
  }
  std::vector<state::RocksDbTermStore::Frozen*> changes;
  bool alerts = false;
  for (Decided& d : decided) {
    if (d.changes) changes.push_back(d.changes.get());
    alerts = alerts || !d.alerts.empty();
  }
  if (changes.empty() && !alerts) {
    // The groups changed no state and wrote no alert: nothing to make
    // durable, and no fsync to wait for (earlier groups were answered
    // first: this thread takes them in order).
    Finish(decided, 200, "", "");
    return;
  }
  std::string error;
  auto commit_start = std::chrono::steady_clock::now();
  for (Decided& d : decided) log_->AppendLines(d.alerts);
  if (!log_->Flush(&error)) {
    Fail(error);
    Finish(decided, 500, "picket_storage_exception", error);
    return;
  }
  AlertLogPosition position = log_->position();
  if (!store_->CommitFrozen(changes, kAlertLogMetaKey, position.Encode(), &error)) {
    Fail(error);
    Finish(decided, 500, "picket_storage_exception", error);
    return;
  }
  metrics_->commit_latency.Record(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - commit_start).count());
  ++metrics_->commits;
  metrics_->state_entries = decided.back().state_entries;
  metrics_->state_bytes = store_->committed_bytes();
  {
    std::lock_guard<std::mutex> lock(mu_);
    committed_ = position;
  }
  // Rotation happens between commits, so a committed position always names
  // a complete file prefix; the new file's identity is committed before any
  // alert goes into it (see alert_log.h). The position is written on its
  // own: only this thread writes it.
  bool rotated = false;
  if (!log_->RotateIfNeeded(&error, &rotated)) {
    std::fprintf(stderr, "picket serve: %s\n", error.c_str());
  } else if (rotated) {
    position = log_->position();
    if (!store_->WriteMetaNow(kAlertLogMetaKey, position.Encode(), &error)) {
      Fail(error);
      Finish(decided, 500, "picket_storage_exception", error);
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    committed_ = position;
  }
  Finish(decided, 200, "", "");
}

}  // namespace picket::serve
