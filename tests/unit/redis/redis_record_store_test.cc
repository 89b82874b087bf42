// RedisRecordStore (src/state/redis_record_store.h) against the local
// cluster: the RecordStore contract the memory and RocksDB stores pass
// (tests/unit/rocksdb/record_store_test.cc), then what sharing adds: a Put
// after another node's write fails and hands over the new record, counters
// incremented by concurrent nodes lose no increment, a batch's records are
// read in one round trip per master, TTLs.
#include "state/redis_record_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "record_store_contract.h"
#include "redis/redis_helpers.h"
#include "state/redis_term_store.h"
#include "util/time.h"

namespace picket::state {
namespace {

using redis::testing::LocalCluster;

using contract::kDay;

std::string TestPrefix() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string("picket-test-") + info->name() + "-" + std::to_string(getpid()) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

std::unique_ptr<RedisTermStore> OpenNode(const std::string& prefix) {
  RedisStoreOptions options;
  options.cluster = LocalCluster::Shared()->Options();
  options.prefix = prefix;
  std::string error;
  auto store = RedisTermStore::Open(options, &error);
  EXPECT_NE(store, nullptr) << error;
  return store;
}

TEST(RedisRecordStore, PutGetReplaceDelete) {
  auto node = OpenNode(TestPrefix());
  ASSERT_NE(node, nullptr);
  contract::PutGetReplaceDelete(node->records());
  std::string error;
  EXPECT_TRUE(node->Sync(&error)) << error;
}

TEST(RedisRecordStore, ARecordThatNeverExpiresIsKept) {
  // SET ... PX of INT64_MAX - now is refused by Redis ("invalid expire
  // time"); the TTL is capped instead.
  auto node = OpenNode(TestPrefix());
  ASSERT_NE(node, nullptr);
  contract::ARecordThatNeverExpiresIsKept(node->records());
  std::string error;
  EXPECT_TRUE(node->Sync(&error)) << error;
  auto reader = OpenNode(node->options().prefix);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->records()->Get("meta").value(), "m2");
}

TEST(RedisRecordStore, ScanVisitsAPrefixInKeyOrder) {
  auto node = OpenNode(TestPrefix());
  ASSERT_NE(node, nullptr);
  contract::ScanVisitsAPrefixInKeyOrder(node->records());
}

TEST(RedisRecordStore, ExpiryHidesRecordsBelowTheThreshold) {
  auto node = OpenNode(TestPrefix());
  ASSERT_NE(node, nullptr);
  contract::ExpiryHidesRecordsBelowTheThreshold(node->records());
}

TEST(RedisRecordStore, APutAfterAnotherNodesWriteFailsAndHandsOverTheRecord) {
  std::string prefix = TestPrefix();
  auto a = OpenNode(prefix), b = OpenNode(prefix);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_FALSE(a->records()->Get("group").has_value());
  EXPECT_FALSE(b->records()->Get("group").has_value());
  EXPECT_TRUE(a->records()->Put("group", "count=1", kDay));
  // B read "no record" before A's write: its write must not land.
  EXPECT_FALSE(b->records()->Put("group", "count=1", kDay));
  // B's re-read costs no round trip and sees A's record; B decides again.
  uint64_t trips = b->cluster_stats().round_trips;
  EXPECT_EQ(b->records()->Get("group").value(), "count=1");
  EXPECT_EQ(b->cluster_stats().round_trips, trips);
  EXPECT_TRUE(b->records()->Put("group", "count=2", kDay));
  EXPECT_FALSE(a->records()->Delete("group"));  // A's view is stale now
  EXPECT_EQ(a->records()->Get("group").value(), "count=2");
  EXPECT_TRUE(a->records()->Delete("group"));
  EXPECT_FALSE(b->records()->Put("group", "count=3", kDay));  // deleted meanwhile
  EXPECT_FALSE(b->records()->Get("group").has_value());
  EXPECT_TRUE(b->records()->Put("group", "count=1", kDay));
}

TEST(RedisRecordStore, ConcurrentNodesLoseNoIncrement) {
  std::string prefix = TestPrefix();
  constexpr int kNodes = 4, kIncrements = 150;
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int n = 0; n < kNodes; ++n) {
    threads.emplace_back([&] {
      auto node = OpenNode(prefix);
      if (!node) return;
      RecordStore* store = node->records();
      for (int i = 0; i < kIncrements; ++i) {
        for (;;) {  // the unit's loop: read, decide, write; on conflict again
          std::optional<std::string> old = store->Get("counter");
          int value = old ? std::stoi(*old) : 0;
          if (store->Put("counter", std::to_string(value + 1), kDay)) break;
          ++conflicts;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  auto reader = OpenNode(prefix);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->records()->Get("counter").value(), std::to_string(kNodes * kIncrements));
  EXPECT_GT(conflicts.load(), 0);  // the nodes did meet
}

TEST(RedisRecordStore, ABatchReadsItsRecordsInOneRoundTripPerMaster) {
  std::string prefix = TestPrefix();
  auto node = OpenNode(prefix);
  ASSERT_NE(node, nullptr);
  RecordStore* store = node->records();
  for (int i = 0; i < 300; ++i) store->Put("k" + std::to_string(i), "v" + std::to_string(i), kDay);
  auto fresh = OpenNode(prefix);
  ASSERT_NE(fresh, nullptr);
  for (int i = 0; i < 300; ++i) fresh->records()->Stage("k" + std::to_string(i));
  fresh->records()->Stage("missing");
  uint64_t trips = fresh->cluster_stats().round_trips;
  std::string error;
  ASSERT_TRUE(fresh->records()->ResolveStaged(&error)) << error;
  EXPECT_EQ(fresh->cluster_stats().round_trips - trips, 3u);
  for (int i = 0; i < 300; ++i)
    EXPECT_EQ(fresh->records()->Get("k" + std::to_string(i)).value(), "v" + std::to_string(i));
  EXPECT_FALSE(fresh->records()->Get("missing").has_value());
  EXPECT_EQ(fresh->cluster_stats().round_trips - trips, 3u);  // all answered from the batch
}

TEST(RedisRecordStore, RedisForgetsARecordItsGraceAfterItsExpiry) {
  RedisStoreOptions options;
  options.cluster = LocalCluster::Shared()->Options();
  options.prefix = TestPrefix();
  options.record_grace_ms = 800;
  std::string error;
  auto node = RedisTermStore::Open(options, &error);
  ASSERT_NE(node, nullptr) << error;
  RecordStore* store = node->records();
  TimeMs now = NowMs();
  store->Expire(now);                                 // event time = wall time
  EXPECT_TRUE(store->Put("short", "x", now + 500));   // lives ~1.3 s
  EXPECT_TRUE(store->Put("long", "y", now + 60000));  // lives ~61 s
  std::this_thread::sleep_for(std::chrono::milliseconds(1600));
  auto reader = RedisTermStore::Open(options, &error);
  ASSERT_NE(reader, nullptr) << error;
  EXPECT_FALSE(reader->records()->Get("short").has_value());
  EXPECT_EQ(reader->records()->Get("long").value(), "y");
}

}  // namespace
}  // namespace picket::state
