// Sequences over a stream of events, for rules: each sequence is reported
// once, as soon as it is known (when its last positive event arrives, or
// for a trailing missing-event stage when time has passed its deadline).
//
// Samples go through the same stream: when an event of a key arrives, the
// key's events not yet used, inside one lookback of its newest window time,
// are matched as Elasticsearch matches a key's events (sample_matcher.h);
// the samples found are reported and their events used up, so later
// samples of the key are made of later events. (Kibana re-runs the sample
// query every interval over its window; the first events of a busy key
// change as the window moves, giving about one sample per key per run.)
//
// Input: events one at a time, each with a stable id, its ordinal (the rule's
// timestamp field, tiebreaker and index; the stream adds the arrival number),
// its window time (Kibana's range-filter field: timestamp_override, else
// @timestamp) and one KeyedMatch per join key it matched stages of.
//
// State: one SequenceRecord per join key in a state::SequenceStore, changed
// by read-modify-write of that one record; the events' payloads (what the
// caller needs to write alerts) once per event in the store's payload space.
//
// Out-of-order events. A key's events are kept in ordinal order. An event
// that sorts after the key's newest one steps the state machine; one that
// sorts earlier is inserted and the key's kept events are run through the
// machine again, reporting only sequences not reported before (by
// fingerprint). What is reported is therefore, per key, the union over the
// arrivals of what Elasticsearch finds in the events that had arrived —
// Kibana's behaviour when events are ingested late but inside the lookback
// of a later run, with a run after every event. Since each key's state
// depends only on that key's events, any interleaving of keys that keeps
// each key's order gives the same sequences.
//
// Bounds (lookback L, disorder D, both in window time; D defaults to L):
//  * W = the newest window time seen. An event with window time < W - D is
//    late: Kibana would never see it inside a run with the rest; it is
//    counted and ignored. So an interleaving that makes no event late gives
//    the same sequences as any other.
//  * every sequence's window times span at most L (SequenceMachine);
//  * a key's events with window time < W - D - L can never join a sequence
//    with a non-late event and are dropped, with their payloads;
//  * a sequence waiting for a trailing check is accepted once W - D passes
//    its deadline (no non-late event can still fall within it);
//  * caps: at most `max_events_per_key` kept events per key (the oldest go
//    first) and `max_records` keys per stream; what a cap drops is counted.
// With L = 0 and D < 0 nothing is late or dropped (tests, hunting-like use).
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "eql/sequence_batch.h"
#include "eql/sequence_record.h"
#include "state/sequence_store.h"

namespace picket::eql {

struct StreamOptions {
  int64_t lookback_ms = 0;       // L; 0 = none
  int64_t max_disorder_ms = -2;  // D; -2 = same as L (or none without L); -1 = none
  size_t max_events_per_key = 4096;
  size_t max_records = 1000000;
};

struct StreamEvent {
  uint64_t id = 0;  // stable identity: a resent event is recognised by it
  Ordinal ordinal;  // `seq` is set by the stream; `index` may be a temporary view
  TimeMs window_time = 0;
  std::string_view payload;
};

struct StreamSequence {
  std::string key;
  std::vector<uint64_t> ids;          // per position; kMissingEvent at missing ones
  std::vector<std::string> payloads;  // per position; "" at missing ones
  TimeMs end = 0;                     // time of the last positive event
};

struct StreamStats {
  uint64_t events = 0;          // events given to Add
  uint64_t late = 0;            // ignored: older than the newest window time - D
  uint64_t resent = 0;          // (key, event) pairs already recorded
  uint64_t replays = 0;         // out-of-order arrivals that re-ran a key
  uint64_t sequences = 0;       // reported
  uint64_t dropped_keys = 0;    // keys refused by max_records
  uint64_t dropped_events = 0;  // events dropped by max_events_per_key
  uint64_t missing_payloads = 0;
};

class SequenceStream {
 public:
  using Emit = std::function<void(StreamSequence&&)>;

  // `ns` names this stream's records in the store (one per rule).
  SequenceStream(const SequencePlan* plan, state::SequenceStore* store, std::string ns,
                 StreamOptions options);

  // Feeds one event. False when it was late.
  bool Add(const StreamEvent& event, std::span<const KeyedMatch> matches, const Emit& emit);

  // End of the input (`picket run`): sequences waiting for a trailing check
  // are accepted, as Elasticsearch decides over the data it has.
  void Flush(const Emit& emit);

  const StreamStats& stats() const { return stats_; }
  // What the stream holds now: records (keys), pending sequences (partial),
  // sequences waiting for a trailing check, kept events. Counted as records
  // change; after a restart on a persistent store they count the records
  // touched since (records: all, from the store's meta).
  struct Census {
    int64_t records = 0, pending = 0, waiting = 0, events = 0;
  };
  const Census& census() const { return census_; }

 private:
  void Count(const SequenceRecord& record, int sign);
  std::string RecordKey(std::string_view join_key) const;
  std::string MetaName(std::string_view name) const;
  void LoadMeta();
  void UpdateKey(const KeyedMatch& match, const KeyedEvent& event, const Emit& emit);
  // Samples: reports what the key's unused events form, and uses them up.
  void SampleStep(SequenceRecord* record, std::string_view join_key, const Emit& emit);
  // Runs the record's completions through the reported set and emits them.
  void Report(SequenceRecord* record, std::string_view join_key,
              std::vector<CompletedSequence>* done, const Emit& emit);
  // Decides waiting sequences and drops what is out of reach.
  void Maintain(SequenceRecord* record, std::string_view join_key, const Emit& emit);
  void Save(SequenceRecord* record, std::string_view join_key);
  void Visit(std::string_view record_key, bool finish, const Emit& emit);
  void Advance(const Emit& emit);

  const SequencePlan* plan_;
  state::SequenceStore* store_;
  std::string ns_;
  StreamOptions options_;
  int64_t disorder_ = -1;  // D resolved; -1 = none
  bool meta_loaded_ = false;
  bool has_watermark_ = false;
  TimeMs watermark_ = 0;
  TimeMs advanced_to_ = INT64_MIN;
  uint64_t next_seq_ = 0;
  StreamStats stats_;
  Census census_;
  uint64_t current_id_ = 0;
  std::unordered_set<uint64_t> claimed_;
  std::string buffer_;
};

}  // namespace picket::eql
