#include "util/time.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>

namespace picket {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at text[*pos].
bool ReadDigits(std::string_view text, size_t* pos, int n, int* out) {
  if (*pos + n > text.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = text[*pos + i];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

// Days from 1970-01-01 to y-m-d (proleptic Gregorian), after H. Hinnant.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

int DaysInMonth(int64_t y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;

int64_t UnitMs(char unit) {
  switch (unit) {
    case 's':
      return kSecond;
    case 'm':
      return kMinute;
    case 'h':
    case 'H':
      return kHour;
    case 'd':
      return kDay;
    case 'w':
      return 7 * kDay;
    default:
      return 0;  // M and y are calendar units
  }
}

// A point in time as java.time's ZonedDateTime (UTC) holds it for date
// math: a day and a millisecond within it. Elasticsearch's date math does
// each step on that representation, which refuses years beyond
// +-999,999,999 (DateTimeException), and converts the result to epoch
// milliseconds, which refuses what a signed 64-bit count cannot hold
// (DateUtils.toLongMillis: "too far in the future/past"). Steps are checked
// here the same way instead of wrapping around.
struct DayTime {
  int64_t day = 0;  // days since 1970-01-01
  int64_t ms = 0;   // 0 <= ms < kDay
};

constexpr int64_t kMaxJavaYear = 999999999;

DayTime FromMs(TimeMs t) {
  int64_t day = t >= 0 ? t / kDay : (t - kDay + 1) / kDay;
  return {day, t - day * kDay};
}

bool InJavaRange(const DayTime& t) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(t.day, &y, &m, &d);
  return y >= -kMaxJavaYear && y <= kMaxJavaYear;
}

// t + n units; false when the result leaves java.time's year range.
bool Add(DayTime* t, char unit, int64_t n) {
  if (unit == 'M' || unit == 'y') {
    int64_t y;
    unsigned m, d;
    CivilFromDays(t->day, &y, &m, &d);
    int64_t months = y * 12 + (m - 1) + (unit == 'y' ? n * 12 : n);  // |n| < 2^31
    y = months >= 0 ? months / 12 : (months - 11) / 12;
    if (y < -kMaxJavaYear || y > kMaxJavaYear) return false;
    m = static_cast<unsigned>(months - y * 12) + 1;
    d = std::min<unsigned>(d, DaysInMonth(y, m));
    t->day = DaysFromCivil(y, m, d);
    return true;
  }
  // |n| < 2^31 and a unit of at most a week: no overflow in ms.
  DayTime delta = FromMs(n * UnitMs(unit));
  t->day += delta.day;
  t->ms += delta.ms;
  if (t->ms >= kDay) {
    t->ms -= kDay;
    ++t->day;
  }
  return InJavaRange(*t);
}

// Start of the unit containing t (UTC).
void RoundDown(DayTime* t, char unit) {
  int64_t y;
  unsigned m, d;
  switch (unit) {
    case 'y':
      CivilFromDays(t->day, &y, &m, &d);
      *t = {DaysFromCivil(y, 1, 1), 0};
      return;
    case 'M':
      CivilFromDays(t->day, &y, &m, &d);
      *t = {DaysFromCivil(y, m, 1), 0};
      return;
    case 'w': {
      // ISO weeks start on Monday; 1970-01-01 was a Thursday.
      int64_t weekday = ((t->day % 7) + 7 + 3) % 7;  // 0 = Monday
      *t = {t->day - weekday, 0};
      return;
    }
    case 'd':
      t->ms = 0;
      return;
    default:
      t->ms -= t->ms % UnitMs(unit);
  }
}

// The last millisecond of the unit containing t, as ES rounds an upper
// bound: start of the unit, plus one unit, minus 1 ms.
bool RoundUp(DayTime* t, char unit) {
  RoundDown(t, unit);
  if (!Add(t, unit, 1)) return false;
  if (t->ms > 0) {
    --t->ms;
  } else {
    --t->day;
    t->ms = kDay - 1;
  }
  return InJavaRange(*t);
}

// Epoch milliseconds, or false when a signed 64-bit count cannot hold them.
bool ToMs(const DayTime& t, TimeMs* out) {
  int64_t day_ms;
  return !__builtin_mul_overflow(t.day, kDay, &day_ms) &&
         !__builtin_add_overflow(day_ms, t.ms, out);
}

}  // namespace

std::optional<ParsedDate> ParseIsoDate(std::string_view s) {
  size_t pos = 0;
  int year, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  int64_t millis = 0;
  bool negative_year = false;
  if (pos < s.size() && (s[pos] == '-' || s[pos] == '+')) {
    negative_year = s[pos] == '-';
    ++pos;
  }
  if (!ReadDigits(s, &pos, 4, &year)) return std::nullopt;
  if (negative_year) year = -year;
  ParsedDate out;
  out.precision = 'y';
  auto done = [&]() -> std::optional<ParsedDate> {
    if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 24 ||
        minute > 59 || second > 60)
      return std::nullopt;
    out.ms = DaysFromCivil(year, month, day) * kDay + hour * kHour + minute * kMinute +
             second * kSecond + millis;
    return out;
  };
  if (pos == s.size()) return done();
  if (s[pos] != '-') return std::nullopt;
  ++pos;
  if (!ReadDigits(s, &pos, 2, &month)) return std::nullopt;
  out.precision = 'M';
  if (pos == s.size()) return done();
  if (s[pos] != '-') return std::nullopt;
  ++pos;
  if (!ReadDigits(s, &pos, 2, &day)) return std::nullopt;
  out.precision = 'd';
  if (pos == s.size()) return done();
  if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
  ++pos;
  if (!ReadDigits(s, &pos, 2, &hour)) return std::nullopt;
  out.precision = 'h';
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    if (!ReadDigits(s, &pos, 2, &minute)) return std::nullopt;
    out.precision = 'm';
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!ReadDigits(s, &pos, 2, &second)) return std::nullopt;
      out.precision = 's';
      if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        size_t start = pos;
        int64_t scale = 100;
        while (pos < s.size() && IsDigit(s[pos])) {
          millis += (s[pos] - '0') * scale;  // finer than ms is truncated, as ES date does
          scale /= 10;
          ++pos;
        }
        if (pos == start || pos - start > 9) return std::nullopt;
        out.precision = 'S';
      }
    }
  }
  // Zone: Z, +hh, +hh:mm, +hhmm; none means UTC (ES default).
  int64_t offset = 0;
  if (pos < s.size()) {
    char c = s[pos];
    if (c == 'Z' || c == 'z') {
      ++pos;
    } else if (c == '+' || c == '-') {
      ++pos;
      int oh, om = 0;
      if (!ReadDigits(s, &pos, 2, &oh)) return std::nullopt;
      if (pos < s.size() && s[pos] == ':') ++pos;
      if (pos < s.size() && !ReadDigits(s, &pos, 2, &om)) return std::nullopt;
      offset = (oh * kHour + om * kMinute) * (c == '+' ? 1 : -1);
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;
  auto result = done();
  if (result) result->ms -= offset;
  return result;
}

std::optional<ParsedDate> ParseDate(std::string_view text) {
  if (text.empty()) return std::nullopt;
  // epoch_millis: an optional sign and digits. Four digits alone are a year
  // in strict_date_optional_time, which ES tries first.
  size_t i = (text[0] == '-' || text[0] == '+') ? 1 : 0;
  bool all_digits = i < text.size();
  for (size_t j = i; j < text.size(); ++j) all_digits &= IsDigit(text[j]);
  if (all_digits && text.size() - i != 4) {
    if (text.size() - i > 18) return std::nullopt;
    int64_t v = 0;
    for (size_t j = i; j < text.size(); ++j) v = v * 10 + (text[j] - '0');
    return ParsedDate{text[0] == '-' ? -v : v, 'S'};
  }
  return ParseIsoDate(text);
}

const char* DateMathProblemText(DateMathProblem problem) {
  switch (problem) {
    case DateMathProblem::kNone:
      return "";
    case DateMathProblem::kSyntax:
      return "is not a date or date math";
    case DateMathProblem::kNumberTooLarge:
      return "counts more than 2147483647 units, beyond the Java int Elasticsearch reads "
             "(Elasticsearch rejects the query)";
    case DateMathProblem::kYearOutOfRange:
      return "goes beyond year 999999999, the limit of Elasticsearch's date math "
             "(Elasticsearch rejects the query)";
    case DateMathProblem::kNotRepresentable:
      return "is too far in the future or the past to be represented in milliseconds "
             "(Elasticsearch rejects the query)";
  }
  return "";
}

std::optional<TimeMs> ParseDateMath(std::string_view text, TimeMs now, DateRounding rounding,
                                    DateMathProblem* problem) {
  DateMathProblem ignored;
  if (!problem) problem = &ignored;
  *problem = DateMathProblem::kSyntax;
  DayTime t;
  std::string_view math;
  if (text.substr(0, 3) == "now") {
    t = FromMs(now);
    math = text.substr(3);
  } else {
    size_t bars = text.find("||");
    std::string_view anchor = bars == std::string_view::npos ? text : text.substr(0, bars);
    auto date = ParseDate(anchor);
    if (!date) return std::nullopt;
    t = FromMs(date->ms);
    if (bars == std::string_view::npos) {
      // A bare date used as an upper bound covers its whole unit.
      if (rounding == DateRounding::kUp && date->precision != 'S' &&
          !RoundUp(&t, date->precision)) {
        *problem = DateMathProblem::kYearOutOfRange;
        return std::nullopt;
      }
      math = {};
    } else {
      math = text.substr(bars + 2);
    }
  }
  size_t pos = 0;
  while (pos < math.size()) {
    char op = math[pos++];
    if (op != '/' && op != '+' && op != '-') return std::nullopt;
    if (pos >= math.size()) return std::nullopt;
    int64_t n = 1;
    if (IsDigit(math[pos])) {
      n = 0;
      while (pos < math.size() && IsDigit(math[pos])) {
        n = n * 10 + (math[pos++] - '0');
        if (n > INT32_MAX) {
          *problem = DateMathProblem::kNumberTooLarge;
          return std::nullopt;
        }
      }
    }
    if (pos >= math.size()) return std::nullopt;
    char unit = math[pos++];
    if (unit != 'y' && unit != 'M' && UnitMs(unit) == 0) return std::nullopt;
    bool in_range;
    if (op == '/') {
      if (n != 1) return std::nullopt;  // ES: rounding only on single units
      RoundDown(&t, unit);
      in_range = rounding != DateRounding::kUp || RoundUp(&t, unit);
    } else {
      in_range = Add(&t, unit, op == '+' ? n : -n);
    }
    if (!in_range) {
      *problem = DateMathProblem::kYearOutOfRange;
      return std::nullopt;
    }
  }
  TimeMs out;
  if (!ToMs(t, &out)) {
    *problem = DateMathProblem::kNotRepresentable;
    return std::nullopt;
  }
  *problem = DateMathProblem::kNone;
  return out;
}

std::optional<int64_t> ParseNowMinus(std::string_view text) {
  if (text.substr(0, 4) != "now-") return std::nullopt;
  auto t = ParseDateMath(text, 0);
  if (!t || *t > 0 || text.find('/') != std::string_view::npos) return std::nullopt;
  return -*t;
}

std::optional<int64_t> ParseInterval(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  int64_t n = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (!IsDigit(text[i]) || n > (int64_t{1} << 40)) return std::nullopt;
    n = n * 10 + (text[i] - '0');
  }
  int64_t unit = UnitMs(text.back());
  if (unit == 0 || text.back() == 'w') return std::nullopt;
  return n * unit;
}

std::string FormatIso8601(TimeMs ms) {
  int64_t days = ms >= 0 ? ms / kDay : (ms - kDay + 1) / kDay;
  int64_t rest = ms - days * kDay;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[40];
  snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
           static_cast<long long>(y), m, d, static_cast<long long>(rest / kHour),
           static_cast<long long>(rest / kMinute % 60), static_cast<long long>(rest / kSecond % 60),
           static_cast<long long>(rest % 1000));
  return buf;
}

TimeMs NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace picket
