// What a streaming sequence matcher keeps for one rule and join key, in two
// kinds of store records:
//
//  * the head (this class, encoded by Encode): the state machine's pending
//    and waiting sequences, the fingerprints of the sequences already
//    reported (so that re-running the key's events after an out-of-order
//    arrival reports nothing twice), for samples the ids already used, the
//    newest event's ordinal, and the directory of chunks;
//  * chunks: the key's recent events (those that matched a stage or
//    `until`, without their payloads), at most kChunkEvents each; the chunks
//    in directory order hold the events in ordinal order.
//
// An event that comes after the key's newest one only touches the head and
// the last chunk, so its cost does not grow with the key's history; the
// events are read (LoadEvents) only to run the key again after an
// out-of-order arrival, and for plans that look at the history
// (missing-event stages, samples).
//
// Ordinal::index of the events views names owned by the record; a record is
// not copyable.
#pragma once
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "eql/sequence_machine.h"

namespace picket::eql {

class SequenceRecord {
 public:
  struct Reported {
    uint64_t fingerprint = 0;
    TimeMs window_min = 0;  // forgotten once its first event is
  };
  struct Chunk {
    // Names the chunk's store record. A chunk is never changed once a head
    // refers to it: a changed chunk is written under a new id (ChunkId), so
    // that a head whose write is refused (a shared store) leaves the chunks
    // of the committed head intact.
    uint64_t id = 0;
    uint32_t count = 0;
    TimeMs window_min = 0, window_max = 0;
  };
  static constexpr TimeMs kNoWake = INT64_MAX;
  static constexpr uint32_t kChunkEvents = 32;

  SequenceRecord(const SequencePlan* plan, MachineLimits limits);
  SequenceRecord(const SequenceRecord&) = delete;
  SequenceRecord& operator=(const SequenceRecord&) = delete;

  // Head.
  SequenceMachine machine;
  std::vector<Reported> reported;
  // Samples: events already part of a reported sample (fingerprint = the
  // event id), so that each event is used once and a resent one is not
  // taken for new.
  std::vector<Reported> consumed;
  TimeMs wake = kNoWake;  // the time the record is scheduled to be visited
  bool has_newest = false;
  Ordinal newest;  // of the last event in ordinal order
  std::vector<Chunk> chunks;
  uint64_t version = 0;  // counts the head's writes

  // The events, in ordinal order, when loaded (or built by the caller).
  std::vector<KeyedEvent> events;

  size_t event_count() const;
  TimeMs window_max() const;  // INT64_MIN without events
  // A view of `index` that lives as long as the record (it joins the
  // record's table of index names, which chunks refer to).
  std::string_view Intern(std::string_view index);
  // Keeps only the index names `events` and `newest` use (after the events
  // were loaded and changed); their views are moved to the new table.
  void CompactNames();
  const KeyedEvent* Find(uint64_t id) const;  // in `events`
  bool empty() const {
    return chunks.empty() && machine.empty() && reported.empty() && consumed.empty();
  }

  void Encode(std::string* out) const;
  // Replaces the head; false (and an empty record) on malformed bytes.
  bool Decode(std::string_view in);
  void Clear();

  // Chunk records: a version byte, then the events one after the other
  // (index names as positions in the head's table), so that appending an
  // event appends bytes. NewChunk starts one; AppendEvent adds to it;
  // DecodeEvents reads the first `count` events of a chunk into *out.
  static void NewChunk(std::string* out);
  void AppendEvent(const KeyedEvent& e, std::string* out);
  bool DecodeEvents(std::string_view in, size_t count, std::vector<KeyedEvent>* out);

 private:
  std::deque<std::string> names_;
};

// Identity of a reported sequence: the key and its events' ids.
uint64_t SequenceFingerprint(std::string_view key, const std::vector<uint64_t>& ids);

// The id of a chunk written by head version `version` for event
// `event_id`, at `position` among the chunks that write makes.
uint64_t ChunkId(uint64_t version, uint64_t event_id, uint32_t position);

}  // namespace picket::eql
