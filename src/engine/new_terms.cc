#include "engine/new_terms.h"

#include <algorithm>
#include <cmath>

namespace picket::engine {

bool CollectTermValues(event::Json doc, const std::vector<std::string>& fields,
                       const event::FieldTypes* types, std::vector<std::vector<std::string>>* values) {
  values->resize(fields.size());
  std::string term;
  for (size_t i = 0; i < fields.size(); ++i) {
    std::vector<std::string>& out = (*values)[i];
    out.clear();
    uint32_t ignore_above = 0;
    if (types)
      if (const event::FieldInfo* info = types->Find(fields[i])) ignore_above = info->ignore_above;
    event::ForEachValue(doc, fields[i], [&](event::Json value) {
      term.clear();
      if (!event::ScalarToKeyword(value, &term)) return false;  // object: no term
      if (ignore_above && value.is_string() && term.size() > ignore_above) return false;
      if (std::find(out.begin(), out.end(), term) == out.end()) out.push_back(term);
      return false;
    });
    if (out.empty()) return false;
  }
  return !fields.empty();
}

size_t CombinationCount(const std::vector<std::vector<std::string>>& values) {
  size_t n = 1;
  for (const auto& v : values) {
    if (v.empty()) return 0;
    n = n > SIZE_MAX / v.size() ? SIZE_MAX : n * v.size();
  }
  return n;
}

size_t ForEachCombination(const std::vector<std::vector<std::string>>& values, size_t limit,
                          const std::function<void(const std::vector<std::string_view>&)>& visit) {
  if (values.empty()) return 0;
  for (const auto& v : values)
    if (v.empty()) return 0;
  std::vector<size_t> position(values.size(), 0);
  std::vector<std::string_view> combination(values.size());
  size_t visited = 0;
  while (visited < limit) {
    for (size_t i = 0; i < values.size(); ++i) combination[i] = values[i][position[i]];
    visit(combination);
    ++visited;
    // Odometer: the last field varies fastest, like composite aggregation order.
    size_t i = values.size();
    while (i > 0) {
      --i;
      if (++position[i] < values[i].size()) break;
      position[i] = 0;
      if (i == 0) return visited;
    }
  }
  return visited;
}

void BuildTermKey(std::string_view rule_key, const std::vector<std::string_view>& combination,
                  std::string* key) {
  key->clear();
  auto append = [key](std::string_view s) {
    uint32_t n = static_cast<uint32_t>(s.size());
    key->append(reinterpret_cast<const char*>(&n), sizeof(n));
    key->append(s);
  };
  append(rule_key);
  for (std::string_view v : combination) append(v);
}

namespace {
// Parses one date value; sets *present when the field has any value.
std::optional<TimeMs> DateValue(event::Json doc, std::string_view field, bool* present) {
  std::optional<TimeMs> result;
  *present = false;
  event::ForEachValue(doc, field, [&](event::Json value) {
    *present = true;
    if (value.is_string()) {
      if (auto d = ParseDate(value.get_string().value_unsafe())) result = d->ms;
    } else if (value.is_int64()) {
      result = value.get_int64().value_unsafe();
    } else if (value.is_uint64()) {
      uint64_t u = value.get_uint64().value_unsafe();
      if (u <= static_cast<uint64_t>(INT64_MAX)) result = static_cast<TimeMs>(u);
    } else if (value.is_double()) {
      double d = value.get_double().value_unsafe();
      if (std::isfinite(d) && std::fabs(d) < 9e15) result = static_cast<TimeMs>(d);
    }
    return true;  // the first value decides, as a min over one value would
  });
  return result;
}
}  // namespace

EventTimeResult EventTime(event::Json doc, std::string_view timestamp_override) {
  EventTimeResult r;
  bool present = false;
  if (!timestamp_override.empty()) {
    r.time = DateValue(doc, timestamp_override, &present);
    if (r.time) {
      r.source = TimeSource::kOverride;
      return r;
    }
    if (present) {
      r.problem = std::string(timestamp_override) + " is not a date";
      return r;
    }
  }
  r.time = DateValue(doc, "@timestamp", &present);
  if (r.time) {
    r.source = TimeSource::kTimestamp;
    return r;
  }
  r.problem = present ? "@timestamp is not a date"
                      : (timestamp_override.empty()
                             ? std::string("no @timestamp")
                             : "no " + std::string(timestamp_override) + " and no @timestamp");
  return r;
}

}  // namespace picket::engine
