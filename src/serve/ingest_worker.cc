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
  if (thread_.joinable()) {
    queue_->Close();
    thread_.join();
  }
}

void IngestWorker::Start() {
  thread_ = std::thread([this] { Run(); });
}

void IngestWorker::Join() {
  if (thread_.joinable()) thread_.join();
}

bool IngestWorker::failed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !failure_.empty();
}

std::string IngestWorker::failure() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failure_;
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

void IngestWorker::Run() {
  std::vector<std::shared_ptr<BulkBatch>> group;
  while (queue_->PopGroup(&group, options_.max_group_events)) {
    metrics_->queue_depth_events = queue_->depth_events();
    ProcessGroup(group);
    group.clear();
  }
}

void IngestWorker::EvaluateBatch(BulkBatch& batch) {
  thread_local simdjson::dom::parser parser;
  std::string stamp = options_.stamp_arrival ? IngestedStamp(batch.arrival_ms) : "";
  batch.ids.resize(batch.items.size());
  for (size_t i = 0; i < batch.items.size(); ++i) {
    BulkItem& item = batch.items[i];
    batch.ids[i] = item.id.empty() ? NextId() : item.id;
    if (item.status != 0) {
      if (item.status >= 400 && item.status != 404) ++metrics_->items_failed;
      continue;
    }
    // Most events lack event.ingested and do not mention "ingested" at
    // all: they are stamped before the one parse. The others are parsed
    // first, and stamped (parsed again) only if they really lack it.
    std::string_view source = item.source;
    bool stamped = options_.stamp_arrival && MayLackIngested(item.source) &&
                   AddIngested(item.source, stamp, &rewritten_);
    if (stamped) source = rewritten_;
    simdjson::dom::element doc;
    auto parse_error = parser.parse(source.data(), source.size()).get(doc);
    bool restamp = !parse_error && doc.is_object() &&
                   (stamped ? EventFieldCannotHoldIngested(doc)
                            : options_.stamp_arrival && NeedsIngested(doc));
    if (restamp) {
      stamped = !stamped && AddIngested(item.source, stamp, &rewritten_);
      source = stamped ? std::string_view(rewritten_) : item.source;
      parse_error = parser.parse(source.data(), source.size()).get(doc);
    }
    if (parse_error != simdjson::SUCCESS || !doc.is_object()) {
      item.status = 400;
      item.error_type = "document_parsing_exception";
      item.error_reason =
          parse_error != simdjson::SUCCESS
              ? std::string("failed to parse the document: ") + simdjson::error_message(parse_error)
              : "failed to parse the document: not a JSON object";
      ++metrics_->items_failed;
      continue;
    }
    IngestEvent event{doc, source, item.index, item.id, stamped ? item.source : ""};
    evaluator_->Evaluate(event, [&](const EmittedAlert& alert) {
      log_->Append(alert.json);
      ++metrics_->alerts_written;
      scratch_rule_id_.assign(alert.rule_id);
      scratch_rule_name_.assign(alert.rule_name);
      metrics_->AddRuleAlert(scratch_rule_id_, scratch_rule_name_);
    });
    item.status = 201;
    ++metrics_->events_evaluated;
  }
}

void IngestWorker::ProcessGroup(std::vector<std::shared_ptr<BulkBatch>>& group) {
  auto finish = [&](int status, const std::string& type, const std::string& reason) {
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
      if (batch->on_done) batch->on_done();
    }
  };
  if (failed()) {
    finish(503, "picket_unavailable_exception", "picket cannot accept events: " + failure());
    return;
  }
  for (auto& batch : group) EvaluateBatch(*batch);

  auto commit_start = std::chrono::steady_clock::now();
  std::string error;
  if (!log_->Flush(&error)) {
    Fail(error);
    finish(500, "picket_storage_exception", error);
    return;
  }
  AlertLogPosition position = log_->position();
  store_->PutMeta(kAlertLogMetaKey, position.Encode());
  if (!store_->Sync(&error)) {
    Fail(error);
    finish(500, "picket_storage_exception", error);
    return;
  }
  metrics_->commit_latency.Record(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - commit_start).count());
  ++metrics_->commits;
  metrics_->state_entries = store_->size();
  evaluator_->AfterGroup();
  {
    std::lock_guard<std::mutex> lock(mu_);
    committed_ = position;
  }
  // Rotation happens between commits, so a committed position always names
  // a complete file prefix; the new file's identity is committed before any
  // alert goes into it (see alert_log.h).
  bool rotated = false;
  if (!log_->RotateIfNeeded(&error, &rotated)) {
    std::fprintf(stderr, "picket serve: %s\n", error.c_str());
  } else if (rotated) {
    position = log_->position();
    store_->PutMeta(kAlertLogMetaKey, position.Encode());
    if (!store_->Sync(&error)) {
      Fail(error);
      finish(500, "picket_storage_exception", error);
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    committed_ = position;
  }
  finish(200, "", "");
}

}  // namespace picket::serve
