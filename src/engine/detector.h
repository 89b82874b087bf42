// The streaming detector: runs rules over events one at a time and produces
// Kibana-shaped alerts.
//
// It only dispatches (see engine/rule_unit.h for the two stages):
//  * each supported rule becomes a unit (MakeRuleUnit: query, new_terms, ...)
//    whose conditions are filed in one rule index;
//  * Process(event) = Match (EventMatcher: which conditions the event
//    matches) then Decide (each unit with a matched condition, in unit order);
//  * the alerts units ask for go through what every type shares: the
//    max_signals cap (at most max_signals alerts per rule per interval bucket
//    of event time, see max_signals.h; the rest are counted per rule), the
//    alert document (AlertBuilder, deterministic ids) and the sink.
//
// For parallel matching (picket serve), each worker thread gets its own
// matcher (AddMatcher) and calls EventMatcher::Match; the thread that owns
// the detector then calls Decide for each event in order, with the event
// parsed again only when it matched something.
//
// Events with no usable time are counted per rule and reported through the
// problem callback with their origin (file:line); their time is never guessed.
//
// Not thread-safe apart from what AddMatcher says; Process and Decide on one
// thread.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/alert_builder.h"
#include "engine/alert_feedback.h"
#include "engine/alert_suppressor.h"
#include "engine/event_matcher.h"
#include "engine/max_signals.h"
#include "engine/rule_unit.h"
#include "engine/rule_units.h"
#include "event/document.h"
#include "event/field_types.h"
#include "rules/rule.h"
#include "state/term_store.h"
#include "util/time.h"

namespace picket::engine {

struct DetectorOptions {
  // The alert time (@timestamp of alerts). 0 = the wall clock at each alert.
  TimeMs alert_time = 0;
  // Index of events that carry none (`--index`); "" = unknown.
  std::string default_index;
  // Index rules by required terms (RuleIndex); off only to cross-check.
  bool use_rule_index = true;
  // Bound on new-terms combinations from one event (cartesian products of
  // large arrays); the rest are skipped and counted.
  size_t max_combinations_per_event = 10000;
  // How far one EQL join key or threshold group may lag the rule's newest
  // event (eql::StreamOptions::retention_ms, ThresholdLimits::max_lag_ms);
  // -2 = the default (a day).
  int64_t max_lag_ms = -2;
  // Mappings, for keyword ignore_above and rule indexing; null = built-in.
  std::shared_ptr<const event::FieldTypes> types;
  // At most max_signals alerts per rule per interval bucket of event time
  // (MaxSignalsBudget); the rest are counted, not written. Off for hunting.
  bool apply_max_signals = true;
  // Execution uuid, Kibana version, URL and space. An empty execution uuid
  // is derived from alert_time when that is fixed (reproducible output),
  // else random (one per Detector, i.e. per picket run).
  AlertSettings alert;
  // Rules over alerts (engine/alert_feedback.h): alerts of this depth or
  // more are not fed back to the rules that read the alerts index.
  int max_alert_depth = 5;
  // Alert suppression: hold the updated copies of suppressed alerts and
  // write only the newest of each when its window closes (the group opens
  // a new one), at FlushSuppressionUpdates and at Finish (false: one copy
  // per suppressed alert, at once).
  bool coalesce_suppression_updates = false;
};

struct Alert {
  const rules::Rule* rule = nullptr;
  std::string uuid;
  std::string json;                          // one line, no newline
  std::vector<std::string> new_terms;        // empty for query rules
  std::optional<ThresholdResult> threshold;  // threshold rules: the group's result
  std::string reason;                        // kibana.alert.reason
  // kibana.alert.severity / .risk_score, after the rule's mappings; empty /
  // unset = the rule's.
  std::string severity;
  std::optional<double> risk_score;
  std::optional<TimeMs> event_time;
  std::string index;
  std::string origin;  // the event's file:line; a shell's: its last event's
  // Alert suppression (engine/alert_suppressor.h): true when this is an
  // earlier alert (same uuid) written again with its updated
  // kibana.alert.suppression.* fields (and kibana.alert.last_detected),
  // not a new alert.
  bool suppression_update = false;
  uint64_t suppressed_docs = 0;  // its docs_count
  // EQL sequences (the shell comes first, then its building blocks in event
  // order): the shell has sequence_events = the number of events; a
  // building block has its event's position (0-based) and sequence_events
  // too. -1 / 0 for every other alert.
  int building_block = -1;
  size_t sequence_events = 0;
};

class Detector {
 public:
  using AlertSink = std::function<void(const Alert&)>;
  using ProblemSink =
      std::function<void(const rules::Rule&, std::string_view origin, std::string_view problem)>;

