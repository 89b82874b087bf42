// RedisTermStore (src/state/redis_term_store.h) against a real local Redis
// Cluster: the Lua decision agrees with DecideSighting (through the memory
// store) on random streams, staged or not; a re-sent alerting sighting is
// new again on any node; concurrent nodes get one "new" per term; TTLs; one
// round trip per master per batch; failures and WAIT.
#include "state/redis_term_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include "redis/redis_helpers.h"
#include "state/memory_store.h"
#include "util/time.h"

namespace picket::state {
namespace {

using redis::testing::LocalCluster;

constexpr int64_t kHour = 3600 * 1000LL;
constexpr int64_t kWeek = 7 * 24 * kHour;
constexpr TimeMs kT0 = 1'772'323'200'000;  // 2026-03-01

// A fresh key prefix per test (and process), so tests sharing the cluster
// never read each other's records.
std::string TestPrefix() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string("picket-test-") + info->name() + "-" + std::to_string(getpid()) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

std::unique_ptr<RedisTermStore> OpenStore(const LocalCluster& local, const std::string& prefix,
                                          int wait_replicas = 0) {
  RedisStoreOptions options;
  options.cluster = local.Options();
  options.prefix = prefix;
  options.wait_replicas = wait_replicas;
  std::string error;
  auto store = RedisTermStore::Open(options, &error);
  EXPECT_NE(store, nullptr) << error;
  return store;
}

void ExpectSame(const ObserveResult& want, const ObserveResult& got, const std::string& where) {
  EXPECT_EQ(want.is_new, got.is_new) << where;
  EXPECT_EQ(want.existed, got.existed) << where;
  if (want.existed && got.existed) {
    EXPECT_EQ(want.before.first_seen, got.before.first_seen) << where;
    EXPECT_EQ(want.before.last_seen, got.before.last_seen) << where;
  }
  EXPECT_EQ(want.after.first_seen, got.after.first_seen) << where;
  EXPECT_EQ(want.after.last_seen, got.after.last_seen) << where;
  EXPECT_EQ(want.after.expires_at, got.after.expires_at) << where;
}

struct Step {
  std::string key;
  TimeMs t;
  bool learn_only;
  uint64_t owner;
};

// Streams over a few keys whose times wander back and forth across windows,
// so that every branch of the decision is taken many times.
std::vector<Step> RandomStream(uint32_t seed, size_t n) {
  std::mt19937_64 rng(seed);
  std::vector<Step> steps;
  TimeMs now = kT0;
  for (size_t i = 0; i < n; ++i) {
    int pick = static_cast<int>(rng() % 100);
    if (pick < 50)
      now += static_cast<int64_t>(rng() % (kWeek / 3));
    else if (pick < 60)
      now += kWeek + static_cast<int64_t>(rng() % kWeek);
    else if (pick < 80)
      now -= static_cast<int64_t>(rng() % (kWeek + kWeek / 2));
    TimeMs t = now;
    if (pick >= 95 && !steps.empty()) t = steps[rng() % steps.size()].t;  // a repeated time
    steps.push_back(Step{"k" + std::to_string(rng() % 5), t, rng() % 10 == 0, rng() | 1});
  }
  return steps;
}

TEST(RedisTermStore, AgreesWithDecideSightingOneByOne) {
  LocalCluster* local = LocalCluster::Shared();
  auto store = OpenStore(*local, TestPrefix());
  ASSERT_NE(store, nullptr);
  MemoryTermStore reference;
  auto steps = RandomStream(7, 400);
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    store->SetEventOwner(s.owner);
    ObserveResult want = reference.Observe(s.key, s.t, kWeek, s.learn_only);
    ObserveResult got = store->Observe(s.key, s.t, kWeek, s.learn_only);
    ExpectSame(want, got, "step " + std::to_string(i));
    if (::testing::Test::HasFailure()) break;
  }
  EXPECT_TRUE(store->ok()) << store->failure();
  EXPECT_EQ(store->stats().unstaged, steps.size());
  auto record = store->Get("k1");
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->first_seen, reference.Get("k1")->first_seen);
  EXPECT_EQ(record->last_seen, reference.Get("k1")->last_seen);
}

