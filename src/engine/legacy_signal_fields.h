// The legacy `signal.*` fields of an alert, as a rule over alerts reads
// them. Kibana's alerts index maps each of them as a field alias of a
// kibana.alert.* field (signal_aad_mapping.json, installed by the security
// rule types' field map), so `signal.rule.tags:x` or a threshold
// cardinality on `signal.rule.name` reads the kibana.alert.* value; two
// upstream rules over alerts are written that way.
//
// picket has no mapping for fed-back alerts: it copies the values of each
// alias's target into the document the rules over alerts read (flat
// `"signal.<...>": [values]` keys), and an alert built on such a document
// drops every `signal` key of its source again (AlertFacts::
// source_is_alert), as an alias is never in Kibana's _source.
#pragma once
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "event/document.h"

namespace picket::engine {

// `,"signal.x":[...],...` (leading comma) for every alias whose target has
// values in `alert`; "" when none has. Each alias's values are exactly
// what ForEachValue gives for its target (objects and nulls left out), in
// that order; the aliases come in LegacySignalAliases() order.
std::string LegacySignalFields(event::Json alert);

// (alias, target) pairs, as Kibana's alerts index maps them.
std::span<const std::pair<std::string_view, std::string_view>> LegacySignalAliases();

}  // namespace picket::engine
