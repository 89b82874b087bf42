// Date math beyond the dates Elasticsearch can represent (issue 16 item 16:
// `@timestamp < now+300000000y` silently matched nothing). Elasticsearch's
// JavaDateMathParser steps a java.time ZonedDateTime (years +-999,999,999),
// reads counts as Java ints, and DateUtils.toLongMillis refuses results
// beyond int64 milliseconds; each is a failed query (400), so each is a
// distinct problem here, while everything in range resolves exactly.
#include <gtest/gtest.h>

#include "util/time.h"

namespace picket {
namespace {

constexpr TimeMs kNow = 1772359200000;  // 2026-03-01T10:00:00Z
constexpr int64_t kDayMs = 86400000;
// 400 Gregorian years are exactly 146097 days.
constexpr int64_t k400YearsMs = 146097 * kDayMs;

DateMathProblem ProblemOf(std::string_view text, DateRounding rounding = DateRounding::kNone) {
  DateMathProblem problem = DateMathProblem::kNone;
  EXPECT_FALSE(ParseDateMath(text, kNow, rounding, &problem)) << text;
  return problem;
}

TEST(DateMathRange, IssueExamplesAreRefused) {
  EXPECT_EQ(ProblemOf("now+300000000y"), DateMathProblem::kNotRepresentable);
  EXPECT_EQ(ProblemOf("now-300000000y"), DateMathProblem::kNotRepresentable);
  EXPECT_EQ(ProblemOf("now+300000000y", DateRounding::kUp), DateMathProblem::kNotRepresentable);
}

TEST(DateMathRange, FarButRepresentableDatesAreExact) {
  // 292,000,000 years = 730,000 x 400 years, so the time of day and the
  // day of the year are unchanged.
  EXPECT_EQ(*ParseDateMath("now+292000000y", kNow), kNow + 730000 * k400YearsMs);
  EXPECT_EQ(*ParseDateMath("now-292000000y", kNow), kNow - 730000 * k400YearsMs);
  // Counts up to Java's Integer.MAX_VALUE are fine when the result fits.
  EXPECT_EQ(*ParseDateMath("now+2147483647s", kNow), kNow + 2147483647LL * 1000);
  EXPECT_TRUE(ParseDateMath("now+2147483647w", kNow));  // about 41 million years
  EXPECT_TRUE(ParseDateMath("now-2147483647M", kNow));  // about 179 million years back
}

TEST(DateMathRange, EdgeOfInt64Milliseconds) {
  // INT64_MAX ms is 292278994-08-17T07:12:55.807Z.
  const char* last_second = "1970-01-01||+292277024y+7M+16d+7h+12m+55s";
  auto t = ParseDateMath(last_second, kNow);
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, INT64_MAX - 807);
  EXPECT_EQ(ProblemOf("1970-01-01||+292277024y+7M+16d+7h+12m+56s"),
            DateMathProblem::kNotRepresentable);
  // Rounding an upper bound up to the end of that year does not fit either.
  EXPECT_TRUE(ParseDateMath(std::string(last_second) + "/y", kNow, DateRounding::kDown));
  EXPECT_EQ(ProblemOf(std::string(last_second) + "/y", DateRounding::kUp),
            DateMathProblem::kNotRepresentable);
}

TEST(DateMathRange, JavaLimitsAreRefusedOnTheWay) {
  // Each step must stay within java.time's years, even if a later step
  // would come back.
  EXPECT_EQ(ProblemOf("now+1000000000y"), DateMathProblem::kYearOutOfRange);
  EXPECT_EQ(ProblemOf("now+999999000y-999999000y"), DateMathProblem::kYearOutOfRange);
  EXPECT_EQ(ProblemOf("now+2147483647y"), DateMathProblem::kYearOutOfRange);
  EXPECT_EQ(ProblemOf("now+2147483648d"), DateMathProblem::kNumberTooLarge);
  EXPECT_EQ(ProblemOf("now-99999999999999999999999h"), DateMathProblem::kNumberTooLarge);
}

TEST(DateMathRange, SyntaxStaysSyntax) {
  EXPECT_EQ(ProblemOf("now+"), DateMathProblem::kSyntax);
  EXPECT_EQ(ProblemOf("now+1x"), DateMathProblem::kSyntax);
  EXPECT_EQ(ProblemOf("now/2d"), DateMathProblem::kSyntax);  // ES: rounding on single units only
  EXPECT_EQ(ProblemOf("yesterday"), DateMathProblem::kSyntax);
  EXPECT_EQ(*ParseDateMath("now/1d", kNow), ParseDate("2026-03-01")->ms);
}

}  // namespace
}  // namespace picket
