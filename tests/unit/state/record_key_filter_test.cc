// RecordKeyFilter (state/record_key_filter.h): a "no" is exact, expiry
// forgets only what every record under a hash has outlived.
#include "state/record_key_filter.h"

#include <gtest/gtest.h>

#include <string>

namespace picket::state {
namespace {

TEST(RecordKeyFilter, KeysNeverAddedDoNotExist) {
  RecordKeyFilter filter;
  filter.Add("rule1/host-a", 100);
  EXPECT_TRUE(filter.MayExist("rule1/host-a", 0));
  EXPECT_FALSE(filter.MayExist("rule1/host-b", 0));
  EXPECT_FALSE(filter.MayExist("", 0));
  EXPECT_EQ(filter.size(), 1u);
}

TEST(RecordKeyFilter, AKeyWhoseRecordsExpiredDoesNotExist) {
  RecordKeyFilter filter;
  filter.Add("k", 100);
  EXPECT_TRUE(filter.MayExist("k", 100));   // expires_at >= cut: still live
  EXPECT_FALSE(filter.MayExist("k", 101));  // answered before any DropBelow
  filter.DropBelow(101);
  EXPECT_EQ(filter.size(), 0u);
  EXPECT_FALSE(filter.MayExist("k", 0));
}

TEST(RecordKeyFilter, ALaterExpiryOfTheSameKeyOutlivesTheEarlierOne) {
  RecordKeyFilter filter;
  filter.Add("k", 100);
  filter.Add("k", 300);
  filter.DropBelow(200);  // pops the entry of 100, which is stale
  EXPECT_TRUE(filter.MayExist("k", 200));
  filter.Add("k", 150);  // a lower expiry cannot hide the record of 300
  filter.DropBelow(250);
  EXPECT_TRUE(filter.MayExist("k", 250));
  filter.DropBelow(301);
  EXPECT_FALSE(filter.MayExist("k", 0));
}

TEST(RecordKeyFilter, ManyRewritesKeepTheHeapBoundedAndAnswersRight) {
  RecordKeyFilter filter;
  for (int round = 1; round <= 50; ++round)
    for (int k = 0; k < 100; ++k) filter.Add("key" + std::to_string(k), round * 10 + k % 2);
  EXPECT_EQ(filter.size(), 100u);
  EXPECT_LE(filter.memory_bytes(), 100 * 1024u);  // rebuilt, not 5000 heap entries kept
  filter.DropBelow(501);                          // even keys last expired at 500
  for (int k = 0; k < 100; ++k)
    EXPECT_EQ(filter.MayExist("key" + std::to_string(k), 501), k % 2 == 1) << k;
  EXPECT_EQ(filter.size(), 50u);
}

}  // namespace
}  // namespace picket::state
