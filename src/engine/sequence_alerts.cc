#include "engine/sequence_alerts.h"

#include <simdjson.h>

#include <algorithm>

#include "engine/alert_id.h"
#include "engine/json_intersection.h"
#include "engine/json_text.h"

namespace picket::engine {

namespace {

constexpr std::string_view kMissingSource = "{}";

void AppendAncestor(std::string* out, std::string_view id, std::string_view index,
                    std::string_view type, int depth, std::string_view rule) {
  if (out->size() > 1) out->push_back(',');
  out->push_back('{');
  AppendJsonKey(out, "id");
  AppendJsonString(out, id);
  out->push_back(',');
  AppendJsonKey(out, "index");
  AppendJsonString(out, index);
  out->push_back(',');
  AppendJsonKey(out, "type");
  AppendJsonString(out, type);
  out->push_back(',');
  AppendJsonKey(out, "depth");
  out->append(std::to_string(depth));
  if (!rule.empty()) {
    out->push_back(',');
    AppendJsonKey(out, "rule");
    AppendJsonString(out, rule);
  }
  out->push_back('}');
}

// Kibana's buildAncestors for one sequence event, as the entries of a JSON
// array appended to *out (which starts with '['): an event is its own
// ancestor (type "event", depth 0); an alert (a sequence over the alerts
// index) continues its ancestry: its kibana.alert.ancestors, then itself
// (type "signal", its depth and rule). Returns the deepest depth listed.
int AppendEventAncestry(std::string* out, simdjson::dom::element doc, const SequenceEvent& e,
                        std::string_view source_id) {
  std::string_view alert_uuid, rule_uuid;
  simdjson::dom::array own;
  int64_t depth = 0;
  bool alert = !e.missing && e.index.starts_with(".alerts-") &&
               !doc["kibana.alert.uuid"].get(alert_uuid) &&
               !doc["kibana.alert.rule.uuid"].get(rule_uuid) &&
               !doc["kibana.alert.depth"].get(depth) && depth > 0;
  if (!alert) {
    AppendAncestor(out, source_id, e.missing ? "" : e.index, "event", 0, "");
    return 0;
  }
  if (!doc["kibana.alert.ancestors"].get(own))
    for (simdjson::dom::element a : own) {
      if (out->size() > 1) out->push_back(',');
      out->append(simdjson::minify(a));
    }
  // In the key order of an alert built on an alert (AncestorsOnAlert).
  if (out->size() > 1) out->push_back(',');
  out->push_back('{');
  AppendJsonKey(out, "id");
  AppendJsonString(out, alert_uuid);
  out->append(",\"type\":\"signal\",");
  AppendJsonKey(out, "index");
  AppendJsonString(out, e.index);
  out->append(",\"depth\":" + std::to_string(depth) + ",");
  AppendJsonKey(out, "rule");
  AppendJsonString(out, rule_uuid);
  out->push_back('}');
  return static_cast<int>(depth);
}

}  // namespace

bool BuildSequenceAlerts(AlertBuilder& builder, const AlertFacts& base,
                         std::span<const SequenceEvent> events, std::vector<SequenceAlert>* alerts,
                         std::string* error) {
  const size_t n = events.size();
  simdjson::dom::parser parser;
  std::vector<std::string> identities(n), source_ids(n), reasons(n), ancestries(n);
  std::vector<int> block_depths(n, 1);
  bool any_alert = false;
  std::vector<std::string_view> raws(n);
  for (size_t i = 0; i < n; ++i) {
    const SequenceEvent& e = events[i];
    raws[i] = e.missing ? kMissingSource : e.raw;
    simdjson::padded_string padded(raws[i]);
    simdjson::dom::element doc;
    if (parser.parse(padded).get(doc) || doc.type() != simdjson::dom::element_type::OBJECT) {
      *error = "a sequence event is not a JSON object";
      return false;
    }
    std::string_view event_id;
    if (!e.missing) event::FirstString(doc, "event.id", &event_id);
    identities[i] = e.missing ? "missing:" + std::to_string(i) : std::string(e.identity);
    if (!e.missing) source_ids[i] = SourceDocumentId(e.doc_id, event_id, e.raw);
    reasons[i] = BuildReason(doc, *base.rule);
    ancestries[i] = "[";
    block_depths[i] = AppendEventAncestry(&ancestries[i], doc, e, source_ids[i]) + 1;
    any_alert = any_alert || block_depths[i] > 1;
    ancestries[i].push_back(']');
  }

  std::vector<std::string> block_uuids(n);
  for (size_t i = 0; i < n; ++i) block_uuids[i] = SequenceBlockUuid(base.rule_uuid, identities, i);
  std::string shell_uuid = SequenceShellUuid(base.rule_uuid, block_uuids);

  // The shell descends from each building block (Kibana's buildAlertFields
  // over the blocks): each block's ancestors, then the block itself.
  std::string ancestors = "[";
  int shell_depth = 2;
  for (size_t i = 0; i < n; ++i) {
    std::string_view entries = std::string_view(ancestries[i]).substr(1);
    entries.remove_suffix(1);
    if (!entries.empty()) {
      if (ancestors.size() > 1) ancestors.push_back(',');
      ancestors.append(entries);
    }
    AppendAncestor(&ancestors, block_uuids[i], "", "signal", block_depths[i], base.rule_uuid);
    shell_depth = std::max(shell_depth, block_depths[i] + 1);
  }
  ancestors.push_back(']');

  std::vector<SequenceAlert> built;
  // The shell: what the events share.
  std::string shared = IntersectJsonObjects(raws);
  {
    simdjson::padded_string padded(shared);
    simdjson::dom::element doc;
    if (parser.parse(padded).get(doc)) {
      *error = "cannot read the fields the sequence's events share";
      return false;
    }
    SequenceAlert shell;
    shell.shell = true;
    shell.uuid = shell_uuid;
    shell.reason = BuildReason(doc, *base.rule);
    AlertFacts f = base;
    f.alert_uuid = shell.uuid;
    f.reason = shell.reason;
    f.severity = {};
    f.risk_score.reset();
    f.new_terms = nullptr;
    f.event_index = {};
    f.source_id = {};
    f.ancestors_json = ancestors;
    f.depth = shell_depth;
    f.source_is_alert = any_alert;
    shell.ancestors_json = ancestors;
    shell.depth = shell_depth;
    f.original_time_is_alert_time = true;
    f.group_id = shell_uuid;
    if (!builder.Build(shared, f, &shell.json, error)) return false;
    built.push_back(std::move(shell));
  }
  for (size_t i = 0; i < n; ++i) {
    SequenceAlert block;
    block.position = static_cast<int>(i);
    block.uuid = block_uuids[i];
    block.reason = reasons[i];
    AlertFacts f = base;
    f.alert_uuid = block.uuid;
    f.reason = block.reason;
    f.severity = {};
    f.risk_score.reset();
    f.new_terms = nullptr;
    f.event_index = events[i].missing ? std::string_view() : events[i].index;
    f.source_id = source_ids[i];
    f.building_block = true;
    f.ancestors_json = ancestries[i];
    f.depth = block_depths[i];
    f.source_is_alert = block_depths[i] > 1;
    block.ancestors_json = ancestries[i];
    block.depth = block_depths[i];
    f.group_id = shell_uuid;
    f.group_index = static_cast<int>(i);
    if (!builder.Build(raws[i], f, &block.json, error)) return false;
    built.push_back(std::move(block));
  }
  *alerts = std::move(built);
  return true;
}

}  // namespace picket::engine
