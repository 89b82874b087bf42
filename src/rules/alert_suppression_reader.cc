#include "rules/alert_suppression_reader.h"

#include <set>

namespace picket::rules {
namespace {

SourcePos At(const toml::node& node) {
  const auto& b = node.source().begin;
  return {static_cast<uint32_t>(b.line), static_cast<uint32_t>(b.column)};
}

bool Fail(const toml::node& node, std::string message, SourcePos* pos, std::string* error) {
  *pos = At(node);
  *error = "alert_suppression: " + std::move(message);
  return false;
}

// Kibana's duration units and their length.
std::optional<int64_t> UnitMs(std::string_view unit) {
  if (unit == "s") return 1000;
  if (unit == "m") return 60 * 1000;
  if (unit == "h") return 60 * 60 * 1000;
  return std::nullopt;
}

bool ReadDuration(const toml::node& node, AlertSuppression* s, SourcePos* pos, std::string* error) {
  const toml::table* t = node.as_table();
  if (!t) return Fail(node, "duration is not a table {value = N, unit = \"m\"}", pos, error);
  const toml::node* value = t->get("value");
  const toml::node* unit = t->get("unit");
  if (!value || !unit) return Fail(node, "duration needs both `value` and `unit`", pos, error);
  std::optional<int64_t> v = value->value<int64_t>();
  if (!value->is_integer() || !v || *v < 1)
    return Fail(*value, "duration value must be a positive integer", pos, error);
  const auto* u = unit->as_string();
  std::optional<int64_t> ms = u ? UnitMs(u->get()) : std::nullopt;
  if (!ms) return Fail(*unit, "duration unit must be \"s\", \"m\" or \"h\"", pos, error);
  if (*v > INT64_MAX / *ms) return Fail(*value, "duration value is too large", pos, error);
  s->duration_ms = *v * *ms;
  for (const auto& [key, unused] : *t)
    if (key.str() != "value" && key.str() != "unit")
      return Fail(*t->get(key.str()), "unknown duration key `" + std::string(key.str()) + "`", pos,
                  error);
  return true;
}

}  // namespace

bool ReadAlertSuppression(const toml::table& rule_table, std::optional<AlertSuppression>* out,
                          SourcePos* pos, std::string* error) {
  out->reset();
  const toml::node* node = rule_table.get("alert_suppression");
  if (!node) return true;
  const toml::table* t = node->as_table();
  if (!t) return Fail(*node, "not a table ([rule.alert_suppression])", pos, error);
  AlertSuppression s;
  SourcePos table_pos = At(*node);
  s.line = table_pos.line;
  s.column = table_pos.column;
  // A threshold rule's table is Kibana's ThresholdAlertSuppression: a
  // required duration and nothing else (the group is the threshold's own
  // fields; detection-rules' schema refuses the other keys).
  const auto* type = rule_table.get_as<std::string>("type");
  s.threshold = type && type->get() == "threshold";
  for (const auto& [key, value] : *t) {
    std::string_view k = key.str();
    if (s.threshold && k != "duration")
      return Fail(value,
                  "a threshold rule takes only `duration` (its alerts are grouped by the "
                  "threshold fields); remove `" +
                      std::string(k) + "`",
                  pos, error);
    if (k == "group_by") {
      const toml::array* a = value.as_array();
      if (!a) return Fail(value, "group_by is not an array of field names", pos, error);
      std::set<std::string> seen;
      for (const toml::node& e : *a) {
        const auto* f = e.as_string();
        if (!f || f->get().empty())
          return Fail(e, "group_by entries must be non-empty field names", pos, error);
        if (!seen.insert(f->get()).second)
          return Fail(e, "group_by names `" + f->get() + "` twice", pos, error);
        s.group_by.push_back(f->get());
      }
      if (s.group_by.empty() || s.group_by.size() > 3)
        return Fail(
            value,
            "group_by has " + std::to_string(s.group_by.size()) + " fields; Kibana takes 1 to 3",
            pos, error);
    } else if (k == "duration") {
      if (!ReadDuration(value, &s, pos, error)) return false;
    } else if (k == "missing_fields_strategy") {
      const auto* v = value.as_string();
      if (v && v->get() == "suppress") {
        s.suppress_missing = true;
      } else if (v && v->get() == "doNotSuppress") {
        s.suppress_missing = false;
      } else {
        return Fail(value, "missing_fields_strategy must be \"suppress\" or \"doNotSuppress\"", pos,
                    error);
      }
    } else {
      return Fail(value, "unknown key `" + std::string(k) + "`", pos, error);
    }
  }
  if (s.threshold && !s.duration_ms)
    return Fail(*node, "a threshold rule's alert suppression needs a duration", pos, error);
  if (!s.threshold && s.group_by.empty()) return Fail(*node, "no group_by fields", pos, error);
  *out = std::move(s);
  return true;
}

}  // namespace picket::rules
