// MemoryTermStore: the flat hash table behind in-memory first-seen state.
#include "state/memory_store.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <unistd.h>

namespace picket::state {
namespace {

constexpr int64_t kWeek = 7 * 24 * 3600 * 1000LL;
constexpr TimeMs kT0 = 1'767'225'600'000;

std::string Key(int i) { return "rule\x01key-" + std::to_string(i); }

TEST(MemoryTermStore, ObserveAlertsOncePerKey) {
  MemoryTermStore store;
  EXPECT_TRUE(store.Observe("a", kT0, kWeek, false).is_new);
  EXPECT_FALSE(store.Observe("a", kT0 + 1000, kWeek, false).is_new);
  EXPECT_TRUE(store.Observe("b", kT0 + 1000, kWeek, false).is_new);
  EXPECT_EQ(store.size(), 2u);
  auto rec = store.Get("a");
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->first_seen, kT0);
  EXPECT_EQ(rec->last_seen, kT0 + 1000);
  EXPECT_FALSE(store.Get("c"));
}

TEST(MemoryTermStore, SurvivesGrowthWithManyKeys) {
  MemoryTermStore store;
  const int n = 100000;
  for (int i = 0; i < n; ++i) ASSERT_TRUE(store.Observe(Key(i), kT0 + i, kWeek, false).is_new);
  EXPECT_EQ(store.size(), static_cast<size_t>(n));
  for (int i = 0; i < n; i += 997) {
    auto rec = store.Get(Key(i));
    ASSERT_TRUE(rec) << i;
    EXPECT_EQ(rec->first_seen, kT0 + i);
  }
  for (int i = 0; i < n; i += 991) EXPECT_FALSE(store.Observe(Key(i), kT0 + n, kWeek, false).is_new);
}

TEST(MemoryTermStore, MemoryPerEntryIsBounded) {
  MemoryTermStore store;
  const int n = 200000;
  for (int i = 0; i < n; ++i) store.Observe(Key(i), kT0, kWeek, false);
  double per_entry = static_cast<double>(store.memory_bytes()) / store.size();
  EXPECT_LE(per_entry, 128.0);
}

TEST(MemoryTermStore, ExpireDropsOnlyEntriesPastTheirWindow) {
  MemoryTermStore store;
  for (int i = 0; i < 1000; ++i) store.Observe(Key(i), kT0 + i, kWeek, false);
  // expires_at = last_seen + window; keys 0..499 expire before kT0 + kWeek + 500.
  size_t dropped = store.Expire(kT0 + kWeek + 500);
  EXPECT_EQ(dropped, 500u);
  EXPECT_EQ(store.size(), 500u);
  EXPECT_FALSE(store.Get(Key(0)));
  EXPECT_FALSE(store.Get(Key(499)));
  EXPECT_TRUE(store.Get(Key(500)));
  EXPECT_TRUE(store.Get(Key(999)));
  // The survivors are still found and remembered after the rebuild.
  for (int i = 500; i < 1000; ++i)
    EXPECT_FALSE(store.Observe(Key(i), kT0 + kWeek + 500, kWeek, false).is_new) << i;
  // An expired key is new again.
  EXPECT_TRUE(store.Observe(Key(1), kT0 + kWeek + 500, kWeek, false).is_new);
}

TEST(MemoryTermStore, ExpireKeepsRandomSurvivorsFindable) {
  MemoryTermStore store;
  std::mt19937_64 rng(7);
  std::vector<std::pair<std::string, TimeMs>> keys;
  for (int i = 0; i < 20000; ++i) {
    TimeMs t = kT0 + static_cast<TimeMs>(rng() % (2 * kWeek));
    keys.emplace_back(Key(i), t);
    store.Observe(keys.back().first, t, kWeek, true);
  }
  TimeMs cut = kT0 + 2 * kWeek;
  store.Expire(cut);
  for (const auto& [key, t] : keys) EXPECT_EQ(store.Get(key).has_value(), t + kWeek >= cut) << key;
}

TEST(MemoryTermStore, SnapshotRoundTrip) {
  std::string path =
      (std::filesystem::temp_directory_path() / ("picket_state_" + std::to_string(::getpid()))).string();
  MemoryTermStore store;
  for (int i = 0; i < 5000; ++i) store.Observe(Key(i), kT0 + i, kWeek, true);
  std::string error;
  ASSERT_TRUE(store.SaveTo(path, &error)) << error;
  MemoryTermStore loaded;
  ASSERT_TRUE(loaded.LoadFrom(path, &error)) << error;
  EXPECT_EQ(loaded.size(), 5000u);
  EXPECT_FALSE(loaded.Observe(Key(42), kT0 + 100, kWeek, false).is_new);
  EXPECT_TRUE(loaded.Observe("unseen", kT0 + 100, kWeek, false).is_new);
  std::remove(path.c_str());
}

TEST(MemoryTermStore, LoadRejectsGarbage) {
  std::string path =
      (std::filesystem::temp_directory_path() / ("picket_garbage_" + std::to_string(::getpid()))).string();
  FILE* f = std::fopen(path.c_str(), "wb");
  std::fputs("not a snapshot at all", f);
  std::fclose(f);
  MemoryTermStore store;
  std::string error;
  EXPECT_FALSE(store.LoadFrom(path, &error));
  EXPECT_FALSE(error.empty());
  std::remove(path.c_str());
}

}  // namespace
}  // namespace picket::state
