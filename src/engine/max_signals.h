// max_signals for a streaming detector.
//
// Kibana writes at most max_signals alerts (default 100) per rule execution;
// the rest of that execution's alerts are never written (a new_terms
// combination left out still becomes history). picket has no executions, so
// it caps each rule's alerts per *interval bucket of event time*: the epoch is
// cut into the rule's `interval` (5m by default), and an alert falls in the
// bucket of its source event's time (the rule's timestamp_override, else
// @timestamp; the alert time when the event has none). A Kibana execution
// alerts on what arrived since the previous one, about one interval of event
// time, so a replay of old telemetry is capped as the live rule would have
// been, and `picket serve` (event time close to the clock) the same way.
//
// Counts are kept for the newest kBucketsKept buckets of each rule; an event
// so far out of order that its bucket was forgotten starts a new count.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "util/time.h"

namespace picket::engine {

class MaxSignalsBudget {
 public:
  enum class Verdict {
    kAdmit,         // under the cap: write the alert
    kFirstRefusal,  // the bucket's cap was just reached: the first alert left out
    kRefused,       // further alerts left out in that bucket
  };
  static constexpr size_t kBucketsKept = 64;

  // Counts one alert of rule `rule` at `time`.
  Verdict Take(size_t rule, TimeMs time, int64_t interval_ms, int max_signals);

  // The start of the bucket holding `time`.
  static TimeMs BucketStart(TimeMs time, int64_t interval_ms);

 private:
  std::vector<std::map<TimeMs, uint64_t>> buckets_;  // per rule: bucket start -> alerts
};

}  // namespace picket::engine
