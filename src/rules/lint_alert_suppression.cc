// [rule.alert_suppression] checks: the table's shape as Kibana's schema
// takes it (the loader's own reader, so lint and load agree: 1 to 3
// distinct group_by fields, a duration of a positive value in s, m or h,
// a known missing_fields_strategy; a threshold rule's table is a required
// duration alone), group_by fields outside the schema of
// Elastic Defend-only rules, and group_by fields the events the query
// selects do not carry (every such event would fall in the group of
// missing values, or alert unsuppressed with doNotSuppress).
#include "rules/alert_suppression_reader.h"
#include "rules/lint_context.h"

namespace picket::rules::lint {

void CheckAlertSuppression(LintContext& ctx) {
  const toml::table* rule = ctx.rule;
  const toml::table* table = (*rule)["alert_suppression"].as_table();
  if (!table) {
    if (rule->get("alert_suppression"))
      ctx.Report("alert-suppression-shape", ctx.PosOfKey(rule, "alert_suppression"),
                 "alert_suppression is not a table", "write [rule.alert_suppression]");
    return;
  }
  std::optional<AlertSuppression> parsed;
  SourcePos pos;
  std::string error;
  if (!ReadAlertSuppression(*rule, &parsed, &pos, &error)) {
    bool threshold = LintContext::GetString(rule, "type").value_or("") == "threshold";
    ctx.Report("alert-suppression-shape", {pos.line, pos.column}, error,
               threshold ? "a threshold rule's [rule.alert_suppression] is only duration = "
                           "{value = 5, unit = \"m\"} (s, m or h)"
                         : "group_by = [1 to 3 fields], duration = {value = 5, unit = \"m\"} "
                           "(s, m or h), missing_fields_strategy = \"suppress\" or "
                           "\"doNotSuppress\"");
    return;
  }
  std::vector<FieldAt> fields;
  if (const toml::array* list = (*table)["group_by"].as_array())
    for (const auto& item : *list)
      if (auto name = item.value<std::string>()) fields.push_back({*name, ctx.PosOf(&item)});
  ReportUnknownFields(ctx, fields, "alert-suppression-unknown-field", "group_by");
  ReportFieldsNotCarried(ctx, fields, "alert-suppression-field-not-in-event", "group_by",
                         parsed->suppress_missing
                             ? "all such events share one group (value null) and one alert"
                             : "such events are not suppressed (doNotSuppress)");
}

}  // namespace picket::rules::lint
