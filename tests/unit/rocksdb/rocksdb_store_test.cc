// RocksDbTermStore: decisions match DecideSighting, state survives reopen,
// uncommitted changes vanish atomically, expiry hides and drops entries.
#include "state/rocksdb_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "state/open_term_store.h"

namespace picket::state {
namespace {

constexpr int64_t kDay = 24 * 3600 * 1000LL;
constexpr int64_t kWeek = 7 * kDay;

class RocksDbStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("picket_rocksdb_test_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<RocksDbTermStore> OpenStore() {
    std::string error;
    auto store = RocksDbTermStore::Open(dir_.string(), RocksDbOptions{}, &error);
    EXPECT_NE(store, nullptr) << error;
    return store;
  }
  std::filesystem::path dir_;
};

TEST_F(RocksDbStoreTest, FirstSightingIsNewThenSeen) {
  auto store = OpenStore();
  EXPECT_TRUE(store->Observe("rule\x1fhost-1", 1000, kWeek, false).is_new);
  auto again = store->Observe("rule\x1fhost-1", 2000, kWeek, false);
  EXPECT_FALSE(again.is_new);
  EXPECT_TRUE(again.existed);
  EXPECT_EQ(again.after.first_seen, 1000);
  EXPECT_EQ(again.after.last_seen, 2000);
  EXPECT_EQ(again.after.expires_at, 2000 + kWeek);
  EXPECT_TRUE(store->Observe("rule\x1fhost-2", 2000, kWeek, false).is_new);
  EXPECT_EQ(store->size(), 2u);
}

TEST_F(RocksDbStoreTest, LearnOnlyRecordsWithoutAlerting) {
  auto store = OpenStore();
  EXPECT_FALSE(store->Observe("k", 1000, kWeek, true).is_new);
  EXPECT_FALSE(store->Observe("k", 1001, kWeek, false).is_new);
}

TEST_F(RocksDbStoreTest, GapLongerThanWindowIsNewAgain) {
  auto store = OpenStore();
  EXPECT_TRUE(store->Observe("k", 0, kWeek, false).is_new);
  EXPECT_FALSE(store->Observe("k", kWeek, kWeek, false).is_new);  // closed window
  EXPECT_TRUE(store->Observe("k", 3 * kWeek, kWeek, false).is_new);
}

TEST_F(RocksDbStoreTest, SyncedStateSurvivesReopen) {
  {
    auto store = OpenStore();
    store->Observe("k", 5000, kWeek, false);
    store->PutMeta("cursor", "42");
    std::string error;
    ASSERT_TRUE(store->Sync(&error)) << error;
  }
  auto store = OpenStore();
  auto record = store->Get("k");
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->first_seen, 5000);
  EXPECT_EQ(store->GetMeta("cursor").value_or(""), "42");
  EXPECT_FALSE(store->Observe("k", 6000, kWeek, false).is_new);
  EXPECT_EQ(store->size(), 1u);
}

TEST_F(RocksDbStoreTest, UnsyncedChangesAreVisibleButNotCommitted) {
  auto store = OpenStore();
  store->Observe("k", 5000, kWeek, false);
  EXPECT_TRUE(store->Get("k").has_value());
  EXPECT_GT(store->pending_bytes(), 0u);
  std::string error;
  ASSERT_TRUE(store->Sync(&error));
  EXPECT_EQ(store->pending_bytes(), 0u);
}

// A crash before Sync() must lose the pending changes as a whole. A forked
// child writes, syncs one key, observes another and dies with _exit (no
// destructor, so no commit), like kill -9.
TEST_F(RocksDbStoreTest, CrashBeforeSyncLosesOnlyPendingChanges) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::string error;
    auto store = RocksDbTermStore::Open(dir_.string(), RocksDbOptions{}, &error);
    if (!store) _exit(3);
    store->Observe("durable", 1, kWeek, false);
    if (!store->Sync(&error)) _exit(4);
    store->Observe("pending", 2, kWeek, false);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  auto store = OpenStore();
  EXPECT_TRUE(store->Get("durable").has_value());
  EXPECT_FALSE(store->Get("pending").has_value());
  EXPECT_TRUE(store->Observe("pending", 3, kWeek, false).is_new);
}

TEST_F(RocksDbStoreTest, ExpiryHidesAndCompactionDrops) {
  auto store = OpenStore();
  store->Observe("old", 0, kDay, false);         // expires at 1 day
  store->Observe("fresh", 5 * kDay, kDay, false);  // expires at 6 days
  std::string error;
  ASSERT_TRUE(store->Sync(&error));
  store->Expire(2 * kDay);
  EXPECT_FALSE(store->Get("old").has_value());
  EXPECT_TRUE(store->Get("fresh").has_value());
  store->CompactAll();
  EXPECT_EQ(store->Expire(2 * kDay), 1u);
  EXPECT_EQ(store->size(), 1u);
  // An expired term seen again is new.
  EXPECT_TRUE(store->Observe("old", 2 * kDay, kDay, false).is_new);
}

TEST_F(RocksDbStoreTest, WatermarkSurvivesReopen) {
  {
    auto store = OpenStore();
    store->Observe("old", 0, kDay, false);
    store->Expire(3 * kDay);
  }  // destructor commits
  auto store = OpenStore();
  EXPECT_EQ(store->expiry_watermark(), 3 * kDay);
  EXPECT_FALSE(store->Get("old").has_value());
}

TEST_F(RocksDbStoreTest, RefusesDirectoryInUse) {
  auto store = OpenStore();
  std::string error;
  auto second = RocksDbTermStore::Open(dir_.string(), RocksDbOptions{}, &error);
  EXPECT_EQ(second, nullptr);
  EXPECT_NE(error.find("cannot open state directory"), std::string::npos) << error;
}

TEST_F(RocksDbStoreTest, FactoryCreatesDirectory) {
  std::string error;
  auto store = OpenTermStore((dir_ / "nested" / "state").string(), &error);
  ASSERT_NE(store, nullptr) << error;
  EXPECT_TRUE(store->Observe("k", 1, kWeek, false).is_new);
  EXPECT_EQ(OpenTermStore("", &error), nullptr);
}

TEST_F(RocksDbStoreTest, ArbitraryKeyBytes) {
  auto store = OpenStore();
  std::string key("a\0b\xff", 4);
  EXPECT_TRUE(store->Observe(key, 1, kWeek, false).is_new);
  EXPECT_FALSE(store->Get(std::string("a\0c\xff", 4)).has_value());
  EXPECT_TRUE(store->Get(key).has_value());
}

}  // namespace
}  // namespace picket::state
