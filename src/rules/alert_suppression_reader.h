// Reads [rule.alert_suppression] (rules/alert_suppression.h) from a rule's
// TOML table, with Kibana's schema limits: 1 to 3 non-empty, distinct
// group_by fields; a duration of a positive integer `value` and a `unit` of
// s, m or h; missing_fields_strategy suppress or doNotSuppress. For a rule
// of type "threshold", Kibana's ThresholdAlertSuppression instead: only a
// duration, which is required (no group_by, no missing_fields_strategy).
#pragma once
#include <toml++/toml.h>

#include <optional>
#include <string>

#include "rules/alert_suppression.h"
#include "rules/rule.h"

namespace picket::rules {

// Fills *out (left empty when the table is absent). On a malformed table
// sets *pos (the offending value) and *error and returns false.
bool ReadAlertSuppression(const toml::table& rule_table, std::optional<AlertSuppression>* out,
                          SourcePos* pos, std::string* error);

}  // namespace picket::rules
