// A rule's severity_mapping and risk_score_mapping applied to the source
// event of an alert, as Kibana's detection engine applies them
// (buildSeverityFromMapping, buildRiskScoreFromMapping):
//
//  * severity: among the entries whose field has the entry's value on the
//    event (operator "equals"), the one with the highest severity wins (of
//    equal severities, the later entry); no match keeps the rule's severity.
//    Event values that count are strings and safe integers (compared as
//    their decimal text); for `event.severity` only safe integers count, and
//    they are compared with floor(Number(value)) of the entry.
//  * risk score: the first entry's field only; its values that are numbers,
//    or strings JavaScript's Number() reads as numbers, from 0 to 100; the
//    largest wins; none keeps the rule's risk score.
//
// Fields are read with picket's field access (nested or dotted keys, arrays
// flattened), where Kibana reads the _source path with lodash `get`.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "event/document.h"
#include "rules/rule.h"

namespace picket::engine {

// The alert's severity (kibana.alert.severity).
std::string_view MappedSeverity(event::Json doc, const rules::Rule& rule);

// The alert's risk score (kibana.alert.risk_score).
double MappedRiskScore(event::Json doc, const rules::Rule& rule);

// A risk score as a JSON number: "47", "73.5".
std::string RiskScoreJson(double score);

// JavaScript's Number(string): surrounding white space ignored, "" is 0,
// 0x/0o/0b prefixes, [+-]Infinity, decimal with exponent; nullopt for NaN.
std::optional<double> JsNumber(std::string_view text);

}  // namespace picket::engine