  // Rules picket cannot run (type, language, no matcher, a missing store
  // or setting) are skipped with a warning, never silently.
  Detector(std::vector<std::shared_ptr<const rules::Rule>> rules, const StateStores& stores,
           DetectorOptions options = {});
  Detector(std::vector<std::shared_ptr<const rules::Rule>> rules, state::TermStore* terms,
           DetectorOptions options = {})
      : Detector(std::move(rules), StateStores{terms}, std::move(options)) {}
  ~Detector();

  void set_problem_sink(ProblemSink sink) { problem_sink_ = std::move(sink); }

  // Match, then Decide, on this thread.
  void Process(const EventRef& event, bool learn_only, const AlertSink& on_alert);

  // A matcher for another thread, owned by the detector (its candidate
  // counts are included in stats()). Safe to call before events flow; each
  // matcher is then used by one thread.
  EventMatcher* AddMatcher();
  // The decisions for an event `match` was computed for (by any matcher),
  // in event order.
  void Decide(const EventRef& event, const MatchResult& match, bool learn_only,
              const AlertSink& on_alert);
  // The end of the input (`picket run`): units take the decisions that wait
  // for more events (RuleUnit::Finish); waiting suppression counts are written.
  void Finish(const AlertSink& on_alert);
  // Writes the suppressed alerts' updated copies held back by
  // coalesce_suppression_updates (serve: at the end of each group, before
  // its commit).
  void FlushSuppressionUpdates(const AlertSink& on_alert);

  // Batching for shared state stores (Redis, docs/redis.md): Stage each
  // event of a batch once it is matched (before any of them is decided),
  // then ResolveStaged (false with *error: the stores could not decide, and
  // nothing of the batch may be acknowledged), then Decide each in the same
  // order. With local stores Stage does nothing.
  void Stage(const EventRef& event, const MatchResult& match, bool learn_only);
  bool ResolveStaged(std::string* error);

  const std::vector<std::shared_ptr<const rules::Rule>>& rules() const { return rules_; }
  // Per rule, in rules() order. Candidate counts are read from every
  // matcher: call when no Match is running on another thread.
  const std::vector<RuleStats>& stats() const;
  // Setup messages: skipped rules, more than three new-terms fields, ...
  const std::vector<std::string>& warnings() const { return warnings_; }
  uint64_t events() const { return events_; }

