// The --state URL (src/state/redis_url.h).
#include "state/redis_url.h"

#include <gtest/gtest.h>

namespace picket::state {
namespace {

TEST(RedisUrl, SeedsUserPasswordAndTls) {
  RedisStoreOptions o;
  std::string error;
  ASSERT_TRUE(ParseRedisUrl("redis://10.0.0.1:7000,10.0.0.2:7001", &o, &error)) << error;
  ASSERT_EQ(o.cluster.seeds.size(), 2u);
  EXPECT_EQ(o.cluster.seeds[1].host, "10.0.0.2");
  EXPECT_EQ(o.cluster.seeds[1].port, 7001);
  EXPECT_FALSE(o.cluster.connect.tls.enabled);
  EXPECT_TRUE(o.cluster.connect.user.empty());

  RedisStoreOptions t;
  ASSERT_TRUE(ParseRedisUrl("rediss://picket:p%40ss%3Aword@redis-a:6380/", &t, &error)) << error;
  EXPECT_TRUE(t.cluster.connect.tls.enabled);
  EXPECT_EQ(t.cluster.connect.user, "picket");
  EXPECT_EQ(t.cluster.connect.password, "p@ss:word");
  EXPECT_EQ(t.cluster.seeds[0].host, "redis-a");

  RedisStoreOptions p;
  ASSERT_TRUE(ParseRedisUrl("redis://:secret@[::1]:7000/0", &p, &error)) << error;
  EXPECT_TRUE(p.cluster.connect.user.empty());
  EXPECT_EQ(p.cluster.connect.password, "secret");
  EXPECT_EQ(p.cluster.seeds[0].host, "::1");
  EXPECT_TRUE(IsRedisUrl("redis://x:1"));
  EXPECT_TRUE(IsRedisUrl("rediss://x:1"));
  EXPECT_FALSE(IsRedisUrl("/var/lib/picket"));
}

TEST(RedisUrl, RefusesWhatItCannotUse) {
  RedisStoreOptions o;
  std::string error;
  EXPECT_FALSE(ParseRedisUrl("http://x:1", &o, &error));
  EXPECT_NE(error.find("redis://"), std::string::npos);
  EXPECT_FALSE(ParseRedisUrl("redis://x:1/3", &o, &error));
  EXPECT_NE(error.find("only database 0"), std::string::npos);
  EXPECT_FALSE(ParseRedisUrl("redis://x", &o, &error));
  EXPECT_NE(error.find("HOST:PORT"), std::string::npos);
  EXPECT_FALSE(ParseRedisUrl("redis://u:p%zz@x:1", &o, &error));
  EXPECT_NE(error.find("percent-encoding"), std::string::npos);
  EXPECT_FALSE(ParseRedisUrl("redis://u:p%4@x:1", &o, &error));
  EXPECT_FALSE(ParseRedisUrl("redis://", &o, &error));
}

}  // namespace
}  // namespace picket::state
