// One rule's decisions, behind the interface every rule type implements.
//
// Detection runs in two stages (engine/detector.h):
//  1. matching (engine/event_matcher.h), per event and stateless, on any
//     thread: the rule index picks candidate conditions, their matchers test
//     the event;
//  2. deciding, in event order on one thread: each unit whose conditions the
//     event matched is called with the event and those conditions, updates
//     its state (first-seen terms, pending sequences, threshold groups, ...)
//     and asks for alerts through an AlertOutput, which applies what every
//     type shares (max_signals, building the alert document, the sink).
//
// A unit declares its conditions once (Conditions): a `query` or
// `new_terms` rule has one, its KQL query; an EQL sequence has one per stage
// (and its `until`). The detector files them all in one rule index and
// reports matches back as stage numbers, ascending.
//
// Units are created by MakeRuleUnit (engine/rule_units.h), which is the only
// place that knows every rule type. A unit is used by one thread at a time.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/sequence_alerts.h"
#include "engine/threshold_alert.h"
#include "event/document.h"
#include "event/field_types.h"
#include "kql/matcher.h"
#include "rules/rule.h"
#include "util/time.h"

namespace picket::engine {

// An event as the engine sees it.
struct EventRef {
  event::Json doc;
  std::string_view raw;     // the exact line
  std::string_view index;   // the index it arrived for ("" = derive it)
  std::string_view doc_id;  // the bulk _id, if any
  // The bytes as received when `raw` is picket's rewrite of them (serve adds
  // event.ingested); "" = raw. The alert id derives from these (alert_id.h).
  std::string_view received_raw;
  std::string_view IdentityBytes() const { return received_raw.empty() ? raw : received_raw; }
  // Where the event came from, for reports: `origin` as given, else
  // "source:line" (line 0: just "source"), formatted only when a report or
  // alert needs it.
  std::string_view origin;
  std::string_view source;
  uint64_t line = 0;
  std::string Origin() const;
  // EventIdentity(index, doc_id, IdentityBytes()), hashed once per event
  // and index: every stateful rule the event matches asks for it. An
  // EventRef therefore names one event and is never refilled for another.
  const std::string& Identity(std::string_view index) const;

