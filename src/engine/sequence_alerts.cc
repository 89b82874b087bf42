#include "engine/sequence_alerts.h"

#include <simdjson.h>

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

}  // namespace

bool BuildSequenceAlerts(AlertBuilder& builder, const AlertFacts& base,
                         std::span<const SequenceEvent> events, std::vector<SequenceAlert>* alerts,
                         std::string* error) {
  const size_t n = events.size();
  simdjson::dom::parser parser;
  std::vector<std::string> identities(n), source_ids(n), reasons(n);
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
  }

  std::vector<std::string> block_uuids(n);
  for (size_t i = 0; i < n; ++i) block_uuids[i] = SequenceBlockUuid(base.rule_uuid, identities, i);
  std::string shell_uuid = SequenceShellUuid(base.rule_uuid, block_uuids);

  std::string ancestors = "[";
  for (size_t i = 0; i < n; ++i) {
    AppendAncestor(&ancestors, source_ids[i], events[i].missing ? "" : events[i].index, "event", 0,
                   "");
    AppendAncestor(&ancestors, block_uuids[i], "", "signal", 1, base.rule_uuid);
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
    f.depth = 2;
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
    f.group_id = shell_uuid;
    f.group_index = static_cast<int>(i);
    if (!builder.Build(raws[i], f, &block.json, error)) return false;
    built.push_back(std::move(block));
  }
  *alerts = std::move(built);
  return true;
}

}  // namespace picket::engine
