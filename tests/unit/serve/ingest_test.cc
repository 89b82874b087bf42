// The ingest worker's durability protocol and the bounded queue, with a fake
// evaluator: alerts are durable and the alert-log position is committed with
// the state; uncommitted alerts are cut off on reopen; a full queue refuses.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "event/document.h"
#include "serve/alert_log.h"
#include "serve/ingest_queue.h"
#include "serve/ingest_worker.h"
#include "state/rocksdb_store.h"

namespace picket::serve {
namespace {

// Matches every event; alerts once per distinct "k" value, using the store
// like a new_terms rule.
class EveryEventMatcher : public Evaluator::Matcher {
 public:
  bool Match(const IngestEvent&, engine::MatchResult*) override { return true; }
};

class FakeEvaluator : public Evaluator {
 public:
  explicit FakeEvaluator(state::TermStore* store) : store_(store) {}
  std::unique_ptr<Matcher> NewMatcher() override { return std::make_unique<EveryEventMatcher>(); }
  void Evaluate(const IngestEvent& event, const engine::MatchResult&, const Emit& emit) override {
    std::string_view k;
    if (event.doc["k"].get_string().get(k) != simdjson::SUCCESS) return;
    if (!store_->Observe(k, 1000, 1000000, false).is_new) return;
    std::string json = "{\"kibana.alert.uuid\":\"id-" + std::string(k) + "\",\"index\":\"" +
                       std::string(event.index) + "\"}";
    emit(EmittedAlert{"id", "rule-1", "Rule one", json});
  }
  state::TermStore* store_;
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("picket_ingest_" + std::to_string(getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::shared_ptr<BulkBatch> MakeBatch(const std::string& body, size_t* events) {
    auto batch = std::make_shared<BulkBatch>();
    batch->body = body;
    BulkParseError error;
    EXPECT_TRUE(ParseBulkBody(batch->body, "logs-x", &batch->items, &error));
    *events = 0;
    for (auto& item : batch->items) *events += item.status == 0;
    return batch;
  }
  std::string dir_;
};

TEST_F(IngestTest, AnswersOnlyAfterAlertsAndStateAreCommitted) {
  std::string error;
  auto store = state::RocksDbTermStore::Open(dir_ + "/terms", {}, &error);
  ASSERT_TRUE(store) << error;
  auto log = AlertLog::Open(dir_ + "/alerts.ndjson", 0, std::nullopt, &error);
  ASSERT_TRUE(log) << error;
  FakeEvaluator evaluator(store.get());
  ServeMetrics metrics;
  IngestQueue queue(100);
  IngestWorker worker(&evaluator, store.get(), log.get(), &metrics, &queue);
  worker.Start();
  size_t events = 0;
  auto batch = MakeBatch(
      "{\"index\":{}}\n{\"k\":\"a\"}\n{\"index\":{}}\n{\"k\":\"a\"}\n"
      "{\"index\":{}}\nnot json\n{\"index\":{}}\n{\"k\":\"b\"}\n",
      &events);
  EXPECT_EQ(events, 4u);
  std::promise<void> answered;
  batch->on_done = [&] { answered.set_value(); };
  auto done = answered.get_future();
  ASSERT_TRUE(queue.TryPush(batch, events));
  done.wait();
  EXPECT_EQ(batch->http_status, 200);
  EXPECT_EQ(batch->items[0].status, 201);
  EXPECT_EQ(batch->items[2].status, 400);
  EXPECT_EQ(ReadAll(dir_ + "/alerts.ndjson"),
            "{\"kibana.alert.uuid\":\"id-a\",\"index\":\"logs-x\"}\n"
            "{\"kibana.alert.uuid\":\"id-b\",\"index\":\"logs-x\"}\n");
  auto meta = store->GetMeta(kAlertLogMetaKey);
  ASSERT_TRUE(meta.has_value());
  EXPECT_EQ(AlertLogPosition::Decode(*meta)->offset, log->position().offset);
  EXPECT_EQ(store->pending_bytes(), 0u);  // committed before answering
  queue.Close();
  worker.Join();
  EXPECT_EQ(metrics.alerts_written.load(), 2u);
}

std::string AlertLine(const std::string& id) { return "{\"kibana.alert.uuid\":\"" + id + "\"}"; }

// Writes a fresh alert file at `path`: the alerts `committed`, whose end
// position is returned (what the worker commits), then `uncommitted`.
AlertLogPosition WriteAlerts(const std::string& path, const std::vector<std::string>& committed,
                             const std::vector<std::string>& uncommitted = {}) {
  std::filesystem::remove(path);
  std::string error;
  auto log = AlertLog::Open(path, 0, std::nullopt, &error);
  EXPECT_TRUE(log) << error;
  for (const auto& id : committed) log->Append(AlertLine(id));
  EXPECT_TRUE(log->Flush(&error)) << error;
  AlertLogPosition position = log->position();
  for (const auto& id : uncommitted) log->Append(AlertLine(id));
  EXPECT_TRUE(log->Flush(&error)) << error;
  return position;
}

// Records what the evaluator was given.
class RecordingEvaluator : public Evaluator {
 public:
  std::unique_ptr<Matcher> NewMatcher() override { return std::make_unique<EveryEventMatcher>(); }
  void Evaluate(const IngestEvent& event, const engine::MatchResult&, const Emit&) override {
    raws.emplace_back(event.raw);
    received.emplace_back(event.received_raw);
    std::string_view ingested;
    event::FirstString(event.doc, "event.ingested", &ingested);
    seen_ingested.emplace_back(ingested);
  }
  std::vector<std::string> raws, received, seen_ingested;
};

TEST_F(IngestTest, StampsArrivalTimeWhereMissingAndKeepsTheReceivedBytes) {
  std::string error;
  auto store = state::RocksDbTermStore::Open(dir_ + "/terms", {}, &error);
  auto log = AlertLog::Open(dir_ + "/alerts.ndjson", 0, std::nullopt, &error);
  for (bool stamp : {true, false}) {
    RecordingEvaluator evaluator;
    ServeMetrics metrics;
    IngestQueue queue(100);
    IngestWorkerOptions options;
    options.stamp_arrival = stamp;
    IngestWorker worker(&evaluator, store.get(), log.get(), &metrics, &queue, options);
    worker.Start();
    size_t events = 0;
    auto batch = MakeBatch(
        "{\"index\":{}}\n{\"event\":{\"id\":\"1\"}}\n"
        "{\"index\":{}}\n{\"event\":{\"ingested\":\"2026-01-01T00:00:00Z\"}}\n"
        "{\"index\":{}}\n{\"note\":\"ingested\"}\n",
        &events);
    batch->arrival_ms = 1772460313482;  // 2026-03-02T14:05:13.482Z
    std::promise<void> answered;
    batch->on_done = [&] { answered.set_value(); };
    ASSERT_TRUE(queue.TryPush(batch, events));
    answered.get_future().wait();
    queue.Close();
    worker.Join();
    ASSERT_EQ(evaluator.raws.size(), 3u);
    if (stamp) {
      EXPECT_EQ(evaluator.raws[0],
                "{\"event\":{\"id\":\"1\"},\"event.ingested\":\"2026-03-02T14:05:13Z\"}");
      EXPECT_EQ(evaluator.received[0], "{\"event\":{\"id\":\"1\"}}");
      EXPECT_EQ(evaluator.seen_ingested[0], "2026-03-02T14:05:13Z");
      EXPECT_EQ(evaluator.seen_ingested[1], "2026-01-01T00:00:00Z");  // its own is kept
      EXPECT_EQ(evaluator.received[1], "");
      EXPECT_EQ(evaluator.seen_ingested[2], "2026-03-02T14:05:13Z");  // parsed, then stamped
      EXPECT_EQ(evaluator.received[2], "{\"note\":\"ingested\"}");
    } else {
      EXPECT_EQ(evaluator.raws[0], "{\"event\":{\"id\":\"1\"}}");
      EXPECT_EQ(evaluator.received[0], "");
      EXPECT_EQ(evaluator.seen_ingested[0], "");
    }
  }
}

TEST_F(IngestTest, ReopenCutsUncommittedAlerts) {
  std::string path = dir_ + "/alerts.ndjson";
  std::string error;
  {
    AlertLogPosition committed = WriteAlerts(path, {"committed"}, {"lost"});
    // Encoded and decoded, as the worker stores it.
    auto reopened = AlertLog::Open(path, 0, AlertLogPosition::Decode(committed.Encode()), &error);
    ASSERT_TRUE(reopened) << error;
    EXPECT_EQ(reopened->truncated_at_open(), AlertLine("lost").size() + 1);
    // The checksum continues over the kept prefix: the next position is
    // the same as if nothing had been cut.
    EXPECT_EQ(reopened->position().Encode(), committed.Encode());
  }
  EXPECT_EQ(ReadAll(path), AlertLine("committed") + "\n");
}

TEST_F(IngestTest, ReopenCutsAnIncompleteLastAlert) {
  std::string path = dir_ + "/alerts.ndjson";
  std::string error;
  auto log = AlertLog::Open(path, 0, std::nullopt, &error);
  log->Append(AlertLine("a"));
  ASSERT_TRUE(log->Flush(&error));
  AlertLogPosition committed = log->position();
  log.reset();
  std::ofstream(path, std::ios::app)
      << AlertLine("b") << "\n{\"kibana.alert.uu";  // crash mid-write
  auto reopened = AlertLog::Open(path, 0, committed, &error);
  ASSERT_TRUE(reopened) << error;
  EXPECT_EQ(ReadAll(path), AlertLine("a") + "\n");
}

// Issue 16 item 9: `serve --alerts FILE` cut a 1.29 MB file picket had not
// written down to the committed offset of its own state.
TEST_F(IngestTest, NeverCutsAFileItCannotProveItWrote) {
  std::string path = dir_ + "/alerts.ndjson";
  std::string error;
  AlertLogPosition committed = WriteAlerts(path, {"a"});

  // Another file at the path (another inode), longer than the offset.
  std::string foreign(5000, 'x');
  std::filesystem::remove(path);
  std::ofstream(path) << foreign;
  EXPECT_FALSE(AlertLog::Open(path, 0, committed, &error));
  EXPECT_NE(error.find("refusing"), std::string::npos) << error;
  EXPECT_NE(error.find("inode"), std::string::npos) << error;
  EXPECT_EQ(ReadAll(path), foreign);

  // Same inode, but the committed prefix was edited.
  committed = WriteAlerts(path, {"a"}, {"b"});
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(2);
    f.put('K');
  }
  std::string edited = ReadAll(path);
  error.clear();
  EXPECT_FALSE(AlertLog::Open(path, 0, committed, &error));
  EXPECT_NE(error.find("differ"), std::string::npos) << error;
  EXPECT_EQ(ReadAll(path), edited);

  // Same inode, prefix intact, but lines after it that are not alerts.
  committed = WriteAlerts(path, {"a"});
  std::ofstream(path, std::ios::app) << AlertLine("b") << "\nsomeone else's log line\n";
  std::string mixed = ReadAll(path);
  error.clear();
  EXPECT_FALSE(AlertLog::Open(path, 0, committed, &error));
  EXPECT_NE(error.find("line 2"), std::string::npos) << error;
  EXPECT_EQ(ReadAll(path), mixed);

  // Shorter than committed: cut by someone else.
  std::filesystem::resize_file(path, 3);
  error.clear();
  EXPECT_FALSE(AlertLog::Open(path, 0, committed, &error));
  EXPECT_NE(error.find("shorter"), std::string::npos) << error;
}

TEST_F(IngestTest, PositionWithoutIdentityIsNeverUsedToCut) {
  std::string path = dir_ + "/alerts.ndjson";
  std::string error;
  AlertLogPosition committed = WriteAlerts(path, {"a"}, {"b"});
  // What an older picket stored: 16 bytes, seq and offset.
  auto legacy = AlertLogPosition::Decode(committed.Encode().substr(0, 16));
  ASSERT_TRUE(legacy && !legacy->has_identity);
  std::string before = ReadAll(path);
  EXPECT_FALSE(AlertLog::Open(path, 0, legacy, &error));
  EXPECT_EQ(ReadAll(path), before);
  // Nothing to cut: accepted.
  std::filesystem::resize_file(path, committed.offset);
  EXPECT_TRUE(AlertLog::Open(path, 0, legacy, &error)) << error;
}

TEST_F(IngestTest, MissingCommittedFileStartsTheNextSequence) {
  std::string path = dir_ + "/alerts.ndjson";
  std::string error;
  AlertLogPosition committed = WriteAlerts(path, {"a"});
  std::filesystem::rename(path, dir_ + "/elsewhere.ndjson");
  auto reopened = AlertLog::Open(path, 0, committed, &error);
  ASSERT_TRUE(reopened) << error;
  EXPECT_TRUE(reopened->moved_at_open());
  EXPECT_EQ(reopened->position().seq, committed.seq + 1);
  EXPECT_EQ(reopened->position().offset, 0u);
}

TEST_F(IngestTest, RotationKeepsCommittedPositionsMeaningful) {
  std::string path = dir_ + "/alerts.ndjson";
  std::string error;
  auto log = AlertLog::Open(path, 10, std::nullopt, &error);
  log->Append(AlertLine("first"));
  ASSERT_TRUE(log->Flush(&error));
  AlertLogPosition before_rotation = log->position();
  bool rotated = false;
  ASSERT_TRUE(log->RotateIfNeeded(&error, &rotated));
  EXPECT_TRUE(rotated);
  EXPECT_EQ(ReadAll(path + ".0"), AlertLine("first") + "\n");
  // The worker commits this at once: the new file's identity.
  AlertLogPosition after_rotation = log->position();
  EXPECT_EQ(after_rotation.seq, 1u);
  EXPECT_NE(after_rotation.inode, before_rotation.inode);
  log->Append(AlertLine("uncommitted"));
  ASSERT_TRUE(log->Flush(&error));
  log.reset();
  // Crash before the next commit: the new file is cut back.
  auto reopened = AlertLog::Open(path, 10, after_rotation, &error);
  ASSERT_TRUE(reopened) << error;
  EXPECT_EQ(reopened->position().seq, 1u);
  EXPECT_EQ(ReadAll(path), "");
  reopened.reset();
  // Crash between the rename and the commit of the new position: the new
  // file is empty, and picket goes on with it.
  reopened = AlertLog::Open(path, 10, before_rotation, &error);
  ASSERT_TRUE(reopened) << error;
  EXPECT_EQ(reopened->position().seq, 1u);
  reopened.reset();
  // But a non-empty file there was not written under any committed
  // position: refused.
  std::ofstream(path) << AlertLine("who wrote this") << "\n";
  EXPECT_FALSE(AlertLog::Open(path, 10, before_rotation, &error));
  EXPECT_EQ(ReadAll(path), AlertLine("who wrote this") + "\n");
}

TEST(IngestQueueTest, RefusesWhenFullButTakesOversizeWhenEmpty) {
  IngestQueue queue(10);
  auto big = std::make_shared<BulkBatch>();
  EXPECT_TRUE(queue.TryPush(big, 25));  // nothing held: oversize taken
  EXPECT_FALSE(queue.TryPush(std::make_shared<BulkBatch>(), 1));
  std::shared_ptr<BulkBatch> popped;
  ASSERT_TRUE(queue.PopForMatching(&popped));
  EXPECT_EQ(popped, big);
  // Popped but not answered: still held.
  EXPECT_FALSE(queue.TryPush(std::make_shared<BulkBatch>(), 1));
  queue.Release(25);
  auto a = std::make_shared<BulkBatch>(), b = std::make_shared<BulkBatch>();
  EXPECT_TRUE(queue.TryPush(a, 6));
  EXPECT_TRUE(queue.TryPush(b, 4));
  EXPECT_FALSE(queue.TryPush(std::make_shared<BulkBatch>(), 1));
  EXPECT_EQ(queue.depth_events(), 10u);
  EXPECT_EQ(a->seq + 1, b->seq);  // numbered in arrival order
  queue.Close();
  EXPECT_FALSE(queue.TryPush(std::make_shared<BulkBatch>(), 1));
  ASSERT_TRUE(queue.PopForMatching(&popped));  // drained after Close
  EXPECT_EQ(popped, a);
  ASSERT_TRUE(queue.PopForMatching(&popped));
  EXPECT_EQ(popped, b);
  EXPECT_FALSE(queue.PopForMatching(&popped));
}

// Many matching threads, one order of decisions: whatever thread matches a
// batch first, every event is decided in the order the batches were taken.
TEST_F(IngestTest, DecisionsFollowArrivalOrderWithManyMatchers) {
  std::string error;
  auto store = state::RocksDbTermStore::Open(dir_ + "/terms", {}, &error);
  auto log = AlertLog::Open(dir_ + "/alerts.ndjson", 0, std::nullopt, &error);
  RecordingEvaluator evaluator;
  ServeMetrics metrics;
  IngestQueue queue(1000000);
  IngestWorkerOptions options;
  options.workers = 4;
  options.max_group_events = 7;
  options.stamp_arrival = false;
  IngestWorker worker(&evaluator, store.get(), log.get(), &metrics, &queue, options);
  worker.Start();
  std::vector<std::future<void>> answers;
  std::vector<std::promise<void>> promises(200);
  for (int b = 0; b < 200; ++b) {
    std::string body;
    for (int e = 0; e < 1 + b % 5; ++e)
      body += "{\"index\":{}}\n{\"n\":" + std::to_string(b * 10 + e) + "}\n";
    size_t events = 0;
    auto batch = MakeBatch(body, &events);
    answers.push_back(promises[b].get_future());
    batch->on_done = [&promises, b] { promises[b].set_value(); };
    ASSERT_TRUE(queue.TryPush(batch, events));
  }
  for (auto& a : answers) a.wait();
  queue.Close();
  worker.Join();
  std::vector<std::string> expected;
  for (int b = 0; b < 200; ++b)
    for (int e = 0; e < 1 + b % 5; ++e)
      expected.push_back("{\"n\":" + std::to_string(b * 10 + e) + "}");
  EXPECT_EQ(evaluator.raws, expected);
  EXPECT_EQ(queue.depth_events(), 0u);
}

}  // namespace
}  // namespace picket::serve