TEST(RedisTermStore, AgreesWithDecideSightingInStagedBatches) {
  LocalCluster* local = LocalCluster::Shared();
  auto store = OpenStore(*local, TestPrefix());
  ASSERT_NE(store, nullptr);
  MemoryTermStore reference;
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    auto steps = RandomStream(seed * 101, 300);
    // Repeated events inside a batch (same owner, same time) are seen, as
    // the memory store says.
    steps.push_back(steps[17]);
    for (size_t begin = 0; begin < steps.size(); begin += 37) {
      size_t end = std::min(steps.size(), begin + 37);
      for (size_t i = begin; i < end; ++i) {
        store->SetEventOwner(steps[i].owner);
        store->Stage("s" + std::to_string(seed) + steps[i].key, steps[i].t, kWeek,
                     steps[i].learn_only);
      }
      std::string error;
      ASSERT_TRUE(store->ResolveStaged(&error)) << error;
      for (size_t i = begin; i < end; ++i) {
        const Step& s = steps[i];
        std::string key = "s" + std::to_string(seed) + s.key;
        store->SetEventOwner(s.owner);
        ObserveResult want = reference.Observe(key, s.t, kWeek, s.learn_only);
        ObserveResult got = store->Observe(key, s.t, kWeek, s.learn_only);
        ExpectSame(want, got, "seed " + std::to_string(seed) + " step " + std::to_string(i));
      }
      if (::testing::Test::HasFailure()) return;
    }
  }
  EXPECT_EQ(store->stats().unstaged, 0u);
}

TEST(RedisTermStore, ABatchCostsOneRoundTripPerMaster) {
  LocalCluster* local = LocalCluster::Shared();
  auto store = OpenStore(*local, TestPrefix());
  ASSERT_NE(store, nullptr);
  std::string error;
  store->Stage("warm-up", kT0, kWeek, false);  // loads the script where needed
  ASSERT_TRUE(store->ResolveStaged(&error)) << error;
  for (int batch = 0; batch < 3; ++batch) {
    uint64_t trips = store->cluster_stats().round_trips;
    for (int i = 0; i < 1000; ++i) {
      store->SetEventOwner(batch * 1000 + i + 1);  // each event its own
      store->Stage("term" + std::to_string(i % 400), kT0 + batch * kHour + i, kWeek, false);
    }
    ASSERT_TRUE(store->ResolveStaged(&error)) << error;
    uint64_t used = store->cluster_stats().round_trips - trips;
    EXPECT_LE(used, 6u) << "batch " << batch;  // 3 masters; NOSCRIPT may add one each
    if (batch > 0) {
      EXPECT_EQ(used, 3u);
    }
    int fresh = 0;
    for (int i = 0; i < 1000; ++i) {
      store->SetEventOwner(batch * 1000 + i + 1);
      fresh +=
          store->Observe("term" + std::to_string(i % 400), kT0 + batch * kHour + i, kWeek, false)
              .is_new;
    }
    EXPECT_EQ(fresh, batch == 0 ? 400 : 0);
  }
  EXPECT_EQ(store->stats().unstaged, 0u);
  EXPECT_EQ(store->stats().script_calls, 1u + 3 * 400);
}

TEST(RedisTermStore, TheAlertingSightingSentAgainIsNewAgainOnAnyNode) {
  LocalCluster* local = LocalCluster::Shared();
  std::string prefix = TestPrefix();
  auto node_a = OpenStore(*local, prefix);
  auto node_b = OpenStore(*local, prefix);
  ASSERT_NE(node_a, nullptr);
  ASSERT_NE(node_b, nullptr);
  const uint64_t event = 0x1234, other = 0x5678;
  node_a->SetEventOwner(event);
  EXPECT_TRUE(node_a->Observe("host|proc", kT0, kWeek, false).is_new);
  // Node A crashed before writing the alert; the shipper re-sends to B.
  node_b->SetEventOwner(event);
  EXPECT_TRUE(node_b->Observe("host|proc", kT0, kWeek, false).is_new);
  // Sent again later, with a later arrival time stamped as its rule time:
  // still the event that alerted.
  EXPECT_TRUE(node_b->Observe("host|proc", kT0 + 5000, kWeek, false).is_new);
  // Another event at the same instant is seen; so is a later one.
  node_b->SetEventOwner(other);
  EXPECT_FALSE(node_b->Observe("host|proc", kT0, kWeek, false).is_new);
  EXPECT_FALSE(node_b->Observe("host|proc", kT0 + kHour, kWeek, false).is_new);
  // The original event is still recognised after the run grew.
  node_a->SetEventOwner(event);
  EXPECT_TRUE(node_a->Observe("host|proc", kT0, kWeek, false).is_new);
  // As a late (learn-only) sighting it is not.
  EXPECT_FALSE(node_a->Observe("host|proc", kT0, kWeek, true).is_new);
  // Once the term was forgotten and alerted again, the old event is old.
  node_b->SetEventOwner(other);
  EXPECT_TRUE(node_b->Observe("host|proc", kT0 + 3 * kWeek, kWeek, false).is_new);
  node_a->SetEventOwner(event);
  EXPECT_FALSE(node_a->Observe("host|proc", kT0, kWeek, false).is_new);
}

