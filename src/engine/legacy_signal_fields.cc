#include "engine/legacy_signal_fields.h"

#include <iterator>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/json_text.h"
#include "event/field_collector.h"

namespace picket::engine {
namespace {

// Alias -> target, as Kibana's alerts index maps them.
constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
    {"signal.ancestors.depth", "kibana.alert.ancestors.depth"},
    {"signal.ancestors.id", "kibana.alert.ancestors.id"},
    {"signal.ancestors.index", "kibana.alert.ancestors.index"},
    {"signal.ancestors.type", "kibana.alert.ancestors.type"},
    {"signal.depth", "kibana.alert.depth"},
    {"signal.original_event.action", "kibana.alert.original_event.action"},
    {"signal.original_event.category", "kibana.alert.original_event.category"},
    {"signal.original_event.code", "kibana.alert.original_event.code"},
    {"signal.original_event.created", "kibana.alert.original_event.created"},
    {"signal.original_event.dataset", "kibana.alert.original_event.dataset"},
    {"signal.original_event.duration", "kibana.alert.original_event.duration"},
    {"signal.original_event.end", "kibana.alert.original_event.end"},
    {"signal.original_event.hash", "kibana.alert.original_event.hash"},
    {"signal.original_event.id", "kibana.alert.original_event.id"},
    {"signal.original_event.kind", "kibana.alert.original_event.kind"},
    {"signal.original_event.module", "kibana.alert.original_event.module"},
    {"signal.original_event.outcome", "kibana.alert.original_event.outcome"},
    {"signal.original_event.provider", "kibana.alert.original_event.provider"},
    {"signal.original_event.risk_score", "kibana.alert.original_event.risk_score"},
    {"signal.original_event.risk_score_norm", "kibana.alert.original_event.risk_score_norm"},
    {"signal.original_event.sequence", "kibana.alert.original_event.sequence"},
    {"signal.original_event.severity", "kibana.alert.original_event.severity"},
    {"signal.original_event.start", "kibana.alert.original_event.start"},
    {"signal.original_event.timezone", "kibana.alert.original_event.timezone"},
    {"signal.original_event.type", "kibana.alert.original_event.type"},
    {"signal.original_time", "kibana.alert.original_time"},
    {"signal.rule.author", "kibana.alert.rule.author"},
    {"signal.rule.building_block_type", "kibana.alert.rule.building_block_type"},
    {"signal.rule.created_at", "kibana.alert.rule.created_at"},
    {"signal.rule.created_by", "kibana.alert.rule.created_by"},
    {"signal.rule.description", "kibana.alert.rule.description"},
    {"signal.rule.enabled", "kibana.alert.rule.enabled"},
    {"signal.rule.false_positives", "kibana.alert.rule.false_positives"},
    {"signal.rule.from", "kibana.alert.rule.from"},
    {"signal.rule.id", "kibana.alert.rule.id"},
    {"signal.rule.immutable", "kibana.alert.rule.immutable"},
    {"signal.rule.index", "kibana.alert.rule.index"},
    {"signal.rule.interval", "kibana.alert.rule.interval"},
    {"signal.rule.language", "kibana.alert.rule.language"},
    {"signal.rule.license", "kibana.alert.rule.license"},
    {"signal.rule.max_signals", "kibana.alert.rule.max_signals"},
    {"signal.rule.name", "kibana.alert.rule.name"},
    {"signal.rule.note", "kibana.alert.rule.note"},
    {"signal.rule.query", "kibana.alert.rule.query"},
    {"signal.rule.references", "kibana.alert.rule.references"},
    {"signal.rule.risk_score", "kibana.alert.risk_score"},
    {"signal.rule.risk_score_mapping.field", "kibana.alert.rule.risk_score_mapping.field"},
    {"signal.rule.risk_score_mapping.operator", "kibana.alert.rule.risk_score_mapping.operator"},
    {"signal.rule.risk_score_mapping.value", "kibana.alert.rule.risk_score_mapping.value"},
    {"signal.rule.rule_id", "kibana.alert.rule.rule_id"},
    {"signal.rule.rule_name_override", "kibana.alert.rule.rule_name_override"},
    {"signal.rule.saved_id", "kibana.alert.rule.saved_id"},
    {"signal.rule.severity", "kibana.alert.severity"},
    {"signal.rule.severity_mapping.field", "kibana.alert.rule.severity_mapping.field"},
    {"signal.rule.severity_mapping.operator", "kibana.alert.rule.severity_mapping.operator"},
    {"signal.rule.severity_mapping.value", "kibana.alert.rule.severity_mapping.value"},
    {"signal.rule.severity_mapping.severity", "kibana.alert.rule.severity_mapping.severity"},
    {"signal.rule.tags", "kibana.alert.rule.tags"},
    {"signal.rule.threat.framework", "kibana.alert.rule.threat.framework"},
    {"signal.rule.threat.tactic.id", "kibana.alert.rule.threat.tactic.id"},
    {"signal.rule.threat.tactic.name", "kibana.alert.rule.threat.tactic.name"},
    {"signal.rule.threat.tactic.reference", "kibana.alert.rule.threat.tactic.reference"},
    {"signal.rule.threat.technique.id", "kibana.alert.rule.threat.technique.id"},
    {"signal.rule.threat.technique.name", "kibana.alert.rule.threat.technique.name"},
    {"signal.rule.threat.technique.reference", "kibana.alert.rule.threat.technique.reference"},
    {"signal.rule.threat.technique.subtechnique.id",
     "kibana.alert.rule.threat.technique.subtechnique.id"},
    {"signal.rule.threat.technique.subtechnique.name",
     "kibana.alert.rule.threat.technique.subtechnique.name"},
    {"signal.rule.threat.technique.subtechnique.reference",
     "kibana.alert.rule.threat.technique.subtechnique.reference"},
    {"signal.rule.threat_index", "kibana.alert.rule.threat_index"},
    {"signal.rule.threat_indicator_path", "kibana.alert.rule.threat_indicator_path"},
    {"signal.rule.threat_language", "kibana.alert.rule.threat_language"},
    {"signal.rule.threat_mapping.entries.field", "kibana.alert.rule.threat_mapping.entries.field"},
    {"signal.rule.threat_mapping.entries.value", "kibana.alert.rule.threat_mapping.entries.value"},
    {"signal.rule.threat_mapping.entries.type", "kibana.alert.rule.threat_mapping.entries.type"},
    {"signal.rule.threat_query", "kibana.alert.rule.threat_query"},
    {"signal.rule.threshold.field", "kibana.alert.rule.threshold.field"},
    {"signal.rule.threshold.value", "kibana.alert.rule.threshold.value"},
    {"signal.rule.timeline_id", "kibana.alert.rule.timeline_id"},
    {"signal.rule.timeline_title", "kibana.alert.rule.timeline_title"},
    {"signal.rule.to", "kibana.alert.rule.to"},
    {"signal.rule.type", "kibana.alert.rule.type"},
    {"signal.rule.updated_at", "kibana.alert.rule.updated_at"},
    {"signal.rule.updated_by", "kibana.alert.rule.updated_by"},
    {"signal.rule.version", "kibana.alert.rule.version"},
    {"signal.status", "kibana.alert.workflow_status"},
    {"signal.threshold_result.from", "kibana.alert.threshold_result.from"},
    {"signal.threshold_result.terms.field", "kibana.alert.threshold_result.terms.field"},
    {"signal.threshold_result.terms.value", "kibana.alert.threshold_result.terms.value"},
    {"signal.threshold_result.cardinality.field",
     "kibana.alert.threshold_result.cardinality.field"},
    {"signal.threshold_result.cardinality.value",
     "kibana.alert.threshold_result.cardinality.value"},
    {"signal.threshold_result.count", "kibana.alert.threshold_result.count"},
};

// simdjson::minify's bytes for `v`, without its per-byte string builder
// (which cost ~10k instructions for a rule's note or query): strings are
// written by AppendJsonString, whose escapes are minify's ('"', '\\', the
// short forms \b \t \n \f \r, other control bytes as lower-case \u00xx);
// they differ only on invalid UTF-8, which a parsed document never holds.
void AppendMinified(event::Json v, std::string* out) {
  if (v.type() == event::JsonType::STRING)
    AppendJsonString(out, v.get_string().value_unsafe());
  else
    *out += simdjson::minify(v);
}

}  // namespace

