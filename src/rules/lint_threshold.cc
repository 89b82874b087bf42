// threshold checks: the [rule.threshold] shape Kibana's rule schema accepts
// (0 to 5 distinct non-empty group-by fields, an integer value of at least
// 1, cardinality entries with a field and a value of at least 0, of which
// Kibana reads only the first) and two mistakes the schema lets through: a
// group-by or cardinality field that is not in the schema of the rule's
// Elastic Defend indices, and a cardinality field that is also a group-by
// field (each group then has one distinct value, so a cardinality value
// above 1 can never be reached).
#include <set>

#include "rules/lint_context.h"

namespace picket::rules::lint {
namespace {

constexpr size_t kMaxFields = 5;

void CheckKnown(LintContext& ctx, const std::string& field, Pos pos, std::string_view what) {
  if (!ctx.endpoint_only || IsKnownField(ctx, field)) return;
  std::string suggestion = SuggestField(ctx, field);
  ctx.Report(
      "threshold-unknown-field", pos,
      "threshold " + std::string(what) + " " + field + " is not in the ECS / Elastic Defend schema",
      suggestion.empty() ? "check the field name against the index mapping"
                         : "did you mean " + suggestion + "?");
}

}  // namespace

void CheckThreshold(LintContext& ctx) {
  const toml::table* rule = ctx.rule;
  if (LintContext::GetString(rule, "type").value_or("") != "threshold") return;
  const toml::table* th = (*rule)["threshold"].as_table();
  if (!th) {
    ctx.Report("threshold-shape", ctx.PosOf(rule), "a threshold rule has no [rule.threshold]",
               "add [rule.threshold] with field = [\"host.id\"] and value = 10");
    return;
  }
  const toml::node* value = th->get("value");
  if (!value || !value->is_integer() || *value->value<int64_t>() < 1)
    ctx.Report("threshold-shape", value ? ctx.PosOf(value) : ctx.PosOf(th),
               "threshold value must be an integer of at least 1",
               "set value = the number of events a group must reach");

  std::set<std::string> group_fields;
  const toml::node* fields = th->get("field");
  std::vector<const toml::node*> items;
  if (const toml::array* list = fields ? fields->as_array() : nullptr) {
    for (const auto& item : *list) items.push_back(&item);
    if (list->size() > kMaxFields)
      ctx.Report("threshold-fields", ctx.PosOf(fields),
                 "threshold takes at most 5 group-by fields; this rule lists " +
                     std::to_string(list->size()),
                 "keep the fields that identify what is counted (e.g. host.id, user.name)");
  } else if (fields) {
    items.push_back(fields);
  }
  for (const toml::node* item : items) {
    auto name = item->value<std::string>();
    if (!name || name->empty()) {
      ctx.Report("threshold-fields", ctx.PosOf(item), "a threshold field is empty or not a string",
                 "list field names as strings");
      continue;
    }
    if (!group_fields.insert(*name).second) {
      ctx.Report("threshold-fields", ctx.PosOf(item),
                 "threshold field " + *name + " is listed twice", "remove the duplicate");
      continue;
    }
    CheckKnown(ctx, *name, ctx.PosOf(item), "field");
  }

  const toml::array* cardinality = (*th)["cardinality"].as_array();
  if (!cardinality) return;
  if (cardinality->size() > 1)
    ctx.Report("threshold-cardinality", ctx.PosOf(&(*cardinality)[1]),
               "Kibana reads only the first [[rule.threshold.cardinality]] entry",
               "keep one cardinality entry");
  for (const auto& entry : *cardinality) {
    const toml::table* t = entry.as_table();
    auto field = t ? LintContext::GetString(t, "field") : std::nullopt;
    const toml::node* cvalue = t ? t->get("value") : nullptr;
    if (!field || field->empty() || !cvalue || !cvalue->is_integer() ||
        *cvalue->value<int64_t>() < 0) {
      ctx.Report("threshold-shape", ctx.PosOf(&entry),
                 "a cardinality entry needs a non-empty field and an integer value of at least 0",
                 "write field = \"user.name\" and value = 3");
      continue;
    }
    CheckKnown(ctx, *field, ctx.PosOfKey(t, "field"), "cardinality field");
    if (group_fields.count(*field) && *cvalue->value<int64_t>() > 1)
      ctx.Report("threshold-cardinality", ctx.PosOfKey(t, "field"),
                 "cardinality field " + *field +
                     " is also a group-by field: each group has one distinct value, so a "
                     "cardinality of " +
                     std::to_string(*cvalue->value<int64_t>()) + " is never reached",
                 "count the distinct values of a field that is not grouped on");
  }
}

}  // namespace picket::rules::lint
