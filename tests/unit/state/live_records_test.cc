// LiveRecords (the live-by-expiry count behind the sequence stream's
// max_records and a threshold rule's max_groups) and RoundExpiryUp.
#include "state/live_records.h"

#include <gtest/gtest.h>

#include <climits>

namespace picket::state {
namespace {

TEST(LiveRecords, MovesAndDropsByExpiry) {
  LiveRecords live;
  live.Move(std::nullopt, 100);
  live.Move(std::nullopt, 100);
  live.Move(std::nullopt, 200);
  EXPECT_EQ(live.count(), 3);
  live.Move(100, 300);  // a record's expiry moved on
  live.Move(200, 200);  // unchanged: nothing to do
  EXPECT_EQ(live.count(), 3);
  live.DropBelow(150);  // the one left at 100 is gone
  EXPECT_EQ(live.count(), 2);
  live.Move(100, std::nullopt);  // already dropped: not counted twice
  EXPECT_EQ(live.count(), 2);
  live.Move(300, std::nullopt);
  EXPECT_EQ(live.count(), 1);
  live.DropBelow(201);
  EXPECT_EQ(live.count(), 0);
}

TEST(RoundExpiryUp, RoundsUpToASixteenthOfTheLookbackAtLeastASecond) {
  EXPECT_EQ(RoundExpiryUp(0, 16000), 0);
  EXPECT_EQ(RoundExpiryUp(1, 16000), 1000);
  EXPECT_EQ(RoundExpiryUp(1001, 160000), 10000);
  EXPECT_EQ(RoundExpiryUp(-1, 16000), 0);
  EXPECT_EQ(RoundExpiryUp(5, 0), 1000);
  EXPECT_EQ(RoundExpiryUp(INT64_MAX - 10, 16000), INT64_MAX);
}

}  // namespace
}  // namespace picket::state
