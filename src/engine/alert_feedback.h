// Rules over alerts: picket's own alerts, fed back to the rules whose index
// patterns name the alerts index (.alerts-security.alerts-<space>), as
// Kibana's rules over `.alerts-security.*` read the alerts of other rules.
//
// What a fed-back alert is to the rules that see it (FedAlert):
//   * its index is the alerts index; its _id the alert's uuid;
//   * its time is its source's event time: `@timestamp` (the alert time in
//     the written document) reads as kibana.alert.original_time's instant,
//     so a replayed file gives the alerts a live stream would (picket
//     measures every window in event time; docs/semantics.md);
//   * its lineage: the rule that produced it and the rules of every alert
//     it descends from (the alert it was built on, and every rule its
//     ancestors name). A rule in the lineage never sees it (no loops), and
//     alerts at the depth bound are not fed back at all.
//
// Every new alert is fed back (the Detector's FeedBack), as every alert
// Kibana writes is in the alerts index: event alerts (query, new_terms, EQL
// event queries), a sequence's shell and each of its building blocks, and
// threshold alerts (written at depth 1 with the group as their "event"
// ancestor, as Kibana writes them whatever they counted; the depth bound
// then counts the hops from the raw event instead). Suppression updates
// are not fed back (Kibana updates the document in place).
//
// An alert built on a fed-back alert gets Kibana's ancestry
// (buildAncestors): kibana.alert.ancestors = the source alert's ancestors
// plus {id: its uuid, type: "signal", index, depth: its depth, rule: its
// rule uuid}, and kibana.alert.depth = its depth + 1.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "event/field_types.h"
#include "kql/matcher.h"
#include "rules/rule.h"
#include "util/time.h"

namespace picket::engine {

std::string AlertsIndexName(std::string_view space_id);

// Whether `rule` reads the alerts index: one of its index patterns that
// starts with a dot covers it, as Elasticsearch resolves a hidden alias (a
// rule with no patterns, or only patterns like `*` or `logs-*`, never reads
// alerts).
bool ReadsAlerts(const rules::Rule& rule, std::string_view alerts_index);

// Fields every alert of one rule carries with the same value, whatever its
// source: AlertBuilder writes the rule's id, name and uuid verbatim and drops
// the source's own kibana.* keys, so an alert has exactly these values.
struct AlertRuleFields {
  std::string_view rule_id, name, uuid;
};

// Whether a condition over alerts, described by its facts, could match an
// alert of a rule with these fields. False only when a conjunct every match
// satisfies (a required term: top-level, or one in every branch of a
// top-level `or`) is on one of these fields and none of its alternatives
// holds for the rule's value. The facts are exact necessary conditions (the
// rule index relies on the same), so false means no alert of that rule can
// match: the detector does not feed such alerts back at all.
bool MayMatchAlertsOf(const kql::IndexFacts& facts, const AlertRuleFields& rule);

// The field types to compute those facts under: `types` with the fields of
// AlertRuleFields typed keyword where they are unmapped. An unmapped field
// matches a string value exactly as a keyword field does (kql::MatchType::
// kDynamic applies its keyword predicates to strings) and these fields are
// always strings in an alert, but the facts leave unmapped fields out (a
// number could match "1"). A mapped field keeps its type.
event::FieldTypes AlertRuleFieldTypes(const event::FieldTypes& types);

struct FedAlert {
  std::string raw;  // the document rules over alerts read
  std::string uuid;
  std::string index;
  std::string rule_uuid;
  int depth = 1;
  std::string ancestors_json;        // its kibana.alert.ancestors
  std::vector<std::string> lineage;  // rule uuids it descends from, its own rule's included
};

// What an alert is to the rules that read it back.
struct AlertForFeedback {
  std::string_view json;  // as AlertBuilder wrote it, beginning with its @timestamp
  std::string_view uuid, index, rule_uuid;
  std::optional<TimeMs> event_time;  // its source's; nullopt = keep the alert time
  int depth = 1;
  std::string_view ancestors_json;   // its kibana.alert.ancestors
  const FedAlert* parent = nullptr;  // the fed-back alert it was built on, if any
};
FedAlert FeedAlert(const AlertForFeedback& alert);

// kibana.alert.ancestors of an alert built on `source`.
std::string AncestorsOnAlert(const FedAlert& source);

}  // namespace picket::engine
