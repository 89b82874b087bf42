// The alert of one threshold group, as Kibana writes it
// (rule_types/threshold/bulk_create_threshold_signals.ts): its source is not
// an event but the group itself,
//
//   {"@timestamp": <time of the group's last counted event>,
//    "<group field>": "<value>", ...}
//
// which the alert builder turns into an alert like any other (the source's
// @timestamp becomes kibana.alert.original_time, which Kibana's signal
// history reads back as the group's last alerted time), plus
//
//   kibana.alert.threshold_result: {"terms": [{"field", "value"}, ...],
//     "count": N, "from": <time of the first counted event>,
//     "cardinality": [{"field", "value": distinct count}]}   (only when set)
//
// and one ancestor of type "event" whose id is the group's source id and
// whose index is the rule's index patterns joined by "," (Kibana: the
// synthetic hit's _id and _index).
//
// Ids. Kibana derives the synthetic hit's _id from the rule id, the run's
// start time, the fields and the group's values; picket has no runs and
// uses, instead of the start time, the group's counted span (first and last
// event time), so that replaying the same events gives the same ids and two
// alerts of one group never share one (ThresholdSourceId). The alert uuid
// derives from the rule uuid and that source id (AlertUuid).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/time.h"

namespace picket::engine {

struct ThresholdTerm {
  std::string field;
  std::string value;  // as a keyword terms aggregation reads it (new_terms.h)
};

struct ThresholdResult {
  std::vector<ThresholdTerm> terms;  // in the rule's field order; empty = one global group
  uint64_t count = 0;
  TimeMs from = 0;  // first counted event
  TimeMs last = 0;  // last counted event
  // The rule's cardinality field and the group's distinct count of it.
  std::optional<std::pair<std::string, uint64_t>> cardinality;
};

// The group's source document (see above).
std::string ThresholdSourceJson(const ThresholdResult& result);

// kibana.alert.threshold_result as a JSON object.
std::string ThresholdResultJson(const ThresholdResult& result);

// The synthetic hit's id: 32 hex digits of XXH3-128 over the rule uuid,
// each field and value (length-prefixed) and the counted span.
std::string ThresholdSourceId(std::string_view rule_uuid, const ThresholdResult& result);

}  // namespace picket::engine
