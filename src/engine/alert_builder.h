// Builds one alert document (one JSON line) shaped like a Kibana security
// alert: the source event's fields copied byte for byte, then Kibana's
// alert fields in their flattened (dotted) form, as Kibana stores them in
// .alerts-security.alerts-*.
//
// Rewrites of the source, so that the output is valid JSON without duplicate
// keys:
//   * `@timestamp` becomes the alert time; the source value goes to
//     kibana.alert.original_time.
//   * `event.kind` (nested or dotted) becomes "signal"; the source event.*
//     fields are copied to kibana.alert.original_event.* (kind included).
//   * top-level `kibana` / `kibana.*` keys of the source are dropped: that
//     namespace belongs to the alert.
//
// Fields Kibana's security solution and its alerting framework add (their
// build_alert and persistence wrapper): the execution uuid, timestamp and
// type ("scheduled"), kibana.alert.intended_timestamp (the alert time, as
// for a scheduled run), kibana.alert.url (only with a base URL), kibana.version,
// the rule's created/updated time and user, revision 0 and both mappings.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "event/document.h"
#include "rules/rule.h"
#include "util/time.h"

namespace picket::engine {

// The Kibana version alerts claim (kibana.version): the newest stack version
// the bundled detection-rules snapshot targets (its highest
// min_stack_version). `picket run --kibana-version` overrides it.
inline constexpr std::string_view kCompatibleKibanaVersion = "9.5.0";

// What every alert of one picket run shares.
struct AlertSettings {
  // kibana.alert.rule.execution.uuid: one per run (picket has no scheduled
  // executions); "" = not written. The Detector fills it in when empty.
  std::string execution_uuid;
  std::string kibana_version = std::string(kCompatibleKibanaVersion);
  // Kibana's public base URL (server.publicBaseUrl); "" = no kibana.alert.url.
  std::string kibana_url;
  std::string space_id = "default";  // kibana.space_ids, alerts index suffix
};

struct AlertFacts {
  const rules::Rule* rule = nullptr;
  std::string_view rule_uuid;
  std::string_view alert_uuid;
  TimeMs alert_time = 0;
  std::string_view event_index;                         // "" when unknown
  std::string_view source_id;                           // SourceDocumentId
  const std::vector<std::string>* new_terms = nullptr;  // new_terms rules only
  std::string_view reason;
  // After severity_mapping / risk_score_mapping (MappedSeverity,
  // MappedRiskScore); unset = the rule's.
  std::string_view severity;
  std::optional<double> risk_score;
  const AlertSettings* settings = nullptr;  // null = defaults, no execution uuid

  // EQL sequences (Kibana's build_alert_group_from_sequence): the alerts of
  // one sequence share kibana.alert.group.id; each event's building-block
  // alert has its position in kibana.alert.group.index and
  // kibana.alert.building_block_type "default"; the shell alert lists the
  // ancestors of all of them, at depth 2.
  std::string_view ancestors_json;  // the kibana.alert.ancestors array; "" = the source event
  int depth = 1;
  // Kibana takes the shell's original_time from its first building block,
  // whose @timestamp is the alert time.
  bool original_time_is_alert_time = false;
  bool building_block = false;
  std::string_view group_id;  // "" = not in a group
  int group_index = -1;       // < 0 = none
  // The source is one of picket's own alerts (a rule over alerts): its
  // legacy `signal` fields, copied in for the rules' queries
  // (engine/legacy_signal_fields.h), are dropped as Kibana's aliases are
  // never in _source.
  bool source_is_alert = false;
  // Raw `,"key":value...` written as the document's last fields (alert
  // suppression: engine/alert_suppressor.h); "" = none.
  std::string_view trailing_fields_json;

  // Threshold rules (engine/threshold_alert.h): kibana.alert.threshold_result
  // as a JSON object; "" = not a threshold alert.
  std::string_view threshold_result_json;
};

// Kibana-style reason: "<category> event with process P, parent process PP,
// file F, source S, destination D, by U on H created <severity> alert <name>."
// `severity` is the alert's (after severity_mapping); "" = the rule's.
std::string BuildReason(event::Json doc, const rules::Rule& rule, std::string_view severity = {});

// Kibana's alert details link: <base>[/s/<space>]/app/security/alerts/redirect/
// <alert uuid>?index=.alerts-security.alerts-<space>&timestamp=<alert time>.
std::string AlertUrl(std::string_view base_url, std::string_view space_id,
                     std::string_view alert_uuid, std::string_view alert_timestamp);

// A detection-rules metadata date ("2026/02/23") as an ISO timestamp at
// midnight UTC; "" when it is not such a date.
std::string RuleDateIso(std::string_view date);

// kibana.alert.ancestors of an alert built on one event: [{id, index,
// type "event", depth 0}].
std::string EventAncestorsJson(std::string_view source_id, std::string_view event_index);

class AlertBuilder {
 public:
  // Appends the alert (no trailing newline) to *out. Returns false with
  // *error when the raw event is not a JSON object (the stream has already
  // rejected such lines, so this means a caller bug).
  bool Build(std::string_view raw_event, const AlertFacts& facts, std::string* out,
             std::string* error);

 private:
  // The kibana.alert.rule.* fields depend on the rule only; with its
  // investigation guide and parameters they are most of an alert's bytes,
  // so they are rendered once per rule. Rules outlive the builder's use of
  // them (the Detector holds them); the uuid is checked as well.
  struct RuleFieldsCache {
    std::string rule_uuid;
    std::string json;
  };
  std::unordered_map<const rules::Rule*, RuleFieldsCache> rule_fields_;
};

}  // namespace picket::engine
