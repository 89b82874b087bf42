// Sequences over a stream of events, for rules: each sequence is reported
// once, as soon as it is known (when its last positive event arrives, or
// for a trailing missing-event stage when time has passed its deadline).
//
// Input: events one at a time, each with a stable id, its ordinal (the rule's
// timestamp field, tiebreaker and index; the stream adds the arrival number),
// its window time (Kibana's range-filter field: timestamp_override, else
// @timestamp) and one KeyedMatch per join key it matched stages of.
//
// State (state::RecordStore, keys prefixed with the stream's namespace):
//  * one record per join key (SequenceRecord: the key's recent events, the
//    state machine, what was reported), changed by read-modify-write of that
//    one record, written before its sequences are reported (a shared store
//    that refuses the write makes the stream read again and decide again);
//  * each event's payload (what the caller needs to write alerts), for
//    events that matched a positive stage (only those fill positions of
//    reported sequences; missing-event positions carry no event): outside
//    the namespace, once per event for all the streams of a store
//    (eql/event_payloads.h);
//  * the stream's newest window time and arrival counter, and the keys that
//    wait for a trailing missing-event decision (one small record each).
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
// Bounds (lookback L, disorder D, retention R, all in window time; D
// defaults to L, R to kDefaultMaxLagMs (util/time.h) and is never below D):
//  * W_k = the newest window time of key k's kept events. An event with
//    window time < W_k - D is late for k: Kibana would never have seen it
//    inside a run with the rest of its key. Lateness is judged per key, so
//    that other keys' events (another host's clock, another connection's
//    batch of a replay hours ahead) can neither make an event late nor keep
//    it from being late: any interleaving of keys that keeps each key's
//    events within D of each other gives the same sequences.
//  * W = the newest window time of the stream. An event with window time
//    < W - R is late for every key: R bounds how far one key may lag the
//    stream (clock skew, a concurrent sender's backlog) and so how long an
//    idle key's record is kept. It is counted and ignored.
//  * every sequence's window times span at most L (SequenceMachine);
//  * a key's events with window time < max(W_k - D, W - R) - L can never
//    join a sequence with a non-late event: they are dropped from its record
//    when the record is next changed, and records and payloads carry the
//    expiry time W - R - L reaches them at, for the store (ExpiryThreshold:
//    W);
//  * a sequence waiting for a trailing check is accepted once W - D passes
//    its deadline (the stream's clock, as Kibana's next run decides on what
//    has arrived by then; docs/semantics.md);
//  * caps: at most `max_events_per_key` kept events per key (the oldest go
//    first) and `max_records` live keys per stream; what a cap drops is
//    counted.
// With L = 0 and D < 0 nothing is late or dropped (tests, hunting-like use).
//
// Samples go through the same stream: when an event of a key arrives, the
// key's events not yet used, inside one lookback of its newest window time,
// are matched as Elasticsearch matches a key's events (sample_matcher.h);
// the samples found are reported and their events used up, so later
// samples of the key are made of later events. (Kibana re-runs the sample
// query every interval over its window; the first events of a busy key
// change as the window moves, giving about one sample per key per run.)
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "eql/event_payloads.h"
#include "eql/sequence_batch.h"
#include "eql/sequence_record.h"
#include "state/live_records.h"
#include "state/record_store.h"
#include "util/time.h"

namespace picket::eql {

struct StreamOptions {
  int64_t lookback_ms = 0;       // L; 0 = none
  int64_t max_disorder_ms = -2;  // D; -2 = same as L (or none without L); -1 = none
  int64_t retention_ms = -2;     // R; -2 = kDefaultMaxLagMs; -1 = none; raised to D at least
  size_t max_events_per_key = 4096;
  size_t max_records = 1000000;
  // The store holds no record of this stream yet (a fresh memory store): the
  // first Add need not scan the store for live keys to count (the scan visits
  // every record of every rule, so a run with many rules pays it per rule).
  bool store_starts_empty = false;
};

struct StreamEvent {
  uint64_t id = 0;  // stable identity: a resent event is recognised by it
  Ordinal ordinal;  // `seq` is set by the stream; `index` may be a temporary view
  TimeMs window_time = 0;
  // Read only when a match has a positive stage; may be empty otherwise.
  std::string_view payload;
};

struct StreamSequence {
  std::string key;
  std::vector<uint64_t> ids;          // per position; kMissingEvent at missing ones
  std::vector<std::string> payloads;  // per position; "" at missing ones
  TimeMs end = 0;                     // time of the last positive event
};

struct StreamStats {
  uint64_t events = 0;          // events given to Add that matched a stage or until
  uint64_t late = 0;            // ignored: older than its key's newest - D, or the stream's - R
  uint64_t resent = 0;          // (key, event) pairs already recorded
  uint64_t replays = 0;         // out-of-order arrivals that re-ran a key
  uint64_t sequences = 0;       // reported
  uint64_t dropped_keys = 0;    // keys refused by max_records
  uint64_t dropped_events = 0;  // events dropped by max_events_per_key
  uint64_t retries = 0;         // decisions taken again after a refused write
  uint64_t store_errors = 0;    // unreadable records, missing payloads, writes refused for good
};

class SequenceStream {
 public:
  using Emit = std::function<void(StreamSequence&&)>;

