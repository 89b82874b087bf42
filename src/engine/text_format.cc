#include "engine/text_format.h"

#include <fmt/format.h>

#include "engine/rule_mappings.h"

namespace picket::engine {

namespace {
std::string Indent(std::string_view text, std::string_view prefix) {
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out.append(prefix).append(text.substr(start, end - start)).push_back('\n');
    start = end + 1;
  }
  return out;
}
}  // namespace

namespace {
std::string GuideText(const rules::Rule& rule, const TextFormatOptions& options) {
  if (!options.guide || rule.note.empty()) return "";
  return "  investigation guide:\n" + Indent(rule.note, "    | ");
}

// One line beneath the shell: "    [2/3] file:line  (index ...)  alert id ...".
std::string BuildingBlockText(const Alert& alert, const TextFormatOptions& options) {
  std::string where = alert.origin.empty() ? "(missing event)" : alert.origin;
  std::string out = fmt::format(
      "    [{}/{}] {}{}  building block {}\n", alert.building_block + 1, alert.sequence_events,
      where, alert.index.empty() ? "" : "  (index " + alert.index + ")", alert.uuid);
  bool last = static_cast<size_t>(alert.building_block) + 1 >= alert.sequence_events;
  if (last) out += GuideText(*alert.rule, options) + "\n";
  return out;
}
}  // namespace

std::string FormatAlertText(const Alert& alert, const TextFormatOptions& options) {
  if (alert.building_block >= 0) return BuildingBlockText(alert, options);
  const rules::Rule& rule = *alert.rule;
  std::string bold = options.color ? "\033[1m" : "", red = options.color ? "\033[31m" : "",
              reset = options.color ? "\033[0m" : "";
  if (alert.suppression_update) {  // the alert was printed in full when it was first written
    // A threshold rule's docs_count counts its later crossings (alerts), not events.
    std::string_view what =
        rule.type == rules::RuleType::kThreshold ? "threshold crossing" : "event";
    return fmt::format("  suppressed {}: alert {} now counts {} more {}{} ({}){}\n", rule.name,
                       alert.uuid, alert.suppressed_docs, what,
                       alert.suppressed_docs == 1 ? "" : "s", alert.origin,
                       alert.event_time ? " at " + FormatIso8601(*alert.event_time) : "");
  }
  std::string_view severity = alert.severity.empty() ? rule.severity : alert.severity;
  std::string out =
      fmt::format("{}{}ALERT{} [{}] {}{}\n", bold, red, reset, severity, bold + rule.name, reset);
  out += fmt::format("  rule       {} ({}, risk {})\n", rule.rule_id, rule.type_name,
                     RiskScoreJson(alert.risk_score.value_or(rule.risk_score)));
  if (!alert.new_terms.empty()) {
    std::string terms;
    for (size_t i = 0; i < alert.new_terms.size(); ++i) {
      if (i) terms += ", ";
      std::string_view field =
          i < rule.new_terms_fields.size() ? std::string_view(rule.new_terms_fields[i]) : "?";
      terms += fmt::format("{}={}", field, alert.new_terms[i]);
    }
    out += fmt::format("  new terms  {}\n", terms);
  }
  if (alert.threshold) {
    std::string group;
    for (const ThresholdTerm& t : alert.threshold->terms)
      group += fmt::format("{}{}={}", group.empty() ? "" : ", ", t.field, t.value);
    out += fmt::format("  group      {}{} events from {}", group.empty() ? "" : group + ": ",
                       alert.threshold->count, FormatIso8601(alert.threshold->from));
    if (alert.threshold->cardinality)
      out += fmt::format(", {} distinct {}", alert.threshold->cardinality->second,
                         alert.threshold->cardinality->first);
    out += "\n";
  }
  if (alert.event_time) out += fmt::format("  time       {}\n", FormatIso8601(*alert.event_time));
  out += fmt::format("  reason     {}\n", alert.reason);
  bool shell = alert.sequence_events > 0;
  if (!shell && (!alert.origin.empty() || !alert.index.empty()))
    out += fmt::format("  event      {}{}\n", alert.origin,
                       alert.index.empty() ? "" : "  (index " + alert.index + ")");
  out += fmt::format("  alert id   {}\n", alert.uuid);
  if (shell) {
    // Its building blocks follow, one line each; they close the block.
    out += fmt::format("  sequence   {} events:\n", alert.sequence_events);
    return out;
  }
  return out + GuideText(rule, options) + "\n";
}

}  // namespace picket::engine
