// Schedule and data-source checks: `from`, `interval`, `max_signals`,
// `timestamp_override` and `index`. These decide which events a rule sees
// in Kibana, so mistakes here silently lose alerts rather than fail loudly.
#include <regex>

#include "rules/lint_context.h"
#include "util/time.h"

namespace picket::rules::lint {

void CheckSchedule(LintContext& ctx) {
  const toml::table* rule = ctx.rule;
  auto type = LintContext::GetString(rule, "type").value_or("");

  std::optional<int64_t> lookback;
  if (const toml::node* from = rule->get("from")) {
    static const std::regex kFrom(R"(^now-\d+[yMwdhHms]$)");
    auto text = from->value<std::string>();
    if (!text || !std::regex_match(*text, kFrom) || !(lookback = ParseNowMinus(*text)))
      ctx.Report("from-format", ctx.PosOf(from),
                 "from " + (text ? "\"" + *text + "\"" : std::string("(not a string)")) +
                     " is not now-<n><unit>",
                 "write a relative look-back such as \"now-9m\"");
  } else if (ctx.any_endpoint && type != "machine_learning") {
    ctx.Report("explicit-from", ctx.PosOf(rule),
               "the rule reads Elastic Defend indices but has no from (Kibana uses now-6m)",
               "set from = \"now-9m\" (interval plus the agent's ingest delay)");
  }

  std::optional<int64_t> interval;
  if (const toml::node* node = rule->get("interval")) {
    static const std::regex kInterval(R"(^\d+[smhd]$)");
    auto text = node->value<std::string>();
    if (!text || !std::regex_match(*text, kInterval) || !(interval = ParseInterval(*text)))
      ctx.Report("interval-format", ctx.PosOf(node),
                 "interval " + (text ? "\"" + *text + "\"" : std::string("(not a string)")) +
                     " is not <n>s|m|h|d",
                 "write an interval such as \"5m\"");
  }
  // Kibana's defaults: from now-6m, interval 5m. A rule that runs less often
  // than it looks back misses the events in between.
  int64_t effective_lookback = lookback.value_or(6 * 60 * 1000);
  int64_t effective_interval = interval.value_or(5 * 60 * 1000);
  if ((lookback || interval) && effective_interval > effective_lookback)
    ctx.Report("interval-exceeds-lookback", ctx.PosOfKey(rule, interval ? "interval" : "from"),
               "the rule runs every " + std::to_string(effective_interval / 60000) +
                   " min but looks back only " + std::to_string(effective_lookback / 60000) +
                   " min, so events between runs are never searched",
               "make from reach back at least one interval (plus ingest delay)");

  if (const toml::node* node = rule->get("max_signals")) {
    auto value = node->value<int64_t>();
    if (!node->is_integer() || *value < 1 || *value > 1000)
      ctx.Report("max-signals", ctx.PosOf(node), "max_signals must be an integer from 1 to 1000",
                 "remove it (Kibana's default is 100) or set a value in range");
  }

  if (ctx.runs_kql) {
    auto override_field = LintContext::GetString(rule, "timestamp_override");
    if (override_field.value_or("") != "event.ingested")
      ctx.Report("timestamp-override", ctx.PosOfKey(rule, "timestamp_override"),
                 override_field ? "timestamp_override is \"" + *override_field + "\""
                                : "the rule has no timestamp_override",
                 "set timestamp_override = \"event.ingested\" so that late-arriving events are "
                 "still searched");
  }

  if (type == "machine_learning" || type == "esql") return;  // no index
  const toml::node* index = rule->get("index");
  const toml::node* data_view = rule->get("data_view_id");
  if (index && data_view) {
    ctx.Report("index", ctx.PosOf(data_view), "the rule sets both index and data_view_id",
               "keep one of them");
  } else if (!index && !data_view) {
    ctx.Report("index", ctx.PosOf(rule), "the rule has no index (or data_view_id)",
               "add index = [\"logs-endpoint.events.process-*\"] or the patterns it reads");
  } else if (index) {
    const toml::array* patterns = index->as_array();
    if (!patterns || patterns->empty()) {
      ctx.Report("index", ctx.PosOf(index), "index must be a non-empty list of patterns",
                 "list the index patterns the rule reads");
    } else {
      for (const auto& item : *patterns) {
        auto text = item.value<std::string>();
        if (!text || text->empty() || text->find_first_of(" ,") != std::string::npos)
          ctx.Report("index", ctx.PosOf(&item),
                     "index pattern " + (text ? "\"" + *text + "\"" : std::string("(not a string)")) +
                         " is empty or contains a space or comma",
                     "one pattern per list element, e.g. \"logs-endpoint.events.file-*\"");
      }
    }
  }
}

}  // namespace picket::rules::lint
