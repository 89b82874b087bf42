// Sequences over a whole set of events, as Elasticsearch's `_eql/search`
// returns them (for `picket hunt --eql`).
//
// The caller adds every event that matched a stage or `until`, with its
// ordinal and its join keys (one KeyedMatch per key: multi-valued key fields
// give several, in JoinKeyProduct order); Run() feeds each key's events in
// ordinal order through a SequenceMachine and returns the sequences in
// Elasticsearch's order: by their last event's ordinal. With `size` and
// `result_position` (or the `head` / `tail` pipes) the first or last `size`
// of them. Missing-event checks see all events of the key, and sequences
// waiting for a trailing check are decided at the end of the data.
//
// Elasticsearch keeps one sequence per last event (see sequence_machine.h):
// when an event with several join keys completes sequences of more than one
// of them, the one whose key comes first wins.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "eql/sequence_machine.h"
#include "util/chunked_vector.h"
#include "util/string_numbers.h"
#include "util/string_set.h"

namespace picket::eql {

struct KeyedMatch {
  std::string key;      // encoded join key (sequence_key.h)
  uint64_t stages = 0;  // written stages the event matched with this key
  bool until = false;
};

struct SequenceHit {
  std::string key;
  std::vector<uint64_t> ids;  // event ids per position; kMissingEvent at missing ones
};

enum class ResultPosition { kHead, kTail };

class SequenceBatch {
 public:
  explicit SequenceBatch(const SequencePlan* plan, MachineLimits limits = {});

  // Adds an event and returns its id (0, 1, 2, ... in the order added).
  // `ordinal.index` must be a view returned by Intern().
  uint64_t Add(const Ordinal& ordinal, TimeMs window_time, std::span<const KeyedMatch> matches);
  // A stable copy of an index name for Ordinal::index.
  std::string_view Intern(std::string_view index);

  // The matching sequences, at most `size` (0 = all) from the head or tail.
  // Once: it consumes the events. With `finish` false, sequences still
  // waiting for a trailing missing-event check are left out (as a stream
  // that has not seen the rest of the data would).
  std::vector<SequenceHit> Run(size_t size, ResultPosition position, bool finish = true);

  size_t events() const { return events_.size(); }
  size_t keys() const { return keys_.size(); }

 private:
  // What Add() keeps is appended in arrival order to flat chunked arrays
  // (no per-key vector to find and grow for every event: those were cache
  // misses and reallocations); Run() groups the matches by key.
  struct Event {
    Ordinal ordinal;
    TimeMs window_time;
  };
  struct Match {
    uint64_t id;      // event id
    uint64_t stages;  // KeyedMatch::stages
    uint32_t key;     // number in keys_
    uint32_t order;   // position of this key among the event's keys
    bool until;
  };

  const SequencePlan* plan_;
  MachineLimits limits_;
  StringNumbers keys_;           // encoded join keys, numbered in order of first appearance
  ChunkedVector<Event> events_;  // by event id
  ChunkedVector<Match> matches_;
  StringSet names_;  // index names, interned
  bool multi_key_events_ = false;
};

}  // namespace picket::eql