std::span<const std::pair<std::string_view, std::string_view>> LegacySignalAliases() {
  return kAliases;
}

std::string LegacySignalFields(event::Json alert) {
  // One walk of the alert for every target (an alert has ~70 root keys,
  // most of them `kibana.alert.*`: a ForEachValue per target compared ~100
  // keys of the same first byte ~100 times). The collector gives each slot
  // exactly ForEachValue's values, in its order. One per thread: Collect
  // keeps the current document's values.
  struct Targets {
    event::FieldCollector collector;
    std::vector<uint32_t> slots;  // per alias
    Targets() {
      for (const auto& alias : kAliases) slots.push_back(collector.Add(alias.second));
    }
  };
  thread_local Targets targets;
  targets.collector.Collect(alert);
  std::string out;
  for (size_t i = 0; i < std::size(kAliases); ++i) {
    bool any = false;
    for (event::Json v : targets.collector.Values(targets.slots[i])) {
      // Leaf values only: an alias names a leaf field of the mapping.
      if (v.type() == event::JsonType::OBJECT || v.type() == event::JsonType::NULL_VALUE) continue;
      if (!any) {
        out += ',';
        AppendJsonKey(&out, kAliases[i].first);
        out += '[';
        any = true;
      } else {
        out += ',';
      }
      AppendMinified(v, &out);
    }
    if (any) out += ']';
  }
  return out;
}

}  // namespace picket::engine
