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
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "eql/sequence_machine.h"
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

  size_t events() const { return ordinals_.size(); }
  size_t keys() const { return keys_.size(); }

 private:
  struct Entry {
    KeyedEvent event;
    uint32_t match_order;  // position of this key among the event's keys
  };
  struct Key {
    std::string key;
    std::vector<Entry> entries;
  };

  const SequencePlan* plan_;
  MachineLimits limits_;
  std::unordered_map<std::string, uint32_t> key_index_;
  std::vector<Key> keys_;
  std::vector<Ordinal> ordinals_;  // by event id
  StringSet names_;                // index names, interned
  bool multi_key_events_ = false;
};

}  // namespace picket::eql