 private:
  class UnitOutput;
  // Calls visit(unit) for each unit with a matched condition, in unit
  // order, with stages_ holding its matched stages.
  template <typename Visit>
  void ForEachMatchedUnit(const MatchResult& match, Visit visit);
  void EmitEventAlert(size_t unit, const MatchedEvent& event, std::vector<std::string> new_terms,
                      std::optional<TimeMs> event_time);
  void EmitSequenceAlerts(size_t unit, std::span<const SequenceEvent> events, TimeMs time,
                          std::string_view origin);
  bool EmitThresholdAlert(size_t unit, const ThresholdResult& result, const MatchedEvent& event);
  // Alert suppression of a sequence, decided on its shell alert (built
  // first): kSuppressed when counted into its group's open window (nothing
  // of the sequence is written), kWrite when it is written (*shell then
  // carries the suppression fields if it opened a window), kRefused when a
  // shared store kept refusing the new window.
  enum class SequenceVerdict { kWrite, kSuppressed, kRefused };
  SequenceVerdict SuppressSequence(size_t unit, TimeMs time, std::string_view origin,
                                   SequenceAlert* shell);
  void ReportProblem(size_t unit, std::string_view origin, std::string_view problem);
  bool WithinMaxSignals(size_t unit, TimeMs time, std::string_view origin);
  // Expires what no unit needs; waiting suppression counts of windows that
  // expire are written first, through on_alert.
  void MaybeExpire(const AlertSink& on_alert);
  // Alert suppression: true when the alert of `event` was counted into an
  // open window (written as an update); else *group names the window the
  // new alert opens (nullopt: the alert is not suppressible).
  bool SuppressEventAlert(size_t unit, const MatchedEvent& event, std::optional<TimeMs> event_time,
                          std::string_view alert_uuid, std::optional<SuppressionGroup>* group);
  // The alert suppression decision for an alert of unit `u` at `time`
  // (its events began at `start`; nullopt = time) in *group's window: true
  // when it was counted into an open window (its update written or
  // waiting) or is a replay; false when it opens a new window, or (*group
  // reset) when a shared store kept refusing and it is not suppressed.
  bool CountIntoWindow(size_t u, std::optional<SuppressionGroup>* group, TimeMs time,
                       std::optional<TimeMs> start, std::string_view alert_uuid,
                       std::string_view index, std::string_view origin);
  // Records `alert` (built with the group's suppression fields) as the
  // group's new window and writes the previous window's waiting count.
  // False: a shared store refused; decide again.
  bool OpenWindow(size_t u, const SuppressionGroup& group, TimeMs time, std::optional<TimeMs> start,
                  const Alert& alert);
  // Rules over alerts: queues a new alert of unit `u` (with its written
  // depth and ancestors) for the rules that read alerts, within the depth
  // bound; built on current_fed_ when set.
  void FeedBack(size_t u, const Alert& alert, std::optional<TimeMs> event_time, int depth,
                std::string_view ancestors);
  // Rules over alerts: decides the queued alerts for the units that read them.
  void FeedBackAlerts();
  // A suppressed alert's new count, to be written as an updated copy.
  struct PendingUpdate {
    size_t unit;
    SuppressionGroup group;
    AlertSuppressor::Suppressed suppressed;
    std::optional<TimeMs> event_time;
    std::string index, origin;
    uint64_t order = 0;  // of its window's first waiting count (writes keep it)
  };
  void WriteUpdate(const PendingUpdate& update);
  // Writes (and forgets) the waiting updates `which` selects.
  void WritePendingUpdates(const AlertSink& on_alert,
                           const std::function<bool(const PendingUpdate&)>& which);
  std::unordered_map<std::string, PendingUpdate> pending_;  // by group record key
  uint64_t next_pending_order_ = 0;

  std::vector<std::unique_ptr<AlertSuppressor>> suppressors_;  // per unit; null = none
  std::unique_ptr<state::RecordStore> own_records_;  // suppression's, when no store was given
  state::RecordStore* SuppressionRecords();
  std::string alerts_index_;
  std::vector<bool> reads_alerts_;  // per unit
  // Per unit: whether a rule over alerts could take its alerts
  // (MayMatchAlertsOf); the others' alerts are not fed back.
  std::vector<bool> feeds_back_;
  EventMatcher* feedback_matcher_ = nullptr;
  std::deque<FedAlert> feedback_;
  simdjson::dom::parser feedback_parser_;  // FeedBackAlerts' own
  MatchResult feedback_match_;
  // No rule over alerts is filed under a signal.* field: an alert that is
  // no such rule's candidate skips its signal.* copies (FeedBackAlerts).
  bool aliases_leave_candidates_ = false;
  const FedAlert* current_fed_ = nullptr;  // the fed-back alert being decided

  // Sequence payloads, shared by the sequence units (declared before them:
  // they refer to it until destroyed).
  std::unique_ptr<eql::EventPayloads> payloads_;
  std::vector<std::unique_ptr<RuleUnit>> units_;
  std::vector<std::shared_ptr<const rules::Rule>> rules_;  // units_[i]'s rule
  StateStores stores_;
  DetectorOptions options_;
  std::shared_ptr<ConditionSet> conditions_;
  MatcherOptions matcher_options_;
  std::vector<std::unique_ptr<EventMatcher>> matchers_;  // [0]: Process's own
  MatchResult match_;
  std::vector<uint32_t> stages_;
  AlertBuilder builder_;
  MaxSignalsBudget max_signals_;
  ProblemSink problem_sink_;
  const AlertSink* on_alert_ = nullptr;  // during Decide
  std::vector<std::string> warnings_;
  uint64_t events_ = 0;
  mutable std::vector<RuleStats> stats_;
};

}  // namespace picket::engine