 private:
  mutable std::string identity_, identity_index_;
  mutable bool has_identity_ = false;
};

// An event that matched some of a unit's conditions.
struct MatchedEvent {
  const EventRef& ref;
  std::string_view index;  // the event's index as it scoped the rules ("" = unknown)
};

// What names the event in alert ids (engine/alert_id.h, EventIdentity):
// its index, its bulk _id, the hash of its bytes as received. Shared state
// stores key their record of who alerted by it too.
std::string EventIdentityOf(const MatchedEvent& event);

// A condition the matching stage tests for a unit: a compiled query and
// what every match satisfies (for the rule index).
struct Condition {
  const kql::Matcher* matcher = nullptr;
  kql::IndexFacts facts;
};

struct RuleStats {
  uint64_t candidates = 0;  // condition tests the rule index asked for
  uint64_t matched = 0;     // events that matched a condition of the rule
  uint64_t alerts = 0;
  uint64_t no_time = 0;        // matched but no usable time
  uint64_t missing_terms = 0;  // new_terms: matched but a field had no value
  uint64_t late = 0;           // new_terms: older than its arrival minus the lookback
  uint64_t truncated_combinations = 0;
  uint64_t learned = 0;                 // matched in learn_only mode
  uint64_t max_signals_suppressed = 0;  // alerts over max_signals, not written
  uint64_t alert_suppressed = 0;        // counted into an earlier alert ([rule.alert_suppression])
  uint64_t dropped_groups = 0;          // threshold: groups refused by the per-rule cap
  uint64_t dropped_events = 0;          // threshold: events dropped by the per-group cap
  // Alerts not fed back to the rules over alerts because none of them could
  // match an alert of this rule (its rule id, name or uuid rules it out):
  // they are no event of the feedback matcher, so in no rule's candidates.
  uint64_t alerts_not_fed_back = 0;
};

// How a unit reports; the detector gives each unit its own.
class AlertOutput {
 public:
  virtual ~AlertOutput() = default;
  // One alert whose source is one event (query, new_terms, EQL event
  // query): `new_terms` empty for types without terms; `event_time` the
  // rule's time of the event, if it has one (max_signals buckets by it).
  virtual void EventAlert(const MatchedEvent& event, std::vector<std::string> new_terms,
                          std::optional<TimeMs> event_time) = 0;
  // A problem with one event (no usable time, too many combinations, ...),
  // reported with the event's origin.
  virtual void Problem(const MatchedEvent& event, std::string_view problem) = 0;
  // The alerts of one EQL sequence or sample (engine/sequence_alerts.h: a
  // shell and a building block per event), written together or not at all:
  // max_signals counts the sequence once, in the bucket of `time` (its last
  // event's). `origin`: where its last event came from, for reports.
  virtual void SequenceAlerts(std::span<const SequenceEvent> events, TimeMs time,
                              std::string_view origin) = 0;
  // The alert of one threshold group (engine/threshold_alert.h), decided at
  // `event` (reports name its origin); max_signals counts it in the bucket
  // of `result.last`. Returns whether it was written
  // (false: refused by max_signals or unbuildable), so that the unit keeps
  // counting a refused group as Kibana, whose signal history records only
  // the alerts it wrote, would.
  virtual bool ThresholdAlert(const ThresholdResult& result, const MatchedEvent& event) = 0;
  // A problem not tied to the event at hand (e.g. with a sequence decided
  // later), reported with `origin`.
  virtual void Problem(std::string_view origin, std::string_view problem) = 0;
};

class RuleUnit {
 public:
  explicit RuleUnit(std::shared_ptr<const rules::Rule> rule);
  virtual ~RuleUnit() = default;
  RuleUnit(const RuleUnit&) = delete;
  RuleUnit& operator=(const RuleUnit&) = delete;

  const rules::Rule& rule() const { return *rule_; }
  const std::shared_ptr<const rules::Rule>& shared_rule() const { return rule_; }
  // The rule's uuid (RuleUuid of its rule_id), for alert and state keys.
  const std::string& rule_uuid() const { return rule_uuid_; }

  // The conditions to test, in stage order. Default: the rule's KQL query.
  virtual std::vector<Condition> Conditions(const event::FieldTypes& types) const;

  // The event matched conditions `stages` (ascending, at least one). With
  // `learn_only` (baseline loading) state is updated and nothing alerts.
  virtual void OnMatch(const MatchedEvent& event, std::span<const uint32_t> stages, bool learn_only,
                       AlertOutput& out) = 0;

  // The end of the input (`picket run`; not `serve`): decisions that wait
  // for more events are taken with what has been seen (a sequence waiting
  // for its trailing missing-event check is accepted, as Elasticsearch
  // decides over the data it has).
  virtual void Finish(AlertOutput& out) {}

  // Batching for shared stores (Detector::Stage): announce to the store the
  // decisions OnMatch will ask of it for this event, without changing any
  // state or counter. OnMatch follows for the same events in the same order.
  // Default: nothing to announce.
  virtual void Stage(const MatchedEvent& event, std::span<const uint32_t> stages, bool learn_only) {
  }

  // For the shared first-seen store: entries whose expiry time is below the
  // returned time can no longer change any of this unit's decisions
  // (nullopt: the unit has no such entries, or no opinion yet).
  virtual std::optional<TimeMs> TermExpiryThreshold() const { return std::nullopt; }
  // The same for the shared record store (state::RecordStore): records
  // whose expires_at is below it can no longer change this unit's decisions.
  virtual std::optional<TimeMs> RecordExpiryThreshold() const { return std::nullopt; }

  RuleStats& stats() { return stats_; }
  const RuleStats& stats() const { return stats_; }

 private:
  std::shared_ptr<const rules::Rule> rule_;
  std::string rule_uuid_;
  RuleStats stats_;
};

}  // namespace picket::engine
