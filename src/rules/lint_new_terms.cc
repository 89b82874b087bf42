// new_terms checks: the [rule.new_terms] shape detection-rules writes, the
// field list (1 to 3 distinct fields that exist), the history window (date
// math reaching further back than the rule's own look-back, or nothing is
// ever "new" against it), and whether the events the query selects carry
// the new-terms fields at all (Kibana makes no term for a document that
// lacks one, so such a rule never alerts).
#include <algorithm>
#include <regex>
#include <set>

#include "rules/lint_context.h"
#include "util/time.h"

namespace picket::rules::lint {
namespace {

std::string_view LastComponent(std::string_view field) {
  size_t dot = field.rfind('.');
  return dot == std::string_view::npos ? field : field.substr(dot + 1);
}

// The Elastic Defend data sets the rule's events come from: its index
// patterns, else the event.dataset or event.category its query requires.
std::set<std::string> EventDatasets(const LintContext& ctx) {
  std::set<std::string> datasets = ctx.datasets;
  if (!datasets.empty()) return datasets;
  for (const char* field : {"event.dataset", "data_stream.dataset"}) {
    auto it = ctx.required_terms.find(field);
    if (it != ctx.required_terms.end())
      for (const auto& v : it->second) datasets.insert(v);
  }
  if (!datasets.empty() || !ctx.any_endpoint) return datasets;
  auto category = ctx.required_terms.find("event.category");
  if (category != ctx.required_terms.end())
    for (const auto& v : category->second) datasets.insert("endpoint.events." + v);
  return datasets;
}

}  // namespace

void ReportFieldsNotCarried(LintContext& ctx, const std::vector<FieldAt>& fields,
                            std::string_view check, std::string_view role,
                            std::string_view consequence) {
  if (!ctx.any_endpoint) return;
  auto os = ctx.required_terms.find("host.os.type");
  auto action = ctx.required_terms.find("event.action");
  // Without a pinned OS and action the query may select kinds of events the
  // table does not document; then there is nothing provable to say.
  if (os == ctx.required_terms.end() || action == ctx.required_terms.end()) return;
  std::set<std::string> datasets = EventDatasets(ctx);
  for (const auto& field : fields) {
    if (!IsKnownField(ctx, field.name)) continue;  // reported as unknown already
    for (const auto& dataset : datasets)
      for (const auto& os_name : os->second)
        for (const auto& action_name : action->second) {
          const auto* carried = ctx.events.Fields(dataset, os_name, action_name);
          if (!carried || carried->count(field.name)) continue;
          std::string alternative;
          for (const auto& f : *carried)
            if (LastComponent(f) == LastComponent(field.name)) alternative = f;
          ctx.Report(std::string(check), field.pos,
                     std::string(role) + " field " + field.name +
                         " is not among the fields Elastic Defend documents for " + os_name + " " +
                         action_name + " events (" + dataset + "); " + std::string(consequence),
                     alternative.empty()
                         ? "pick a field these events carry (see data/event_fields.tsv)"
                         : "use " + alternative + ", which these events carry");
        }
  }
}

void ReportUnknownFields(LintContext& ctx, const std::vector<FieldAt>& fields,
                         std::string_view check, std::string_view role) {
  if (!ctx.endpoint_only) return;
  for (const auto& field : fields) {
    if (IsKnownField(ctx, field.name)) continue;
    std::string suggestion = SuggestField(ctx, field.name);
    ctx.Report(
        std::string(check), field.pos,
        std::string(role) + " field " + field.name + " is not in the ECS / Elastic Defend schema",
        suggestion.empty() ? "check the field name against the index mapping"
                           : "did you mean " + suggestion + "?");
  }
}

void CheckNewTerms(LintContext& ctx) {
  const toml::table* rule = ctx.rule;
  if (LintContext::GetString(rule, "type").value_or("") != "new_terms") return;

  std::vector<FieldAt> fields;
  const toml::node* fields_node = nullptr;
  std::optional<std::string> window;
  Pos window_pos = ctx.PosOf(rule);

  if (const toml::table* nt = (*rule)["new_terms"].as_table()) {
    auto field = LintContext::GetString(nt, "field");
    if (field.value_or("") != "new_terms_fields")
      ctx.Report("new-terms-shape", ctx.PosOfKey(nt, "field"),
                 "[rule.new_terms] field must be \"new_terms_fields\"",
                 "write field = \"new_terms_fields\" and the fields in value = [...]");
    fields_node = nt->get("value");
    window_pos = ctx.PosOf(nt);
    const toml::array* starts = (*nt)["history_window_start"].as_array();
    if (!starts || starts->size() != 1 || !starts->front().is_table()) {
      ctx.Report("new-terms-shape", window_pos,
                 "[rule.new_terms] needs exactly one [[rule.new_terms.history_window_start]]",
                 "add [[rule.new_terms.history_window_start]] with field = "
                 "\"history_window_start\" and value = \"now-7d\"");
    } else {
      const toml::table* start = starts->front().as_table();
      window_pos = ctx.PosOf(start);
      if (LintContext::GetString(start, "field").value_or("") != "history_window_start")
        ctx.Report("new-terms-shape", ctx.PosOfKey(start, "field"),
                   "history_window_start's field must be \"history_window_start\"",
                   "write field = \"history_window_start\"");
      window = LintContext::GetString(start, "value");
      window_pos = ctx.PosOfKey(start, "value");
    }
  } else if (rule->get("new_terms_fields")) {  // the Kibana API form
    fields_node = rule->get("new_terms_fields");
    window = LintContext::GetString(rule, "history_window_start");
    window_pos = ctx.PosOfKey(rule, "history_window_start");
  } else {
    ctx.Report(
        "new-terms-shape", ctx.PosOf(rule), "a new_terms rule has no [rule.new_terms]",
        "add [rule.new_terms] with field = \"new_terms_fields\" and value = [\"host.id\", ...]");
    return;
  }

  const toml::array* list = fields_node ? fields_node->as_array() : nullptr;
  if (!list) {
    ctx.Report("new-terms-fields", fields_node ? ctx.PosOf(fields_node) : ctx.PosOf(rule),
               "the new_terms fields must be a list", "write value = [\"host.id\", \"file.path\"]");
  } else {
    std::set<std::string> seen;
    for (const auto& item : *list) {
      auto name = item.value<std::string>();
      if (!name || name->empty()) {
        ctx.Report("new-terms-fields", ctx.PosOf(&item),
                   "a new_terms field is empty or not a string", "list field names as strings");
        continue;
      }
      if (!seen.insert(*name).second) {
        ctx.Report("new-terms-fields", ctx.PosOf(&item),
                   "new_terms field " + *name + " is listed twice", "remove the duplicate");
        continue;
      }
      fields.push_back({*name, ctx.PosOf(&item)});
    }
    if (list->empty() || list->size() > 3)
      ctx.Report("new-terms-fields", ctx.PosOf(fields_node),
                 "new_terms takes 1 to 3 fields; this rule lists " + std::to_string(list->size()),
                 "keep the fields that make a term unusual (e.g. host.id plus one attribute)");
  }

  if (!window) {
    ctx.Report("new-terms-window", window_pos, "history_window_start has no value",
               "set value = \"now-7d\"");
  } else {
    static const std::regex kNow(R"(^now-\d+[yMwdhHms]$)");
    auto ms = std::regex_match(*window, kNow) ? ParseNowMinus(*window) : std::nullopt;
    if (!ms)
      ctx.Report("new-terms-window", window_pos,
                 "history_window_start \"" + *window + "\" is not now-<n><unit>",
                 "write date math such as \"now-7d\"");
    else if (*ms <= ctx.lookback_ms)
      ctx.Report("new-terms-window", window_pos,
                 "history_window_start " + *window +
                     " does not reach further back than the "
                     "rule's look-back (from), so there is no history to compare against",
                 "make the history window longer than from, e.g. now-7d");
  }

  ReportUnknownFields(ctx, fields, "new-terms-unknown-field", "new_terms");
  ReportFieldsNotCarried(ctx, fields, "new-terms-field-not-in-event", "new_terms",
                         "documents without it produce no new term and no alert");
}

}  // namespace picket::rules::lint
