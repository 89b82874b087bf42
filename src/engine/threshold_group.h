// The state of one threshold group (one combination of the rule's group
// field values) and the decision Kibana's threshold executor takes for it,
// without any store: engine/threshold_unit.h keeps these records in the
// record store and calls Add for each matching event.
//
// Kibana (rule_types/threshold/: threshold.ts, get_threshold_bucket_filters.ts,
// build_signal_history.ts, utils.ts) per run over [now - from, now]:
//  * counts the group's events, excluding those at or before the group's
//    last alerted time (its signal history: the kibana.alert.original_time
//    of its last alert, which is the newest event the alert counted; the
//    filter is `lte`, so an event at exactly that time is excluded);
//  * alerts when the count reaches `value` (and the distinct count of the
//    cardinality field reaches its value), with from = the oldest counted
//    event, original_time = the newest;
//  * forgets a history entry once its time is at or before the run's start.
// The streaming equivalent, with `now` = the newest event time the rule has
// seen (the watermark W), evaluated after every event:
//  * a group holds the times (and distinct-value hashes) of its events after
//    its last alerted time and not older than W - lookback (the window's
//    lower bound is inclusive, as Kibana's range filter `gte`);
//  * when an added event brings the group to the threshold, the group
//    alerts with what it holds, records the newest held time as its last
//    alerted time and empties; later events at or before that time are not
//    counted again;
//  * an event is held once: the same event sent again (same identity: index,
//    bulk _id, bytes as received) is not counted twice, so a client that
//    resends a request after a crash changes no count.
// Counts can only grow when an event is added, so checking at each add
// finds every crossing a run after every event would find.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/time.h"

namespace picket::engine {

struct ThresholdGroup {
  struct Event {
    TimeMs time = 0;
    uint64_t id = 0;                 // hash of its identity (rule_unit.h EventIdentityOf)
    std::vector<uint64_t> distinct;  // hashes of its cardinality field's values
  };
  std::optional<TimeMs> last_alerted;
  std::vector<Event> events;  // ascending time

  // The record's bytes (a version byte, then delta-coded times and the
  // hashes); Decode returns false on bytes it cannot read.
  std::string Encode() const;
  static bool Decode(std::string_view bytes, ThresholdGroup* group);

  bool empty() const { return !last_alerted && events.empty(); }
  // The newest time the record holds: once the window's lower bound passes
  // it, the record can no longer change a decision.
  TimeMs NewestTime() const;
  // Drops events older than `cut` (the window's lower bound), and the last
  // alerted time once it is older too (no event it could exclude is left).
  void DropBefore(TimeMs cut);
  // Inserts an event in time order; with more than `max_events` held, drops
  // the oldest. Returns how many were dropped.
  size_t Insert(Event event, size_t max_events);
  // Whether an event with this id is held (a resent event is counted once).
  bool Holds(uint64_t id) const;
  // Distinct hashes over the held events.
  uint64_t DistinctCount() const;
};

}  // namespace picket::engine