  // `ns` prefixes this stream's keys in the store (e.g. the rule uuid).
  // `payloads`: the event payloads shared with the other streams over
  // `store` (its owner calls NewEvent per event); null = the stream's own.
  SequenceStream(const SequencePlan* plan, state::RecordStore* store, std::string ns,
                 StreamOptions options, EventPayloads* payloads = nullptr);

  // Feeds one event. False when it was late.
  bool Add(const StreamEvent& event, std::span<const KeyedMatch> matches, const Emit& emit);

  // End of the input (`picket run`): sequences waiting for a trailing check
  // are accepted, as Elasticsearch decides over the data it has.
  void Flush(const Emit& emit);

  // Records and payloads whose expiry is below this can no longer change a
  // decision (for RecordStore::Expire); nullopt without a lookback.
  std::optional<TimeMs> ExpiryThreshold() const;

  const StreamStats& stats() const { return stats_; }
  // Live keys of this stream (records not expired by the watermark).
  int64_t live_records() const { return live_.count(); }

  // What the stream holds, by reading all its records (benchmarks, tests).
  // Payloads are shared: `payloads` counts those of every stream of the
  // store.
  struct Census {
    int64_t records = 0, pending = 0, waiting = 0, events = 0, record_bytes = 0, chunk_bytes = 0,
            payload_bytes = 0, payloads = 0;
  };
  Census TakeCensus();

 private:
  // `suffix`: bytes the caller appends (reserved at once).
  std::string Key(char kind, std::string_view rest, size_t suffix = 0) const;
  std::string ChunkKey(std::string_view join_key, uint64_t id) const;
  // Where payloads were kept, per stream, before they were shared.
  std::string LegacyPayloadKey(uint64_t id) const;
  TimeMs ChunkExpiry(TimeMs window_max) const;
  void Load();
  // Whether stepping an event that sorts after all of a key's kept events
  // reads them (leading or middle missing-event stages).
  bool NeedsHistoryInOrder() const { return (plan_->leading_mask() | plan_->middle_mask()) != 0; }
  bool SaveMeta();
  TimeMs ExpiresAt(const SequenceRecord& record) const;
  TimeMs RoundExpiry(TimeMs t) const;
  // The newest window time of the record's events (INT64_MIN: none).
  TimeMs KeyNewest(const SequenceRecord& record) const;
  // Window times below this are out of reach of every non-late event of
  // the record's key.
  std::optional<TimeMs> Cut(const SequenceRecord& record) const;
  // How far behind W a kept window time may be before it is out of reach:
  // R + L.
  int64_t Reach() const;
  // One read-modify-write of a key's record: `change(record, join_key,
  // out)` decides on the record (collecting sequences into `out`; false =
  // nothing to write); the record's new chunks and then its head are
  // written (or deleted when empty), then the sequences are reported.
  // Returns the record's wake time (kNoWake: none).
  template <typename Change>
  TimeMs Update(std::string_view join_key, bool create, Change&& change, const Emit& emit);
  // Reads the record's events from its chunks (they will be rewritten).
  bool LoadEvents(SequenceRecord* record, std::string_view join_key);
  void RewriteChunks(SequenceRecord* record, std::string_view join_key);
  void AppendToChunks(SequenceRecord* record, std::string_view join_key, const KeyedEvent& e);
  bool Step(SequenceRecord* record, const KeyedEvent& event, std::string_view join_key,
            std::vector<StreamSequence>* out);
  void SampleStep(SequenceRecord* record, std::string_view join_key,
                  std::vector<StreamSequence>* out);
  void Report(SequenceRecord* record, std::string_view join_key,
              std::vector<CompletedSequence>* done, std::vector<StreamSequence>* out);
  void Maintain(SequenceRecord* record, std::string_view join_key,
                std::vector<StreamSequence>* out);
  void Schedule(std::string_view join_key, TimeMs wake);
  void Advance(const Emit& emit);
  std::vector<std::string> TakeDue(TimeMs now);
  void Visit(std::string_view join_key, bool finish, const Emit& emit);

  const SequencePlan* plan_;
  state::RecordStore* store_;
  std::string ns_;
  StreamOptions options_;
  EventPayloads* payloads_;
  std::unique_ptr<EventPayloads> own_payloads_;
  int64_t disorder_ = -1;   // D resolved; -1 = none
  int64_t retention_ = -1;  // R resolved (>= D); -1 = none
  bool loaded_ = false;
  bool has_watermark_ = false;
  TimeMs watermark_ = 0;
  TimeMs advanced_to_ = INT64_MIN;
  TimeMs next_due_ = SequenceRecord::kNoWake;  // earliest entry of the due record
  uint64_t next_seq_ = 0;
  bool meta_saved_ = false;
  TimeMs saved_watermark_ = 0;
  // Live keys by expiry time, so that keys the watermark leaves behind stop
  // counting against max_records.
  state::LiveRecords live_;
  StreamStats stats_;
  uint64_t current_id_ = 0;
  bool current_late_ = false;      // the event in progress was late for a key
  std::vector<uint64_t> claimed_;  // last events of this event's sequences (usually none)
  // The record change in progress (Update): chunks to write before its
  // head, chunks to delete after it, whether its events were read.
  struct ChunkWrite {
    std::string key, bytes;
    TimeMs expiry;
  };
  std::vector<ChunkWrite> written_chunks_;
  std::vector<uint64_t> replaced_chunks_;
  bool events_loaded_ = false;
};

}  // namespace picket::eql
