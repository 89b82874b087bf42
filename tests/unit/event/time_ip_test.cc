#include <gtest/gtest.h>

#include "util/ip.h"
#include "util/time.h"
#include "util/wildcard.h"

namespace picket {
namespace {

TEST(Time, IsoAndEpoch) {
  EXPECT_EQ(ParseDate("2026-03-01T10:00:00.000Z")->ms, 1772359200000);
  EXPECT_EQ(ParseDate("2026-03-01T11:00:00+01:00")->ms, 1772359200000);
  EXPECT_EQ(ParseDate("2026-03-01T10:00:00.123456789Z")->ms, 1772359200123);
  EXPECT_EQ(ParseDate("1772359200000")->ms, 1772359200000);
  EXPECT_EQ(ParseDate("2026-03-01")->precision, 'd');
  EXPECT_FALSE(ParseDate("2026-02-30"));
  EXPECT_FALSE(ParseDate("yesterday"));
  EXPECT_EQ(FormatIso8601(1772359200000), "2026-03-01T10:00:00.000Z");
}

TEST(Time, DateMath) {
  TimeMs now = 1772359200000;  // 2026-03-01T10:00Z
  EXPECT_EQ(*ParseDateMath("now-7d", now), now - 7 * 86400000LL);
  EXPECT_EQ(*ParseDateMath("now/d", now), ParseDate("2026-03-01")->ms);
  EXPECT_EQ(*ParseDateMath("now/d", now, DateRounding::kUp), ParseDate("2026-03-02")->ms - 1);
  EXPECT_EQ(*ParseDateMath("now-1M", now), ParseDate("2026-02-01T10:00:00Z")->ms);
  EXPECT_EQ(*ParseDateMath("2026-01-31||+1M", now), ParseDate("2026-02-28")->ms);
  EXPECT_EQ(*ParseNowMinus("now-7d"), 7 * 86400000LL);
  EXPECT_EQ(*ParseNowMinus("now-36h"), 36 * 3600000LL);
  EXPECT_FALSE(ParseNowMinus("now+7d"));
  EXPECT_EQ(*ParseInterval("5m"), 300000);
  EXPECT_FALSE(ParseInterval("5x"));
}

TEST(Ip, Cidr) {
  auto b = ParseCidr("192.168.0.0/16");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->Contains(*ParseIp("192.168.16.3")));
  EXPECT_FALSE(b->Contains(*ParseIp("192.169.0.1")));
  auto v6 = ParseCidr("2001:db8::/32");
  EXPECT_TRUE(v6->Contains(*ParseIp("2001:db8:1::5")));
  EXPECT_FALSE(v6->Contains(*ParseIp("192.168.16.3")));
  EXPECT_FALSE(ParseCidr("10.0.0.0/33"));
  EXPECT_FALSE(ParseIp("10.0.0"));
}

TEST(Wildcard, FullMatch) {
  WildcardPattern p({"", "pip", ""});
  EXPECT_TRUE(p.Matches("sh -c pip install"));
  EXPECT_FALSE(p.Matches("sh -c pi p"));
  WildcardPattern anchored({"a", "b", "a"});
  EXPECT_TRUE(anchored.Matches("aba"));
  EXPECT_TRUE(anchored.Matches("axxbxxa"));
  EXPECT_FALSE(anchored.Matches("ab"));
  EXPECT_FALSE(anchored.Matches("aa"));
  WildcardPattern overlap({"ab", "ab"});
  EXPECT_TRUE(overlap.Matches("abab"));
  EXPECT_FALSE(overlap.Matches("aba"));
}

}  // namespace
}  // namespace picket
