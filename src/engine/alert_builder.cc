#include "engine/alert_builder.h"

#include <fmt/format.h>

#include "engine/json_text.h"
#include "engine/raw_object.h"
#include "engine/rule_mappings.h"

namespace picket::engine {

namespace {
bool IsKibanaKey(std::string_view key) { return key == "kibana" || key.starts_with("kibana."); }

// kibana.alert.rule.type, .rule_type_id and .category of a rule type.
struct RuleTypeNames {
  std::string_view type, type_id, category;
};
RuleTypeNames NamesOf(const rules::Rule& rule) {
  switch (rule.type) {
    case rules::RuleType::kNewTerms:
      return {"new_terms", "siem.newTermsRule", "New Terms Rule"};
    case rules::RuleType::kEql:
      return {"eql", "siem.eqlRule", "Event Correlation Rule"};
    case rules::RuleType::kThreshold:
      return {"threshold", "siem.thresholdRule", "Threshold Rule"};
    default:
      return {"query", "siem.queryRule", "Custom Query Rule"};
  }
}

void AppendStringField(std::string* out, std::string_view key, std::string_view value) {
  out->push_back(',');
  AppendJsonKey(out, key);
  AppendJsonString(out, value);
}

void AppendRawField(std::string* out, std::string_view key, std::string_view raw_json) {
  out->push_back(',');
  AppendJsonKey(out, key);
  out->append(raw_json);
}

void AppendArrayField(std::string* out, std::string_view key,
                      const std::vector<std::string>& values) {
  out->push_back(',');
  AppendJsonKey(out, key);
  AppendJsonStringArray(out, values);
}

// kibana.alert.rule.created_by / updated_by: Kibana names the user who
// installed or edited the rule; here the program that loaded it.
constexpr std::string_view kRuleUser = "picket";

void AppendRuleDate(std::string* out, std::string_view key, std::string_view date) {
  std::string iso = RuleDateIso(date);
  if (!iso.empty()) AppendStringField(out, key, iso);
}

void AppendRuleFields(std::string* out, const AlertFacts& f) {
  const rules::Rule& r = *f.rule;
  RuleTypeNames names = NamesOf(r);
  // Verbatim, whatever the source: the detector decides from these three
  // which rules over alerts could take a rule's alerts (AlertRuleFields).
  AppendStringField(out, "kibana.alert.rule.name", r.name);
  AppendStringField(out, "kibana.alert.rule.rule_id", r.rule_id);
  AppendStringField(out, "kibana.alert.rule.uuid", f.rule_uuid);
  AppendStringField(out, "kibana.alert.rule.type", names.type);
  AppendStringField(out, "kibana.alert.rule.rule_type_id", names.type_id);
  AppendStringField(out, "kibana.alert.rule.category", names.category);
  AppendStringField(out, "kibana.alert.rule.producer", "siem");
  AppendStringField(out, "kibana.alert.rule.consumer", "siem");
  AppendStringField(out, "kibana.alert.rule.severity", r.severity);
  AppendRawField(out, "kibana.alert.rule.risk_score", std::to_string(r.risk_score));
  AppendRawField(out, "kibana.alert.rule.threat", r.threat_json.empty() ? "[]" : r.threat_json);
  AppendArrayField(out, "kibana.alert.rule.tags", r.tags);
  AppendStringField(out, "kibana.alert.rule.description", r.description);
  AppendStringField(out, "kibana.alert.rule.from", r.from);
  AppendStringField(out, "kibana.alert.rule.to", "now");
  AppendStringField(out, "kibana.alert.rule.interval", r.interval);
  AppendRawField(out, "kibana.alert.rule.max_signals", std::to_string(r.max_signals));
  AppendRawField(out, "kibana.alert.rule.version", std::to_string(r.version));
  AppendArrayField(out, "kibana.alert.rule.author", r.author);
  AppendArrayField(out, "kibana.alert.rule.references", r.references);
  AppendArrayField(out, "kibana.alert.rule.false_positives", r.false_positives);
  AppendArrayField(out, "kibana.alert.rule.indices", r.index);
  if (!r.license.empty()) AppendStringField(out, "kibana.alert.rule.license", r.license);
  if (!r.timestamp_override.empty())
    AppendStringField(out, "kibana.alert.rule.timestamp_override", r.timestamp_override);
  if (!r.building_block_type.empty()) {
    AppendStringField(out, "kibana.alert.rule.building_block_type", r.building_block_type);
    AppendStringField(out, "kibana.alert.building_block_type", r.building_block_type);
  }
  if (!r.note.empty()) AppendStringField(out, "kibana.alert.rule.note", r.note);
  AppendRawField(out, "kibana.alert.rule.enabled", "true");
  AppendRawField(out, "kibana.alert.rule.parameters", r.params_json.empty() ? "{}" : r.params_json);
  AppendRawField(out, "kibana.alert.rule.severity_mapping", r.severity_mapping_json);
  AppendRawField(out, "kibana.alert.rule.risk_score_mapping", r.risk_score_mapping_json);
  AppendRawField(out, "kibana.alert.rule.revision", "0");
  AppendRuleDate(out, "kibana.alert.rule.created_at", r.creation_date);
  AppendStringField(out, "kibana.alert.rule.created_by", kRuleUser);
  AppendRuleDate(out, "kibana.alert.rule.updated_at", r.updated_date);
  AppendStringField(out, "kibana.alert.rule.updated_by", kRuleUser);
}

// The fields of the run (Kibana: of the rule execution).
void AppendRunFields(std::string* out, const AlertFacts& f, std::string_view iso_now) {
  static const AlertSettings kDefaults;
  const AlertSettings& run = f.settings ? *f.settings : kDefaults;
  if (!run.execution_uuid.empty())
    AppendStringField(out, "kibana.alert.rule.execution.uuid", run.execution_uuid);
  AppendStringField(out, "kibana.alert.rule.execution.timestamp", iso_now);
  AppendStringField(out, "kibana.alert.rule.execution.type", "scheduled");
  AppendStringField(out, "kibana.alert.intended_timestamp", iso_now);
  if (!run.kibana_url.empty())
    AppendStringField(out, "kibana.alert.url",
                      AlertUrl(run.kibana_url, run.space_id, f.alert_uuid, iso_now));
  std::string spaces = "[";
  AppendJsonString(&spaces, run.space_id);
  spaces += "]";
  AppendRawField(out, "kibana.space_ids", spaces);
  AppendStringField(out, "kibana.version", run.kibana_version);
}

bool Fail(std::string* out, size_t start, std::string* error) {
  out->resize(start);
  *error = "malformed event object";
  return false;
}

void AppendFirstValue(event::Json doc, std::string_view field, std::string* out) {
  event::ForEachValue(doc, field, [&](event::Json v) { return event::ScalarToKeyword(v, out); });
}
}  // namespace

std::string AlertUrl(std::string_view base_url, std::string_view space_id,
                     std::string_view alert_uuid, std::string_view alert_timestamp) {
  while (base_url.ends_with('/')) base_url.remove_suffix(1);
  std::string space_path =
      space_id.empty() || space_id == "default" ? "" : "/s/" + std::string(space_id);
  return fmt::format(
      "{}{}/app/security/alerts/redirect/{}?index=.alerts-security.alerts-{}&timestamp={}",
      base_url, space_path, alert_uuid, space_id, alert_timestamp);
}

std::string RuleDateIso(std::string_view date) {
  if (date.size() != 10 || date[4] != '/' || date[7] != '/') return "";
  std::string iso(date);
  iso[4] = iso[7] = '-';
  std::optional<ParsedDate> parsed = ParseIsoDate(iso);
  return parsed ? FormatIso8601(parsed->ms) : "";
}

std::string BuildReason(event::Json doc, const rules::Rule& rule, std::string_view severity) {
  std::string category, process, parent, file, src_ip, src_port, dst_ip, dst_port, user, host;
  AppendFirstValue(doc, "event.category", &category);
  AppendFirstValue(doc, "process.name", &process);
  AppendFirstValue(doc, "process.parent.name", &parent);
  AppendFirstValue(doc, "file.name", &file);
  AppendFirstValue(doc, "source.ip", &src_ip);
  AppendFirstValue(doc, "source.port", &src_port);
  AppendFirstValue(doc, "destination.ip", &dst_ip);
  AppendFirstValue(doc, "destination.port", &dst_port);
  AppendFirstValue(doc, "user.name", &user);
  AppendFirstValue(doc, "host.name", &host);
  std::string reason = category.empty() ? "event" : category + " event";
  std::vector<std::string> parts;
  if (!process.empty()) parts.push_back("process " + process);
  if (!parent.empty()) parts.push_back("parent process " + parent);
  if (!file.empty()) parts.push_back("file " + file);
  if (!src_ip.empty())
    parts.push_back("source " + src_ip + (src_port.empty() ? "" : ":" + src_port));
  if (!dst_ip.empty())
    parts.push_back("destination " + dst_ip + (dst_port.empty() ? "" : ":" + dst_port));
  for (size_t i = 0; i < parts.size(); ++i) reason += (i ? ", " : " with ") + parts[i];
  if (!user.empty()) reason += ", by " + user;
  if (!host.empty()) reason += " on " + host;
  reason +=
      fmt::format(" created {} alert {}.", severity.empty() ? rule.severity : severity, rule.name);
  return reason;
}

bool AlertBuilder::Build(std::string_view raw_event, const AlertFacts& f, std::string* out,
                         std::string* error) {
  std::string original_time;                                             // raw JSON
  std::vector<std::pair<std::string, std::string_view>> original_event;  // key, raw JSON
  // An event has a handful of event.* fields: a linear search for the
  // first of each key costs less than a set.
  auto remember_event_field = [&](std::string_view key, std::string_view raw) {
    for (const auto& [seen, unused] : original_event)
      if (seen == key) return;
    original_event.emplace_back(key, raw);
  };

  RuleFieldsCache& cached = rule_fields_[f.rule];
  if (cached.json.empty() || cached.rule_uuid != f.rule_uuid) {
    cached.rule_uuid.assign(f.rule_uuid);
    cached.json.clear();
    AppendRuleFields(&cached.json, f);
  }
  size_t start = out->size();
  // The alert holds the event, the rule's fields and about 2 KB more: one
  // allocation instead of a dozen as it grows.
  out->reserve(start + 2 * raw_event.size() + cached.json.size() + 2048);
  // The alert time, written as @timestamp, start and last_detected (formatted once).
  const std::string iso_now = FormatIso8601(f.alert_time);
  out->append("{");
  AppendJsonKey(out, "@timestamp");
  AppendJsonString(out, iso_now);
  bool wrote_event = false;
  RawObjectReader members(raw_event);
  std::string key;
  std::string_view raw;
  while (members.Next(&key, &raw)) {
    if (key == "@timestamp") {
      original_time = raw;
    } else if (IsKibanaKey(key)) {
      // The alert's namespace.
    } else if (f.source_is_alert && (key == "signal" || key.starts_with("signal."))) {
      // Aliases of the source alert's kibana.* fields.
    } else if (key.starts_with("event.")) {
      remember_event_field(std::string_view(key).substr(6), raw);
      if (key != "event.kind") AppendRawField(out, key, raw);
    } else if (key == "event") {
      // A non-object `event` cannot hold event.kind; it is dropped.
      if (raw.empty() || raw.front() != '{') continue;
      out->push_back(',');
      AppendJsonKey(out, "event");
      out->push_back('{');
      RawObjectReader children(raw);
      std::string child_key;
      std::string_view child_raw;
      bool first = true;
      while (children.Next(&child_key, &child_raw)) {
        remember_event_field(child_key, child_raw);
        if (child_key == "kind") continue;
        if (!first) out->push_back(',');
        first = false;
        AppendJsonKey(out, child_key);
        out->append(child_raw);
      }
      if (!children.ok()) return Fail(out, start, error);
      if (!first) out->push_back(',');
      AppendJsonKey(out, "kind");
      AppendJsonString(out, "signal");
      out->push_back('}');
      wrote_event = true;
    } else {
      AppendRawField(out, key, raw);
    }
  }
  if (!members.ok()) return Fail(out, start, error);
  if (!wrote_event) {
    out->push_back(',');
    AppendJsonKey(out, "event");
    out->append("{\"kind\":\"signal\"}");
  }

  // Alert fields.
  AppendStringField(out, "kibana.alert.uuid", f.alert_uuid);
  AppendStringField(out, "kibana.alert.status", "active");
  AppendStringField(out, "kibana.alert.workflow_status", "open");
  AppendRawField(out, "kibana.alert.workflow_tags", "[]");
  AppendRawField(out, "kibana.alert.workflow_assignee_ids", "[]");
  AppendRawField(out, "kibana.alert.depth", std::to_string(f.depth));
  AppendStringField(out, "kibana.alert.start", iso_now);
  AppendStringField(out, "kibana.alert.last_detected", iso_now);
  if (f.original_time_is_alert_time)
    AppendStringField(out, "kibana.alert.original_time", iso_now);
  else if (!original_time.empty())
    AppendRawField(out, "kibana.alert.original_time", original_time);
  for (const auto& [key, raw] : original_event)
    AppendRawField(out, "kibana.alert.original_event." + key, raw);
  if (!f.ancestors_json.empty()) {
    AppendRawField(out, "kibana.alert.ancestors", f.ancestors_json);
  } else {
    AppendRawField(out, "kibana.alert.ancestors", EventAncestorsJson(f.source_id, f.event_index));
  }
  AppendStringField(out, "kibana.alert.reason", f.reason);
  AppendStringField(out, "kibana.alert.severity",
                    f.severity.empty() ? std::string_view(f.rule->severity) : f.severity);
  AppendRawField(out, "kibana.alert.risk_score",
                 RiskScoreJson(f.risk_score ? *f.risk_score : f.rule->risk_score));
  out->append(cached.json);
  if (f.building_block && f.rule->building_block_type.empty())  // else in the rule's fields
    AppendStringField(out, "kibana.alert.building_block_type", "default");
  if (!f.group_id.empty()) AppendStringField(out, "kibana.alert.group.id", f.group_id);
  if (f.group_index >= 0)
    AppendRawField(out, "kibana.alert.group.index", std::to_string(f.group_index));
  if (f.new_terms) AppendArrayField(out, "kibana.alert.new_terms", *f.new_terms);
  if (!f.threshold_result_json.empty())
    AppendRawField(out, "kibana.alert.threshold_result", f.threshold_result_json);
  AppendRunFields(out, f, iso_now);
  out->append(f.trailing_fields_json);
  out->push_back('}');
  return true;
}

std::string EventAncestorsJson(std::string_view source_id, std::string_view event_index) {
  std::string ancestors = "[{";
  AppendJsonKey(&ancestors, "id");
  AppendJsonString(&ancestors, source_id);
  ancestors += ",";
  AppendJsonKey(&ancestors, "index");
  AppendJsonString(&ancestors, event_index);
  ancestors += ",\"type\":\"event\",\"depth\":0}]";
  return ancestors;
}

}  // namespace picket::engine
