// The ingest worker's durability protocol and the bounded queue, with a fake
// evaluator: alerts are durable and the alert-log position is committed with
// the state; uncommitted alerts are cut off on reopen; a full queue refuses.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "serve/alert_log.h"
#include "serve/ingest_queue.h"
#include "serve/ingest_worker.h"
#include "state/rocksdb_store.h"

namespace picket::serve {
namespace {

// Alerts once per distinct "k" value, using the store like a new_terms rule.
class FakeEvaluator : public Evaluator {
 public:
  explicit FakeEvaluator(state::TermStore* store) : store_(store) {}
  void Evaluate(const IngestEvent& event, const Emit& emit) override {
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
  auto batch = MakeBatch("{\"index\":{}}\n{\"k\":\"a\"}\n{\"index\":{}}\n{\"k\":\"a\"}\n"
                         "{\"index\":{}}\nnot json\n{\"index\":{}}\n{\"k\":\"b\"}\n",
                         &events);
  EXPECT_EQ(events, 4u);
  auto done = batch->done.get_future();
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

TEST_F(IngestTest, ReopenCutsUncommittedAlerts) {
  std::string path = dir_ + "/alerts.ndjson";
  std::string error;
  {
    auto log = AlertLog::Open(path, 0, std::nullopt, &error);
    log->Append("{\"committed\":1}");
    ASSERT_TRUE(log->Flush(&error));
    AlertLogPosition committed = log->position();
    log->Append("{\"lost\":1}");
    ASSERT_TRUE(log->Flush(&error));
    log.reset();
    auto reopened = AlertLog::Open(path, 0, committed, &error);
    ASSERT_TRUE(reopened) << error;
    EXPECT_EQ(reopened->truncated_at_open(), 11u);
  }
  EXPECT_EQ(ReadAll(path), "{\"committed\":1}\n");
}

TEST_F(IngestTest, RotationKeepsCommittedPositionsMeaningful) {
  std::string path = dir_ + "/alerts.ndjson";
  std::string error;
  auto log = AlertLog::Open(path, 10, std::nullopt, &error);
  log->Append("{\"first\":1}");
  ASSERT_TRUE(log->Flush(&error));
  AlertLogPosition committed = log->position();
  ASSERT_TRUE(log->RotateIfNeeded(&error));
  EXPECT_EQ(ReadAll(path + ".0"), "{\"first\":1}\n");
  log->Append("{\"uncommitted\":1}");
  ASSERT_TRUE(log->Flush(&error));
  log.reset();
  // Crash before the next commit: reopening at the pre-rotation position
  // continues in the new file and drops its uncommitted content.
  auto reopened = AlertLog::Open(path, 10, committed, &error);
  ASSERT_TRUE(reopened) << error;
  EXPECT_EQ(reopened->position().seq, 1u);
  EXPECT_EQ(ReadAll(path), "");
}

TEST(IngestQueueTest, RefusesWhenFullButTakesOversizeWhenEmpty) {
  IngestQueue queue(10);
  EXPECT_TRUE(queue.TryPush(std::make_shared<BulkBatch>(), 25));  // empty: oversize taken
  EXPECT_FALSE(queue.TryPush(std::make_shared<BulkBatch>(), 1));
  std::vector<std::shared_ptr<BulkBatch>> group;
  ASSERT_TRUE(queue.PopGroup(&group, 100));
  EXPECT_EQ(group.size(), 1u);
  EXPECT_TRUE(queue.TryPush(std::make_shared<BulkBatch>(), 6));
  EXPECT_TRUE(queue.TryPush(std::make_shared<BulkBatch>(), 4));
  EXPECT_FALSE(queue.TryPush(std::make_shared<BulkBatch>(), 1));
  EXPECT_EQ(queue.depth_events(), 10u);
  queue.Close();
  group.clear();
  ASSERT_TRUE(queue.PopGroup(&group, 100));  // drained after Close
  EXPECT_EQ(group.size(), 2u);
  group.clear();
  EXPECT_FALSE(queue.PopGroup(&group, 100));
}

}  // namespace
}  // namespace picket::serve
