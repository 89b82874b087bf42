// The RecordStore contract (state/record_store.h) as checks any backend's
// tests run: the memory and RocksDB stores (tests/unit/rocksdb) and the
// Redis store (tests/unit/redis). Each takes an empty store.
#pragma once
#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <string>
#include <vector>

#include "state/record_store.h"

namespace picket::state::contract {

inline constexpr int64_t kDay = 24 * 3600 * 1000LL;

inline std::map<std::string, std::string> ScanAll(RecordStore* store, std::string_view prefix) {
  std::map<std::string, std::string> out;
  store->Scan(prefix, [&](std::string_view k, std::string_view v, TimeMs) {
    out.emplace(std::string(k), std::string(v));
  });
  return out;
}

inline void PutGetReplaceDelete(RecordStore* store) {
  EXPECT_FALSE(store->Get("a").has_value());
  EXPECT_TRUE(store->Put("a", "one", 10 * kDay));
  EXPECT_EQ(store->Get("a").value(), "one");
  EXPECT_TRUE(store->Put("a", std::string("t\0wo", 4), 10 * kDay));  // binary values
  EXPECT_EQ(store->Get("a").value(), std::string("t\0wo", 4));
  EXPECT_TRUE(store->Put("b", "", 10 * kDay));  // an empty record is a record
  EXPECT_EQ(store->Get("b").value(), "");
  EXPECT_TRUE(store->Delete("a"));
  EXPECT_FALSE(store->Get("a").has_value());
  EXPECT_TRUE(store->Delete("never-there"));
}

inline void ScanVisitsAPrefixInKeyOrder(RecordStore* store) {
  store->Put("rule1/k2", "b", kDay);
  store->Put("rule1/k1", "a", kDay);
  store->Put("rule2/k1", "c", kDay);
  store->Put("rule1", "not under the prefix rule1/", kDay);
  std::vector<std::string> keys;
  store->Scan("rule1/", [&](std::string_view k, std::string_view, TimeMs expires) {
    keys.emplace_back(k);
    EXPECT_EQ(expires, kDay);
  });
  EXPECT_EQ(keys, (std::vector<std::string>{"rule1/k1", "rule1/k2"}));
  EXPECT_EQ(ScanAll(store, "").size(), 4u);
}

// Records a unit keeps for as long as the rule runs (a sequence rule's
// watermark, its list of keys awaiting a decision) are written with
// expires_at = INT64_MAX and must be kept, not refused.
inline void ARecordThatNeverExpiresIsKept(RecordStore* store) {
  constexpr TimeMs kForever = std::numeric_limits<TimeMs>::max();
  EXPECT_TRUE(store->Put("meta", "m", kForever));
  store->Expire(1000 * kDay);
  EXPECT_EQ(store->Get("meta").value(), "m");
  EXPECT_TRUE(store->Put("meta", "m2", kForever));  // and replaced
  EXPECT_EQ(store->Get("meta").value(), "m2");
}

inline void ExpiryHidesRecordsBelowTheThreshold(RecordStore* store) {
  store->Put("old", "x", 1 * kDay);
  store->Put("edge", "y", 2 * kDay);
  store->Put("new", "z", 3 * kDay);
  store->Expire(2 * kDay);  // forgets expires_at < 2 days
  EXPECT_FALSE(store->Get("old").has_value());
  EXPECT_TRUE(store->Get("edge").has_value());
  EXPECT_TRUE(store->Get("new").has_value());
  EXPECT_EQ(ScanAll(store, "").size(), 2u);
  // A record rewritten with a later expiry lives on.
  store->Put("edge", "y2", 5 * kDay);
  store->Expire(4 * kDay);
  EXPECT_EQ(store->Get("edge").value(), "y2");
  EXPECT_FALSE(store->Get("new").has_value());
  // The threshold never goes back.
  store->Expire(0);
  EXPECT_FALSE(store->Get("new").has_value());
}

}  // namespace picket::state::contract
