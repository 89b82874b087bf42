// Sequence payloads (src/eql/event_payloads.h) on Redis Cluster: the one
// stored copy of an event's payload is written by whichever node takes the
// event first (a resend after a failed group can go to another node). A
// second writer's compare-and-set is refused, which must neither count as
// an error nor shorten the expiry another node's rules asked for; a longer
// one is still written.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>

#include "eql/event_payloads.h"
#include "redis/redis_helpers.h"
#include "state/redis_record_store.h"
#include "state/redis_term_store.h"
#include "util/bytes.h"

namespace picket::eql {
namespace {

using redis::testing::OpenSharedStore;

std::string TestPrefix() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string("picket-test-") + info->name() + "-" + std::to_string(getpid()) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

// The expiry stored in a payload's value (version byte, then 8 bytes).
TimeMs StoredExpiry(state::RecordStore* store, uint64_t id) {
  std::optional<std::string> value = store->Get(EventPayloads::Key(id));
  if (!value || value->size() < 9) return -1;
  ByteReader r(std::string_view(*value).substr(1, 8));
  return static_cast<TimeMs>(r.Fixed64());
}

TEST(SequencePayloadsShared, SecondNodeKeepsTheLongerExpiry) {
  const std::string prefix = TestPrefix();
  auto a = OpenSharedStore(prefix);
  auto b = OpenSharedStore(prefix);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EventPayloads on_a(a->records());
  on_a.NewEvent();
  ASSERT_TRUE(on_a.Write(5, 1000, 200, "payload"));
  std::string error;
  ASSERT_TRUE(a->Sync(&error)) << error;

  // Node B had not read the key: its write is refused, the stored expiry
  // (longer) is kept, and that is a success.
  EventPayloads on_b(b->records());
  on_b.NewEvent();
  EXPECT_TRUE(on_b.Write(5, 1000, 20, "payload"));
  auto* redis_b = static_cast<state::RedisRecordStore*>(b->records());
  EXPECT_EQ(redis_b->conflicts(), 1u);
  EXPECT_EQ(StoredExpiry(b->records(), 5), 1200);
  EXPECT_EQ(on_b.Read(5).value(), "payload");

  // A rule reaching further (on B) lengthens it; A reads the longer one.
  on_b.NewEvent();
  EXPECT_TRUE(on_b.Write(5, 1000, 500, "payload"));
  ASSERT_TRUE(b->Sync(&error)) << error;
  auto c = OpenSharedStore(prefix);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(StoredExpiry(c->records(), 5), 1500);
  EventPayloads on_c(c->records());
  EXPECT_EQ(on_c.Read(5).value(), "payload");
  EXPECT_FALSE(on_c.Read(6).has_value());
}

}  // namespace
}  // namespace picket::eql
