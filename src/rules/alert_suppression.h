// [rule.alert_suppression] as Kibana's rule schema has it: `group_by`, 1 to
// 3 field names; `duration` {value, unit s|m|h} (absent = per rule
// execution); `missing_fields_strategy` "suppress" (Kibana's default) or
// "doNotSuppress". Threshold rules: `duration` only, required. Read by
// rules/alert_suppression_reader.h; applied by the engine's AlertSuppressor
// (engine/alert_suppressor.h).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace picket::rules {

struct AlertSuppression {
  // A threshold rule's suppression (Kibana's ThresholdAlertSuppression):
  // the group is the threshold's field values, duration is required and
  // group_by is empty.
  bool threshold = false;
  std::vector<std::string> group_by;
  // The window; nullopt = per rule execution (the rule's interval).
  std::optional<int64_t> duration_ms;
  // "suppress": events missing a group_by field form one group with null
  // values; "doNotSuppress": they alert one by one, without suppression.
  bool suppress_missing = true;
  uint32_t line = 0, column = 0;  // of the table in the rule file (for lint)
};

}  // namespace picket::rules
