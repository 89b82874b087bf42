// The ingest worker with shared state (IngestWorkerOptions::shared, the
// Redis path of docs/redis.md), with a fake evaluator and a fake shared
// store: a group's matched events are staged, in arrival order, before any
// is decided; a failure to resolve or to commit answers the group 503,
// writes none of its alerts and is not fatal; while the shared store is
// unavailable `_bulk` is refused at once.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "serve/alert_log.h"
#include "serve/ingest_queue.h"
#include "serve/ingest_worker.h"
#include "serve/shared_state.h"
#include "state/rocksdb_store.h"

namespace picket::serve {
namespace {

class AnyMatcher : public Evaluator::Matcher {
 public:
  bool Match(const IngestEvent&, engine::MatchResult*) override { return true; }
};

// Alerts once per event with its "k"; logs what happened, in order.
class StagingEvaluator : public Evaluator {
 public:
  std::unique_ptr<Matcher> NewMatcher() override { return std::make_unique<AnyMatcher>(); }
  void Stage(const IngestEvent& event, const engine::MatchResult&) override {
    log.push_back("stage " + Key(event));
  }
  bool ResolveStaged(std::string* error) override {
    log.push_back("resolve");
    if (!resolve_ok) *error = "resolve failed";
    return resolve_ok;
  }
  void Evaluate(const IngestEvent& event, const engine::MatchResult&, const Emit& emit) override {
    log.push_back("decide " + Key(event));
    std::string json = "{\"k\":\"" + Key(event) + "\"}";
    emit(EmittedAlert{"id", "rule", "Rule", json});
  }
  static std::string Key(const IngestEvent& event) {
    std::string_view k;
    return event.doc["k"].get_string().get(k) == simdjson::SUCCESS ? std::string(k) : "?";
  }
  std::vector<std::string> log;
  bool resolve_ok = true;
};

class FakeShared : public SharedState {
 public:
  void BeginGroup() override { ++groups; }
  bool Commit(std::string* error) override {
    if (!commit_ok) *error = "commit failed";
    return commit_ok;
  }
  void GroupFailed(const std::string& error) override { failures.push_back(error); }
  bool Available(std::string* reason) const override {
    if (!available) *reason = "down for a test";
    return available;
  }
  size_t entries() const override { return 7; }
  int groups = 0;
  bool commit_ok = true;
  bool available = true;
  std::vector<std::string> failures;
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class SharedStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("picket_shared_" + std::to_string(getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::string error;
    store_ = state::RocksDbTermStore::Open(dir_ + "/terms", {}, &error);
    ASSERT_TRUE(store_) << error;
    log_ = AlertLog::Open(dir_ + "/alerts.ndjson", 0, std::nullopt, &error);
    ASSERT_TRUE(log_) << error;
    IngestWorkerOptions options;
    options.shared = &shared_;
    worker_ = std::make_unique<IngestWorker>(&evaluator_, store_.get(), log_.get(), &metrics_,
                                             &queue_, options);
    worker_->Start();
  }
  void TearDown() override {
    queue_.Close();
    worker_->Join();
    worker_.reset();
    log_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Sends one request of events with these keys; returns its HTTP status.
  int Send(const std::vector<std::string>& keys) {
    auto batch = std::make_shared<BulkBatch>();
    for (const auto& k : keys) batch->body += "{\"index\":{}}\n{\"k\":\"" + k + "\"}\n";
    BulkParseError error;
    EXPECT_TRUE(ParseBulkBody(batch->body, "logs-x", &batch->items, &error));
    batch->events = keys.size();
    std::promise<void> answered;
    batch->on_done = [&] { answered.set_value(); };
    auto done = answered.get_future();
    EXPECT_TRUE(queue_.TryPush(batch, keys.size()));
    done.wait();
    return batch->http_status;
  }

  std::string dir_;
  std::unique_ptr<state::RocksDbTermStore> store_;
  std::unique_ptr<AlertLog> log_;
  StagingEvaluator evaluator_;
  FakeShared shared_;
  ServeMetrics metrics_;
  IngestQueue queue_{1000};
  std::unique_ptr<IngestWorker> worker_;
};

TEST_F(SharedStateTest, StagesTheGroupBeforeDecidingItThenCommits) {
  EXPECT_EQ(Send({"a", "b"}), 200);
  EXPECT_EQ(evaluator_.log,
            (std::vector<std::string>{"stage a", "stage b", "resolve", "decide a", "decide b"}));
  EXPECT_EQ(ReadAll(dir_ + "/alerts.ndjson"), "{\"k\":\"a\"}\n{\"k\":\"b\"}\n");
  EXPECT_EQ(shared_.groups, 1);
  EXPECT_TRUE(shared_.failures.empty());
  EXPECT_EQ(metrics_.state_entries.load(), 7u);  // the shared store's count
}

TEST_F(SharedStateTest, AGroupThatCannotBeResolvedIsRefusedWithoutDecidingAndNotFatally) {
  evaluator_.resolve_ok = false;
  EXPECT_EQ(Send({"a"}), 503);
  EXPECT_EQ(evaluator_.log, (std::vector<std::string>{"stage a", "resolve"}));
  EXPECT_EQ(shared_.failures, (std::vector<std::string>{"resolve failed"}));
  EXPECT_EQ(ReadAll(dir_ + "/alerts.ndjson"), "");
  EXPECT_FALSE(worker_->failed());
  evaluator_.resolve_ok = true;
  EXPECT_EQ(Send({"a"}), 200);  // the shipper's re-send
  EXPECT_EQ(ReadAll(dir_ + "/alerts.ndjson"), "{\"k\":\"a\"}\n");
}

TEST_F(SharedStateTest, AGroupThatCannotBeCommittedWritesNoneOfItsAlerts) {
  shared_.commit_ok = false;
  EXPECT_EQ(Send({"a", "b"}), 503);
  EXPECT_EQ(ReadAll(dir_ + "/alerts.ndjson"), "");
  EXPECT_EQ(shared_.failures, (std::vector<std::string>{"commit failed"}));
  shared_.commit_ok = true;
  EXPECT_EQ(Send({"c"}), 200);
  EXPECT_EQ(ReadAll(dir_ + "/alerts.ndjson"), "{\"k\":\"c\"}\n");  // a and b went
  EXPECT_FALSE(worker_->failed());
}

TEST_F(SharedStateTest, RefusesAtOnceWhileTheSharedStoreIsUnavailable) {
  shared_.available = false;
  std::string reason;
  EXPECT_FALSE(worker_->Accepting(&reason));
  EXPECT_EQ(reason, "down for a test");
  EXPECT_EQ(Send({"a"}), 503);
  EXPECT_TRUE(evaluator_.log.empty());  // nothing staged or decided
  shared_.available = true;
  EXPECT_TRUE(worker_->Accepting(&reason));
  EXPECT_EQ(Send({"a"}), 200);
}

}  // namespace
}  // namespace picket::serve
