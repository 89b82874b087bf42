// The streaming detector: runs compiled `query` and `new_terms` rules over
// events one at a time and produces Kibana-shaped alerts.
//
//  * query rules: one alert per matching event.
//  * new_terms rules: for each matching event with a usable time (the rule's
//    timestamp_override, else @timestamp) and a value in every new-terms
//    field, each combination of values (cartesian product) is observed in
//    the TermStore; one alert per combination that DecideSighting calls new.
//    Every matching event refreshes the state.
//  * late events: an event older than the newest matching event of the rule
//    minus the rule's lookback (`from`) would have fallen outside every
//    Kibana run; it updates the state but never alerts (counted as late).
//  * learn_only (baseline, `picket learn`): state is updated, nothing alerts.
//  * max_signals: at most the rule's max_signals alerts per interval bucket
//    of event time (see max_signals.h); the rest are counted per rule
//    (max_signals_suppressed), and new_terms state is updated for them.
//
// Events with no usable time are counted per rule and reported through the
// problem callback with their origin (file:line); their time is never guessed.
//
// Not thread-safe; one Detector per thread.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/alert_builder.h"
#include "engine/max_signals.h"
#include "engine/rule_index.h"
#include "event/document.h"
#include "event/field_collector.h"
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
  // Mappings, for keyword ignore_above and rule indexing; null = built-in.
  std::shared_ptr<const event::FieldTypes> types;
  // At most max_signals alerts per rule per interval bucket of event time
  // (MaxSignalsBudget); the rest are counted, not written. Off for hunting.
  bool apply_max_signals = true;
  // Execution uuid, Kibana version, URL and space. An empty execution uuid
  // is derived from alert_time when that is fixed (reproducible output),
  // else random (one per Detector, i.e. per picket run).
  AlertSettings alert;
};

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
};

struct Alert {
  const rules::Rule* rule = nullptr;
  std::string uuid;
  std::string json;                    // one line, no newline
  std::vector<std::string> new_terms;  // empty for query rules
  std::string reason;                  // kibana.alert.reason
  // kibana.alert.severity / .risk_score, after the rule's mappings; empty /
  // unset = the rule's.
  std::string severity;
  std::optional<double> risk_score;
  std::optional<TimeMs> event_time;
  std::string index;
  std::string origin;
};

struct RuleStats {
  uint64_t candidates = 0;  // events that reached the rule's query
  uint64_t matched = 0;
  uint64_t alerts = 0;
  uint64_t no_time = 0;        // new_terms: matched but no usable time
  uint64_t missing_terms = 0;  // new_terms: matched but a field had no value
  uint64_t late = 0;           // new_terms: older than watermark - lookback
  uint64_t truncated_combinations = 0;
  uint64_t learned = 0;                 // matched in learn_only mode
  uint64_t max_signals_suppressed = 0;  // alerts over max_signals, not written
};

class Detector {
 public:
  using AlertSink = std::function<void(const Alert&)>;
  using ProblemSink =
      std::function<void(const rules::Rule&, std::string_view origin, std::string_view problem)>;

  // Rules that are not supported (type, language, no matcher) or are
  // new_terms without a usable history window are skipped with a warning.
  Detector(std::vector<std::shared_ptr<const rules::Rule>> rules, state::TermStore* store,
           DetectorOptions options = {});

  void set_problem_sink(ProblemSink sink) { problem_sink_ = std::move(sink); }

  // Runs every candidate rule over the event.
  void Process(const EventRef& event, bool learn_only, const AlertSink& on_alert);

  const std::vector<std::shared_ptr<const rules::Rule>>& rules() const { return rules_; }
  const std::vector<RuleStats>& stats() const { return stats_; }
  // Setup messages: skipped rules, more than three new-terms fields, ...
  const std::vector<std::string>& warnings() const { return warnings_; }
  uint64_t events() const { return events_; }

 private:
  void RunNewTerms(size_t r, const EventRef& event, std::string_view index, bool learn_only,
                   const AlertSink& on_alert);
  void EmitAlert(size_t r, const EventRef& event, std::string_view index,
                 std::vector<std::string> new_terms, std::optional<TimeMs> event_time,
                 const AlertSink& on_alert);
  void MaybeExpire();
  bool WithinMaxSignals(size_t r, TimeMs time, const EventRef& event);

  std::vector<std::shared_ptr<const rules::Rule>> rules_;
  // Each rule's matcher, side by side: an event's candidate rules are tested
  // without reading the (large) rule objects of those that do not match.
  std::vector<const kql::Matcher*> matchers_;
  std::vector<std::string> rule_uuids_;
  std::vector<RuleStats> stats_;
  std::vector<std::optional<TimeMs>> watermark_;  // newest matching event time per rule
  state::TermStore* store_;
  DetectorOptions options_;
  std::shared_ptr<const event::FieldTypes> types_;
  std::unique_ptr<RuleIndex> index_;
  AlertBuilder builder_;
  MaxSignalsBudget max_signals_;
  ProblemSink problem_sink_;
  std::vector<std::string> warnings_;
  uint64_t events_ = 0;
  std::vector<uint32_t> candidates_;
  kql::EvalContext eval_context_;  // field values shared by the rules of one event
  struct DataStreamField {
    const char* path;
    uint32_t id;
  };
  DataStreamField data_stream_[3];  // type, dataset, namespace
  bool use_collector_ = false;
  event::FieldCollector collector_;   // the data stream and rule index fields
  std::vector<uint32_t> slot_of_id_;  // kql::FieldId -> collector slot + 1
  std::vector<std::vector<std::string>> term_values_;
  std::string key_;
  std::string index_buffer_;
};

}  // namespace picket::engine
