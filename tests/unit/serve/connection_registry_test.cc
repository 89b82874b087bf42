// Connection caps (issue 16 item 8): idle connections make room for new
// ones; only busy ones cause a refusal.
#include "serve/connection_registry.h"

#include <gtest/gtest.h>

namespace picket::serve {
namespace {

TEST(ConnectionRegistry, PerClientCapEvictsTheLongestIdleOfThatClient) {
  ConnectionRegistry r(100, 2);
  auto a = r.Admit("10.0.0.1");
  auto b = r.Admit("10.0.0.1");
  ASSERT_TRUE(a.admitted && b.admitted);
  auto other = r.Admit("10.0.0.2");  // another client is not affected
  ASSERT_TRUE(other.admitted && other.evicted.empty());
  r.MarkIdle(other.id, true);
  r.MarkIdle(b.id, true);
  r.MarkIdle(a.id, true);  // b has been idle longer
  auto c = r.Admit("10.0.0.1");
  ASSERT_TRUE(c.admitted);
  ASSERT_EQ(c.evicted, std::vector<uint64_t>{b.id});
  EXPECT_EQ(r.open_from("10.0.0.1"), 2u);
  r.Remove(b.id);  // the evicted connection closing: nothing more to do
  EXPECT_EQ(r.open_from("10.0.0.1"), 2u);
}

TEST(ConnectionRegistry, RefusesOnlyWhenEveryConnectionInScopeIsBusy) {
  ConnectionRegistry r(100, 2);
  auto a = r.Admit("10.0.0.1");
  auto b = r.Admit("10.0.0.1");
  auto c = r.Admit("10.0.0.1");
  EXPECT_FALSE(c.admitted);
  EXPECT_NE(c.refusal.find("--max-client-connections 2"), std::string::npos) << c.refusal;
  r.MarkIdle(a.id, true);
  r.MarkIdle(a.id, false);  // busy again: a request started on it
  EXPECT_FALSE(r.Admit("10.0.0.1").admitted);
  r.Remove(b.id);
  EXPECT_TRUE(r.Admit("10.0.0.1").admitted);
}

TEST(ConnectionRegistry, TotalCapEvictsAnyIdleConnection) {
  ConnectionRegistry r(2, 10);
  auto a = r.Admit("10.0.0.1");
  auto b = r.Admit("10.0.0.2");
  EXPECT_FALSE(r.Admit("10.0.0.3").admitted);
  r.MarkIdle(a.id, true);
  auto c = r.Admit("10.0.0.3");
  ASSERT_TRUE(c.admitted);
  EXPECT_EQ(c.evicted, std::vector<uint64_t>{a.id});
  EXPECT_EQ(r.open(), 2u);
  EXPECT_EQ(r.open_from("10.0.0.1"), 0u);
  (void)b;
}

}  // namespace
}  // namespace picket::serve
