// The sequence state machine of one join key: Elasticsearch's matching
// (execution/sequence/SequenceMatcher.java with its KeyToSequences /
// SequenceGroup lists) for events that arrive in ordinal order.
//
// Semantics, each as Elasticsearch has it:
//  * An event matching the first positive stage starts a pending sequence.
//    An event matching a later positive stage takes the newest pending
//    sequence of the previous positive stage whose last event is before it
//    (OrdinalGroup.trimBefore), removing it and every older one of that
//    stage: of `sequence [A] [B]` over A1 A2 B1 only A2 B1 is found. Fed in
//    order, that newest one is the only one that can ever be taken, so one
//    slot per stage holds the whole state (the EQL reference's "state
//    machine": a newer pending sequence in a state overwrites the older).
//  * `with maxspan`: a taken sequence whose first event is more than maxspan
//    before the new event is dropped (exceedsMaxSpan: span == maxspan is
//    allowed).
//  * lookback (picket, for rules): a taken sequence whose events' window
//    times (Kibana's range-filter field) would span more than the lookback
//    is dropped the same way: Kibana finds a sequence only when all its
//    events fall into one run's window.
//  * `until`: an until event of the key cancels the pending sequences whose
//    last event is at or before it (Ordinal.between is inclusive), so an
//    event matching both a stage and `until` cancels what it just advanced
//    but still completes a sequence at the last stage.
//  * `runs=N` is N consecutive positions of one stage; one event fills at
//    most one position of a sequence (ordinals strictly increase).
//  * missing-event stages (TumblingWindow.doCheckMissingEvents), checked when
//    the positive stages complete, by timestamp only:
//      middle `![M]` between positive stages a and b: any M event with
//        time(a) < t < time(b) discards the sequence;
//      leading `![L]`: lastLeading = the latest L event with t < start;
//      trailing `![T]`: firstTrailing = the earliest T event with t > end;
//      accepted when (leading only) lastLeading is absent or end -
//      lastLeading > maxspan; (trailing only) no T event with t <= start +
//      maxspan; (both) lastLeading absent, or no T event with t <=
//      lastLeading + maxspan. A sequence waiting for its trailing check is
//      decided by a later event of the key (past the deadline, or a T event
//      within it), or by Decide(now) / Finish().
//
// The caller feeds each event with the key's history up to and including it
// (`history`, ordinal order), where the missing-stage checks look.
//
// One event can complete sequences of several keys (multi-valued join
// keys). Elasticsearch keeps completed sequences in sets ordered by the last
// event (SequenceMatcher.completed / toCheckForMissing are TreeSets over
// Sequence.compareTo), so only the first sequence to end on an event
// survives; the claim hook, asked when the positive stages complete and
// before the missing-stage checks, lets the caller keep that rule across keys.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "eql/sequence_ordinal.h"
#include "eql/sequence_spec.h"
#include "util/time.h"

namespace picket::eql {

// One event as one join key sees it.
struct KeyedEvent {
  uint64_t id = 0;  // the caller's identity of the event (never kMissingEvent)
  Ordinal ordinal;
  TimeMs window_time = 0;  // Kibana's range field (timestamp_override / @timestamp)
  uint64_t stages = 0;     // bit s: matched written stage s (with this key)
  bool until = false;      // matched the `until` condition (with this key)
};

inline constexpr uint64_t kMissingEvent = ~uint64_t{0};

struct CompletedSequence {
  std::vector<uint64_t> ids;  // one per position; kMissingEvent at missing positions
  TimeMs start = 0, end = 0;  // times of the first and last positive events
  TimeMs window_min = 0;      // the earliest window time of its events
};

// A pending sequence: the events of the positive positions matched so far.
struct PartialSequence {
  std::vector<uint64_t> ids;
  std::vector<TimeMs> times;  // their timestamps; times.front() is the start
  TimeMs window_min = 0, window_max = 0;
};

// A completed sequence waiting for its trailing missing-event check.
struct AwaitingSequence {
  CompletedSequence sequence;
  TimeMs deadline = 0;  // a trailing event at t in (end, deadline] discards it
};

struct MachineLimits {
  int64_t lookback_ms = 0;  // 0 = none (hunting)
};

class SequenceMachine {
 public:
  SequenceMachine(const SequencePlan* plan, MachineLimits limits);

  // Asked with the id of the last event of each sequence whose positive
  // stages complete; false drops the sequence. Unset = keep all.
  using Claim = std::function<bool(uint64_t last_id)>;
  void set_claim(Claim claim) { claim_ = std::move(claim); }

  // Feeds `history.back()`, the newest event of the key; `history` holds the
  // key's events in ordinal order. Sequences accepted go to *done.
  void Step(std::span<const KeyedEvent> history, std::vector<CompletedSequence>* done);

  // Accepts every sequence waiting for a trailing check whose deadline is
  // before `now` (no trailing event at or after `now` can still count).
  void Decide(TimeMs now, std::vector<CompletedSequence>* done);
  // End of the data: every waiting sequence is accepted.
  void Finish(std::vector<CompletedSequence>* done) { Decide(INT64_MAX, done); }

  void Reset();
  bool empty() const;

  // State, for records that persist it (slot i: pending sequences that
  // matched positive positions 0..i).
  std::vector<std::optional<PartialSequence>>& slots() { return slots_; }
  const std::vector<std::optional<PartialSequence>>& slots() const { return slots_; }
  std::vector<AwaitingSequence>& awaiting() { return awaiting_; }
  const std::vector<AwaitingSequence>& awaiting() const { return awaiting_; }

 private:
  void Complete(const PartialSequence& partial, std::span<const KeyedEvent> history,
                std::vector<CompletedSequence>* done);

  const SequencePlan* plan_;
  MachineLimits limits_;
  Claim claim_;
  std::vector<std::optional<PartialSequence>> slots_;
  std::vector<AwaitingSequence> awaiting_;
};

}  // namespace picket::eql
