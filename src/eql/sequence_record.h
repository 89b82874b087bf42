// What a streaming sequence matcher keeps for one rule and join key: the
// key's recent events (those that matched a stage or `until`, in ordinal
// order, without their payloads), the state machine's pending and waiting
// sequences, and the fingerprints of the sequences already reported (so
// that re-running the key's events after an out-of-order arrival reports
// nothing twice). For samples, the same events and the ids already used.
// Encoded as one byte string for a state::RecordStore.
//
// Ordinal::index of the events views names owned by the record; a record is
// not copyable.
#pragma once
#include <cstdint>
#include <deque>
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
  static constexpr TimeMs kNoWake = INT64_MAX;

  SequenceRecord(const SequencePlan* plan, MachineLimits limits);
  SequenceRecord(const SequenceRecord&) = delete;
  SequenceRecord& operator=(const SequenceRecord&) = delete;

  std::vector<KeyedEvent> events;  // ordinal order
  SequenceMachine machine;
  std::vector<Reported> reported;
  // Samples: events already part of a reported sample (fingerprint = the
  // event id), so that each event is used once and a resent one is not
  // taken for new.
  std::vector<Reported> consumed;
  TimeMs wake = kNoWake;  // the time the record is scheduled to be visited

  // A view of `index` that lives as long as the record.
  std::string_view Intern(std::string_view index);
  const KeyedEvent* Find(uint64_t id) const;
  bool empty() const {
    return events.empty() && machine.empty() && reported.empty() && consumed.empty();
  }

  void Encode(std::string* out) const;
  // Replaces the contents; false (and an empty record) on malformed bytes.
  bool Decode(std::string_view in);
  void Clear();

 private:
  std::deque<std::string> names_;
};

// Identity of a reported sequence: the key and its events' ids.
uint64_t SequenceFingerprint(std::string_view key, const std::vector<uint64_t>& ids);

}  // namespace picket::eql
