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
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "event/document.h"
#include "rules/rule.h"
#include "util/time.h"

namespace picket::engine {

struct AlertFacts {
  const rules::Rule* rule = nullptr;
  std::string_view rule_uuid;
  std::string_view alert_uuid;
  TimeMs alert_time = 0;
  std::string_view event_index;       // "" when unknown
  std::string_view source_id;         // SourceDocumentId
  const std::vector<std::string>* new_terms = nullptr;  // new_terms rules only
  std::string_view reason;
};

// Kibana-style reason: "<category> event with process P, parent process PP,
// file F, source S, destination D, by U on H created <severity> alert <name>."
std::string BuildReason(event::Json doc, const rules::Rule& rule);

class AlertBuilder {
 public:
  // Appends the alert (no trailing newline) to *out. Returns false with
  // *error when the raw event is not a JSON object (the stream has already
  // rejected such lines, so this means a caller bug).
  bool Build(std::string_view raw_event, const AlertFacts& facts, std::string* out,
             std::string* error);
};

}  // namespace picket::engine
