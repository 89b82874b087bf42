#include "engine/rule_mappings.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <limits>

namespace picket::engine {

namespace {
constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1
constexpr std::string_view kEcsSeverityField = "event.severity";

int SeverityRank(std::string_view s) {
  if (s == "low") return 0;
  if (s == "medium") return 1;
  if (s == "high") return 2;
  if (s == "critical") return 3;
  return -1;
}

// A JSON number the way JavaScript holds it (a double).
std::optional<double> NumberOf(event::Json v) {
  switch (v.type()) {
    case event::JsonType::INT64:
      return static_cast<double>(v.get_int64().value_unsafe());
    case event::JsonType::UINT64:
      return static_cast<double>(v.get_uint64().value_unsafe());
    case event::JsonType::DOUBLE:
      return v.get_double().value_unsafe();
    default:
      return std::nullopt;
  }
}

// Number.isSafeInteger of a JSON value.
std::optional<double> SafeIntegerOf(event::Json v) {
  std::optional<double> n = NumberOf(v);
  if (!n || !std::isfinite(*n) || std::trunc(*n) != *n || std::fabs(*n) > kMaxSafeInteger)
    return std::nullopt;
  return *n;
}

bool SeverityEntryMatches(event::Json doc, const rules::SeverityMappingEntry& e) {
  if (e.field == kEcsSeverityField) {
    std::optional<double> wanted = JsNumber(e.value);
    if (!wanted) return false;
    double target = std::floor(*wanted);
    return event::ForEachValue(doc, e.field, [&](event::Json v) {
      std::optional<double> n = SafeIntegerOf(v);
      return n && *n == target;
    });
  }
  return event::ForEachValue(doc, e.field, [&](event::Json v) {
    if (v.is_string()) return std::string_view(v.get_string().value_unsafe()) == e.value;
    std::optional<double> n = SafeIntegerOf(v);
    return n && fmt::format("{}", static_cast<int64_t>(*n)) == e.value;
  });
}

bool IsJsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::optional<double> PrefixedInteger(std::string_view digits, int base) {
  if (digits.empty()) return std::nullopt;
  double value = 0;
  for (char c : digits) {
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : 99;
    if (d >= base) return std::nullopt;
    value = value * base + d;
  }
  return value;
}
}  // namespace

std::optional<double> JsNumber(std::string_view s) {
  while (!s.empty() && IsJsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsJsSpace(s.back())) s.remove_suffix(1);
  if (s.empty()) return 0.0;
  if (s.size() > 2 && s[0] == '0') {
    char p = static_cast<char>(s[1] | 0x20);
    if (p == 'x') return PrefixedInteger(s.substr(2), 16);
    if (p == 'o') return PrefixedInteger(s.substr(2), 8);
    if (p == 'b') return PrefixedInteger(s.substr(2), 2);
  }
  std::string_view body = s;
  bool negative = false;
  if (body.front() == '+' || body.front() == '-') {
    negative = body.front() == '-';
    body.remove_prefix(1);
  }
  if (body == "Infinity")
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  // digits [. digits] | . digits, then an optional exponent.
  size_t i = 0, digits = 0;
  while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++digits;
  }
  if (digits == 0) return std::nullopt;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    size_t exponent_digits = 0;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++exponent_digits;
    if (exponent_digits == 0) return std::nullopt;
  }
  if (i != body.size()) return std::nullopt;
  // strtod rounds like JavaScript and gives inf / 0 beyond the double range.
  std::string text(s);
  return std::strtod(text.c_str(), nullptr);
}

std::string_view MappedSeverity(event::Json doc, const rules::Rule& rule) {
  const rules::SeverityMappingEntry* best = nullptr;
  int best_rank = -1;
  for (const auto& entry : rule.severity_mapping) {
    int rank = SeverityRank(entry.severity);
    // Kibana sorts the entries by severity (stably) and keeps the last match.
    if (rank < 0 || rank < best_rank || !SeverityEntryMatches(doc, entry)) continue;
    best = &entry;
    best_rank = rank;
  }
  return best ? std::string_view(best->severity) : std::string_view(rule.severity);
}

double MappedRiskScore(event::Json doc, const rules::Rule& rule) {
  if (rule.risk_score_mapping.empty()) return rule.risk_score;
  std::optional<double> best;
  event::ForEachValue(doc, rule.risk_score_mapping.front().field, [&](event::Json v) {
    std::optional<double> n = v.is_string() ? JsNumber(v.get_string().value_unsafe()) : NumberOf(v);
    if (n && std::isfinite(*n) && *n >= 0 && *n <= 100 && (!best || *n > *best)) best = *n;
    return false;
  });
  return best ? *best : rule.risk_score;
}

std::string RiskScoreJson(double score) {
  if (std::trunc(score) == score && std::fabs(score) <= kMaxSafeInteger)
    return fmt::format("{}", static_cast<int64_t>(score));
  return fmt::format("{}", score);
}

}  // namespace picket::engine