TEST(RedisTermStore, ConcurrentNodesGetOneNewPerTerm) {
  LocalCluster* local = LocalCluster::Shared();
  std::string prefix = TestPrefix();
  constexpr int kNodes = 4, kTerms = 300;
  std::atomic<int> ready{0};
  std::vector<std::vector<int>> fresh(kNodes);
  std::vector<std::thread> threads;
  std::vector<std::string> errors(kNodes);
  for (int n = 0; n < kNodes; ++n) {
    threads.emplace_back([&, n] {
      auto store = OpenStore(*local, prefix);
      if (!store) return;
      std::vector<int> order(kTerms);
      for (int i = 0; i < kTerms; ++i) order[i] = i;
      std::shuffle(order.begin(), order.end(), std::mt19937(n));
      // Each node: its own event for every term, same instant, one batch.
      for (int i : order) {
        store->SetEventOwner(1000 * (n + 1) + i);
        store->Stage("race" + std::to_string(i), kT0, kWeek, false);
      }
      ++ready;
      while (ready < kNodes) std::this_thread::yield();
      if (!store->ResolveStaged(&errors[n])) return;
      for (int i : order) {
        store->SetEventOwner(1000 * (n + 1) + i);
        if (store->Observe("race" + std::to_string(i), kT0, kWeek, false).is_new)
          fresh[n].push_back(i);
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int n = 0; n < kNodes; ++n) EXPECT_EQ(errors[n], "");
  std::vector<int> count(kTerms, 0);
  for (int n = 0; n < kNodes; ++n)
    for (int i : fresh[n]) ++count[i];
  for (int i = 0; i < kTerms; ++i) EXPECT_EQ(count[i], 1) << "term " << i;
}

TEST(RedisTermStore, RecordsExpireOneWindowAfterTheirLastSighting) {
  LocalCluster* local = LocalCluster::Shared();
  auto store = OpenStore(*local, TestPrefix());
  ASSERT_NE(store, nullptr);
  TimeMs now = NowMs();
  const int64_t window = 1500;
  EXPECT_TRUE(store->Observe("short", now, window, false).is_new);
  auto record = store->Get("short");
  ASSERT_TRUE(record.has_value());
  EXPECT_GE(record->expires_at, now + window - 50);
  EXPECT_LE(record->expires_at, NowMs() + window + 50);
  // A record of old events lives one window from now, not from the event.
  EXPECT_TRUE(store->Observe("old", now - 10 * window, window, false).is_new);
  EXPECT_GE(store->Get("old")->expires_at, now + window - 50);
  // A far-future event keeps its record until its own window ends.
  EXPECT_TRUE(store->Observe("future", now + kWeek, window, false).is_new);
  EXPECT_EQ(store->Get("future")->expires_at, now + kWeek + window);
  std::this_thread::sleep_for(std::chrono::milliseconds(window + 300));
  EXPECT_FALSE(store->Get("short").has_value());
  EXPECT_FALSE(store->Get("old").has_value());
  EXPECT_TRUE(store->Get("future").has_value());
  // Gone from Redis, so the term is new again (as it is once forgotten).
  EXPECT_TRUE(store->Observe("short", now + 100, window, false).is_new);
}

TEST(RedisTermStore, RefusesPrefixesThatWouldBreakTheHashTag) {
  RedisStoreOptions options;
  options.prefix = "a{b";
  std::string error;
  EXPECT_EQ(RedisTermStore::Open(options, &error), nullptr);
  EXPECT_NE(error.find("prefix"), std::string::npos);
}

TEST(RedisTermStore, KeysCarryTheirHashTag) {
  LocalCluster* local = LocalCluster::Shared();
  auto store = OpenStore(*local, "tagcheck");
  ASSERT_NE(store, nullptr);
  std::string key = store->RedisKey("rule|value");
  ASSERT_EQ(key.size(), std::string("tagcheck:nt:{}").size() + 32);
  EXPECT_EQ(key.rfind("tagcheck:nt:{", 0), 0u);
  EXPECT_EQ(redis::KeySlot(key), redis::KeySlot(key.substr(13, 32)));
}

TEST(RedisTermStore, WaitsForReplicasWhenAsked) {
  LocalCluster* local = LocalCluster::Shared();
  std::string prefix = TestPrefix();
  auto store = OpenStore(*local, prefix, /*wait_replicas=*/1);
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < 50; ++i) store->Stage("w" + std::to_string(i), kT0, kWeek, false);
  std::string error;
  ASSERT_TRUE(store->ResolveStaged(&error)) << error;
  EXPECT_TRUE(store->Sync(&error)) << error;
  auto greedy = OpenStore(*local, prefix, /*wait_replicas=*/2);
  ASSERT_NE(greedy, nullptr);
  greedy->Stage("w-more", kT0, kWeek, false);
  ASSERT_TRUE(greedy->ResolveStaged(&error)) << error;
  EXPECT_FALSE(greedy->Sync(&error));
  EXPECT_NE(error.find("replicas acknowledged"), std::string::npos) << error;
  EXPECT_FALSE(greedy->ok());
  greedy->ClearFailure();
  EXPECT_TRUE(greedy->ok());
}

TEST(RedisTermStore, FailsTheGroupWhenRedisIsGoneAndKeepsDecisionsThroughAFailover) {
  auto local = LocalCluster::Start();
  ASSERT_NE(local, nullptr);
  RedisStoreOptions options;
  options.cluster = local->Options();
  options.cluster.retry_timeout_ms = 8000;  // the failover takes 2-3 s
  options.wait_replicas = 1;
  std::string error;
  auto store = RedisTermStore::Open(options, &error);
  ASSERT_NE(store, nullptr) << error;
  for (int i = 0; i < 200; ++i) store->Stage("f" + std::to_string(i), kT0, kWeek, false);
  ASSERT_TRUE(store->ResolveStaged(&error)) << error;
  ASSERT_TRUE(store->Sync(&error)) << error;  // acknowledged by a replica each

  // A master dies; its replica takes over with every acknowledged decision.
  local->Kill(local->MasterOf(redis::KeySlot(store->RedisKey("f0"))));
  int seen = 0;
  store->SetEventOwner(2);  // other events than the first batch's
  for (int i = 0; i < 200; ++i) store->Stage("f" + std::to_string(i), kT0 + kHour, kWeek, false);
  ASSERT_TRUE(store->ResolveStaged(&error)) << error;
  for (int i = 0; i < 200; ++i)
    seen += !store->Observe("f" + std::to_string(i), kT0 + kHour, kWeek, false).is_new;
  EXPECT_EQ(seen, 200);
  // The connection that carried the writes to the dead master is gone, but
  // these writes went to the promoted replica: WAIT can vouch for them only
  // if it has a replica itself, which it does not.
  EXPECT_FALSE(store->Sync(&error));
  store->ClearFailure();

  // Everything dies: the batch fails within the retry timeout, nothing is
  // decided, and the store says why.
  for (int port : local->ports()) local->Kill(port);
  store->Stage("after", kT0 + 2 * kHour, kWeek, false);
  EXPECT_FALSE(store->ResolveStaged(&error));
  EXPECT_FALSE(store->ok());
  EXPECT_FALSE(store->Observe("after", kT0 + 2 * kHour, kWeek, false).is_new);
  EXPECT_FALSE(store->Sync(&error));
  EXPECT_NE(error.find("cannot connect"), std::string::npos) << error;
  EXPECT_EQ(store->stats().failures, 2u);
}

}  // namespace
}  // namespace picket::state
