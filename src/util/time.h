// Time values and Elasticsearch date parsing.
//
// Times are int64 milliseconds since the Unix epoch (UTC), the resolution of
// Elasticsearch `date` fields. ParseDate accepts what ES's default date format
// `strict_date_optional_time||epoch_millis` accepts: ISO-8601 dates with an
// optional time, fraction and zone, or an integer count of milliseconds.
// ParseDateMath resolves Elasticsearch date math ("now-7d/d",
// "2026-01-01||+1M") against a given "now".
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace picket {

using TimeMs = int64_t;

// A parsed date with the precision of what was written, so that range
// queries can round the way Elasticsearch does ("2026-03-01" as an upper
// bound with lte covers the whole day).
struct ParsedDate {
  TimeMs ms = 0;
  // The unit of the last written component: 'y','M','d','h','m','s' or 'S'
  // (milliseconds or finer). Epoch millis give 'S'.
  char precision = 'S';
};

std::optional<ParsedDate> ParseIsoDate(std::string_view text);
// ISO-8601 or epoch milliseconds (digits, optional sign).
std::optional<ParsedDate> ParseDate(std::string_view text);

enum class DateRounding { kNone, kDown, kUp };

// Why ParseDateMath gave no time. Elasticsearch rejects a query (400) whose
// date math overflows, so the last three are errors, not "no match".
enum class DateMathProblem {
  kNone,
  kSyntax,            // not a date or date math
  kNumberTooLarge,    // a count beyond 2^31-1 (ES parses it as a Java int)
  kYearOutOfRange,    // a step goes beyond year +-999,999,999 (java.time's range)
  kNotRepresentable,  // the result does not fit in int64 milliseconds
};
// "is too far in the future or the past ...": follows the value in messages.
const char* DateMathProblemText(DateMathProblem problem);

// Resolves date math. `now` anchors "now"; with kUp a rounding "/d" goes to
// the last millisecond of the unit (ES does this for lte and gt bounds).
// On failure returns nullopt and, when given, sets *problem.
std::optional<TimeMs> ParseDateMath(std::string_view text, TimeMs now,
                                    DateRounding rounding = DateRounding::kNone,
                                    DateMathProblem* problem = nullptr);

// "now-7d", "now-36h", "now-9m" -> the positive length of the offset in ms.
std::optional<int64_t> ParseNowMinus(std::string_view text);
// "5m", "1h", "30s", "1d" (detection-rules interval syntax) -> ms.
std::optional<int64_t> ParseInterval(std::string_view text);

// How far one key of a stateful rule (an EQL join key, a threshold group)
// may lag the rule's newest event by default: a day, so that a host whose
// clock is hours off, or a sender replaying hours behind another, still
// counts (`--max-lag`).
inline constexpr int64_t kDefaultMaxLagMs = 24 * 3600 * 1000LL;
// The lag a unit uses: `option_ms` when given (>= 0), else the default;
// never less than `floor_ms` (the rule's lookback or disorder bound).
inline int64_t EffectiveMaxLag(int64_t option_ms, int64_t floor_ms) {
  int64_t lag = option_ms >= 0 ? option_ms : kDefaultMaxLagMs;
  return lag > floor_ms ? lag : floor_ms;
}

// 2026-03-01T10:00:00.000Z
std::string FormatIso8601(TimeMs ms);
TimeMs NowMs();

}  // namespace picket
