// DecideSighting: the first-seen decision shared by every TermStore.
#include "state/sighting.h"

#include <gtest/gtest.h>

namespace picket::state {
namespace {

constexpr int64_t kDay = 24 * 3600 * 1000LL;
constexpr int64_t kWeek = 7 * kDay;
constexpr TimeMs kT0 = 1'767'225'600'000;  // 2026-01-01

TermRecord Record(TimeMs first, TimeMs last) { return TermRecord{first, last, last + kWeek}; }

TEST(DecideSighting, FirstSightingIsNew) {
  ObserveResult r = DecideSighting(std::nullopt, kT0, kWeek, false);
  EXPECT_TRUE(r.is_new);
  EXPECT_FALSE(r.existed);
  EXPECT_EQ(r.after.first_seen, kT0);
  EXPECT_EQ(r.after.last_seen, kT0);
  EXPECT_EQ(r.after.expires_at, kT0 + kWeek);
}

TEST(DecideSighting, LearnOnlyRecordsButNeverAlerts) {
  ObserveResult r = DecideSighting(std::nullopt, kT0, kWeek, true);
  EXPECT_FALSE(r.is_new);
  EXPECT_EQ(r.after.first_seen, kT0);
  ObserveResult again = DecideSighting(Record(kT0, kT0), kT0 + kWeek + 1, kWeek, true);
  EXPECT_FALSE(again.is_new);
  EXPECT_EQ(again.after.first_seen, kT0 + kWeek + 1);  // a new run, silently
}

TEST(DecideSighting, SameTimestampIsSeen) {
  ObserveResult r = DecideSighting(Record(kT0, kT0), kT0, kWeek, false);
  EXPECT_FALSE(r.is_new);
  EXPECT_TRUE(r.existed);
}

TEST(DecideSighting, ExactlyOneWindowLaterIsStillSeen) {
  ObserveResult r = DecideSighting(Record(kT0, kT0), kT0 + kWeek, kWeek, false);
  EXPECT_FALSE(r.is_new);
  EXPECT_EQ(r.after.first_seen, kT0);
  EXPECT_EQ(r.after.last_seen, kT0 + kWeek);
  EXPECT_EQ(r.after.expires_at, kT0 + 2 * kWeek);
}

TEST(DecideSighting, OneMillisecondPastTheWindowIsNewAgain) {
  ObserveResult r = DecideSighting(Record(kT0, kT0), kT0 + kWeek + 1, kWeek, false);
  EXPECT_TRUE(r.is_new);
  EXPECT_EQ(r.after.first_seen, kT0 + kWeek + 1);
  EXPECT_EQ(r.after.last_seen, kT0 + kWeek + 1);
}

TEST(DecideSighting, WindowSlidesWithTheLastSighting) {
  // Daily sightings for three weeks never become new: each is within a
  // window of the previous one.
  std::optional<TermRecord> rec;
  int alerts = 0;
  for (int d = 0; d < 21; ++d) {
    ObserveResult r = DecideSighting(rec, kT0 + d * kDay, kWeek, false);
    alerts += r.is_new;
    rec = r.after;
  }
  EXPECT_EQ(alerts, 1);
  EXPECT_EQ(rec->first_seen, kT0);
}

TEST(DecideSighting, OtherWindowUnits) {
  const int64_t hours36 = 36 * 3600 * 1000LL;
  EXPECT_FALSE(DecideSighting(TermRecord{kT0, kT0, kT0 + hours36}, kT0 + hours36, hours36, false).is_new);
  EXPECT_TRUE(DecideSighting(TermRecord{kT0, kT0, kT0 + hours36}, kT0 + hours36 + 1, hours36, false).is_new);
}

TEST(DecideSighting, LateEventBecomesFirstSeenWithoutSecondAlert) {
  ObserveResult r = DecideSighting(Record(kT0, kT0), kT0 - 60'000, kWeek, false);
  EXPECT_FALSE(r.is_new);
  EXPECT_EQ(r.after.first_seen, kT0 - 60'000);
  EXPECT_EQ(r.after.last_seen, kT0);
}

TEST(DecideSighting, EventInsideTheRunChangesNothing) {
  ObserveResult r = DecideSighting(Record(kT0, kT0 + 3 * kDay), kT0 + kDay, kWeek, false);
  EXPECT_FALSE(r.is_new);
  EXPECT_EQ(r.after.first_seen, kT0);
  EXPECT_EQ(r.after.last_seen, kT0 + 3 * kDay);
}

TEST(DecideSighting, FarOlderSightingKeepsTheRecord) {
  ObserveResult r = DecideSighting(Record(kT0, kT0), kT0 - 2 * kWeek, kWeek, false);
  EXPECT_FALSE(r.is_new);
  EXPECT_EQ(r.after.first_seen, kT0);
  EXPECT_EQ(r.after.last_seen, kT0);
}

}  // namespace
}  // namespace picket::state
