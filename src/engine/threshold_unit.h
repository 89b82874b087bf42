// `threshold` rules, streaming (docs/engine.md, "threshold rules"; the
// decision itself is engine/threshold_group.h).
//
// For a matching event with a usable time (the rule's timestamp_override,
// else @timestamp):
//  * its groups: one per combination of the values of the rule's threshold
//    fields (cartesian product, as Kibana's composite aggregation buckets a
//    multi-valued field under each value; at most max_combinations per
//    event). An event without a value in some field is in no group (a
//    composite terms source skips such documents: missing_bucket is off).
//    With no fields, every matching event is in the one global group;
//  * its cardinality values (the rule's first cardinality field), hashed;
//  * lateness, per group: an event older than its group's newest time less
//    the lookback is late (no Kibana run window holds it with the group's
//    newest events): counted, not used. Judging it per group, not against
//    the rule's newest event, keeps a host whose clock is hours behind
//    another's, or a concurrent sender's backlog, from losing its counts;
//  * W, the newest event time of the rule, is raised to its time; an event
//    older than W - R (R = max_lag, at least the lookback) is late for
//    every group: R bounds how far a group may lag and how long an idle
//    group is kept.
// Each group is one record of the record store (read, decided, written
// before its alert, as state/record_store.h requires), expiring once W
// passes its newest time + R + lookback; W is one more record (written when it
// has moved on by 1/16 of the lookback), so that a restarted `serve` or
// `run --state` carries on where it stopped. (Expiries are rounded up to
// 1/16 of the lookback, so that stores do not re-file a busy group at every
// event.)
//
// Bounds: at most max_groups live groups per rule (a new group over the cap
// is refused and counted: dropped_groups) and max_events_per_group held
// events per group (the oldest go first, counted: dropped_events).
//
// learn_only (baseline): groups count and reach the threshold as usual, but
// the alert is only recorded (as if Kibana had written it in an earlier
// run), not written.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/rule_unit.h"
#include "engine/threshold_group.h"
#include "state/live_records.h"
#include "state/record_store.h"

namespace picket::engine {

struct ThresholdLimits {
  size_t max_groups = 1000000;
  size_t max_events_per_group = 100000;
  size_t max_combinations_per_event = 10000;
  // How far one group may lag the rule's newest event (R below); -2 = the
  // default, kDefaultMaxLagMs. Never less than the lookback.
  int64_t max_lag_ms = -2;
};

class ThresholdUnit : public RuleUnit {
 public:
  ThresholdUnit(std::shared_ptr<const rules::Rule> rule, state::RecordStore* records,
                std::shared_ptr<const event::FieldTypes> types, ThresholdLimits limits);

  void OnMatch(const MatchedEvent& event, std::span<const uint32_t> stages, bool learn_only,
               AlertOutput& out) override;
  // The group records (and W) OnMatch will read, staged in the store.
  void Stage(const MatchedEvent& event, std::span<const uint32_t> stages, bool learn_only) override;
  // W: a record expires at its newest time + lookback (rounded up), after
  // which no event that is not late can join it. (Expiry in the watermark's
  // terms, as the sequence stream's: the store expires by the smallest
  // threshold of all units, so a unit answering W - lookback would keep
  // every other unit's records a lookback longer.)
  std::optional<TimeMs> RecordExpiryThreshold() const override;

  // Live groups of this rule (after expiry by W).
  int64_t live_groups() const { return live_.count(); }

 private:
  // The event's time and its groups' keys (in keys_, with their values in
  // combos_); false when it has no usable time (*problem says why) or is in
  // no group.
  bool Groups(const MatchedEvent& event, std::optional<TimeMs>* time, std::string* problem);
  void Load();
  void RaiseWatermark(TimeMs time);
  // One read-modify-write of a group's record for an event at `time`.
  void Decide(size_t combo, const ThresholdGroup::Event& event, bool learn_only,
              const MatchedEvent& matched, AlertOutput& out);
  ThresholdResult ResultOf(size_t combo, const ThresholdGroup& group) const;
  // The record's expiry: its newest time + R + lookback, rounded up
  // (state/live_records.h) so that a busy group keeps its expiry across
  // events.
  TimeMs ExpiryOf(const ThresholdGroup& group) const;
  // R: how far a group may lag W (max_lag, at least the lookback).
  int64_t MaxLag() const;

  state::RecordStore* store_;
  std::shared_ptr<const event::FieldTypes> types_;
  ThresholdLimits limits_;
  std::string prefix_;        // this rule's keys: "T" + hash of the rule uuid
  std::string group_prefix_;  // its group records: prefix_ + "G"
  bool loaded_ = false;
  std::optional<TimeMs> watermark_;        // W
  std::optional<TimeMs> saved_watermark_;  // W as last written to the store
  // Live groups by expiry (newest time + lookback), for max_groups.
  state::LiveRecords live_;
  std::vector<std::vector<std::string>> values_;  // per field, of the current event
  std::vector<std::vector<std::string>> combos_;  // per group of the current event
  std::vector<std::string> keys_;
  bool late_for_a_group_ = false;  // the current event was late for one of its groups
};

}  // namespace picket::engine
