// Alert suppression (Kibana's [rule.alert_suppression]) for a streaming
// detector, independent of the alert type: the caller hands it an alert's
// source document and time, and builds the alert itself.
//
// Group: the values of the group_by fields in the source (each field's
// values sorted, as Kibana's kibana.alert.suppression.terms has them; a
// missing field has value null). With missing_fields_strategy
// doNotSuppress, a source missing any group_by field has no group: its
// alert is written as usual, without suppression fields (GroupOf = nullopt).
//
// Threshold rules (Kibana's threshold suppression, duration only): the
// group is the alert's threshold terms (GroupOfTerms); the first alert's
// start and end are its group's first and last counted event times, T0 the
// last; each later alert of the group in the window adds 1 to docs_count
// and widens [start, end] to its own span.
//
// Window, in event time (the rule's timestamp field), anchored at the time
// T0 of the alert that opened it:
//   * with a duration D: an alert of the group at time t is suppressed when
//     T0 - D <= t <= T0 + D (a late event, older than T0, joins the window
//     it falls in; Kibana's window is the same length, measured from the
//     alert's creation in processing time);
//   * without one (per rule execution): when t falls in the same bucket of
//     the rule's interval as T0 (the bucket max_signals counts in, standing
//     in for a Kibana execution).
// Otherwise the alert opens a new window (a new alert, a new T0).
//
// The first alert of a window carries the suppression fields with
// docs_count 0 and start = end = T0 (SuppressionFields, appended as its
// last fields). Each later alert in the window is not written: it adds 1 to
// docs_count, widens [start, end] to its time, and TrySuppress returns the
// counts with which UpdatedAlert writes the first alert's document again
// (same kibana.alert.uuid, kibana.alert.last_detected moved to the time of
// the count as Kibana's update moves it),
// for outputs that overwrite by id (docs/engine.md; UpdatedAlert).
//
// Replays: an alert whose id (derived from its event, engine/alert_id.h) was
// already counted into the window is a re-sent event (a shipper repeating a
// request after a crash): it changes nothing (kDuplicate). The window
// remembers the ids of its last kRememberedAlerts alerts for this.
//
// State, in the state::RecordStore, so that a restarted `picket serve` or a
// `run --state` continues the count: per open window a small record (key
// "S", rule uuid, terms: T0, the counts, the ids counted, the alert's
// uuid), rewritten at each count; and per alert its document without the
// suppression fields (key "T", rule uuid, alert uuid), written once when
// the window opens and read (through a cache) to write the updated copies.
// Records expire at the window's end.
// Decisions are read-modify-write (state/record_store.h): a false return
// from Open or a nullopt-with-retry from TrySuppress on a shared store means
// another node changed the record; the caller decides again.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "event/document.h"
#include "rules/alert_suppression.h"
#include "state/record_store.h"
#include "util/time.h"

namespace picket::engine {

struct SuppressionGroup {
  std::string terms_json;   // [{"field":"f","value":[...]}, ...] (value null when missing)
  std::string instance_id;  // kibana.alert.instance.id: hash of rule and terms
  std::string key;          // the record key
};

class AlertSuppressor {
 public:
  // `interval_ms`: the rule's interval (the window when there is no duration).
  AlertSuppressor(rules::AlertSuppression config, int64_t interval_ms, std::string rule_uuid,
                  state::RecordStore* records);

  const rules::AlertSuppression& config() const { return config_; }

  std::optional<SuppressionGroup> GroupOf(event::Json source) const;

  // A threshold alert's group (config().threshold): its threshold terms,
  // each a single value as Kibana's threshold bucket key gives it
  // (kibana.alert.suppression.terms [{field, value: "v"}], in the rule's
  // field order; [] for a rule without fields: one group).
  SuppressionGroup GroupOfTerms(
      const std::vector<std::pair<std::string_view, std::string_view>>& terms) const;

  struct Suppressed {
    std::string alert_uuid;  // the window's alert
    TimeMs start = 0, end = 0;
    uint64_t docs_count = 0;
    TimeMs expires_at = 0;  // the window's end
    // When this count was made (the alert time of the suppressed alert):
    // the updated copy's kibana.alert.last_detected, as Kibana's update
    // sets it to the suppressing execution's time. 0 = keep the first's.
    TimeMs detected = 0;
  };
  static constexpr size_t kRememberedAlerts = 128;
  enum class Outcome { kSuppressed, kDuplicate, kOpenNew, kRetry };
  // For the alert `alert_uuid` at `time` (whose events began at `start`,
  // = time for an event alert): kSuppressed fills *out and has counted it; kDuplicate: already
  // counted (a replay), nothing to write; kOpenNew: no window takes it (build the alert with
  // SuppressionFields, then Open); kRetry: a shared store refused the update, decide again.
  Outcome TrySuppress(const SuppressionGroup& group, TimeMs time, std::string_view alert_uuid,
                      Suppressed* out, std::optional<TimeMs> start = std::nullopt);

  // The fields a new alert of `group` at `time` ends with: `,"kibana.alert.
  // instance.id":...,"kibana.alert.suppression.*":...` (leading comma).
  static std::string SuppressionFields(const SuppressionGroup& group, TimeMs start, TimeMs end,
                                       uint64_t docs_count);

  // Records the new alert (its document `json`, built with
  // SuppressionFields(group, start, time, 0) as its last fields; start =
  // time for an event alert, the group's first event for a threshold
  // alert, as Kibana's min_timestamp) as the group's open window, T0 =
  // time. False: a shared store refused; decide again.
  bool Open(const SuppressionGroup& group, TimeMs time, std::string_view alert_uuid,
            std::string_view json, std::optional<TimeMs> start = std::nullopt);

  // The window's alert with the counts of `s` (its document as Open
  // recorded it, with kibana.alert.last_detected = s.detected when set,
  // then the new suppression fields); nullopt when the store no longer has
  // it (expired).
  std::optional<std::string> UpdatedAlert(const SuppressionGroup& group, const Suppressed& s);

  // Records expiring before this cannot change a decision any more.
  std::optional<TimeMs> RecordExpiryThreshold() const;

 private:
  struct Window;
  static constexpr size_t kCachedHeads = 4096;
  bool Takes(const Window& w, TimeMs time) const;
  // Sets the instance id and record key from terms_json.
  void FinishGroup(SuppressionGroup* g) const;
  std::string HeadKey(std::string_view alert_uuid) const;
  TimeMs WindowEnd(TimeMs t0) const;

  rules::AlertSuppression config_;
  int64_t interval_ms_;
  std::string rule_uuid_;
  state::RecordStore* records_;
  std::optional<TimeMs> newest_;  // newest time decided
  // Alert documents (without suppression fields) by alert uuid, as recorded
  // under HeadKey; a cache, cleared when full.
  std::unordered_map<std::string, std::string> heads_;
};

}  // namespace picket::engine
