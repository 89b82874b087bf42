// The payloads of sequence events (what an alert needs of an event: its
// source, index, _id; the caller's bytes), stored once per event and shared
// by every sequence or sample rule over one record store.
//
// A payload depends only on the event, not on the rule, so storing it under
// each rule's namespace stored the same ~1.3 kB once per sequence rule the
// event matched: 82% of what `picket serve` committed (docs/serve-status.md).
//
// Key: "E" + the event id (8 bytes, little-endian), outside every unit's
// namespace (sequence streams use "Q" + 8 bytes, thresholds and suppression
// "T"...). Value: version byte, expires_at (8 bytes), the payload: as given
// (version 1) or, over stores that write changes out, from 256 bytes when it
// saves space, LZ4-compressed after its size (version 2). Both are read.
//
// Expiry. Each stream asks for its need: the event's window time plus its
// reach (retention + lookback: past that the event is out of reach of every
// record of the stream). The stored expiry is the largest asked so far, and a
// stream asks on every arrival of the event that matches one of its positive
// stages (also when the stream then finds it late or resent), so that a
// resend can never leave a stored expiry below the need of a record that
// still refers to the event. Finite needs are raised to the longest finite
// reach of the streams sharing the store (AddReach): the streams of one
// detector then all ask the same expiry, and an event is written once, not
// once per rule; the cost is keeping a payload for at most the difference
// between the longest and the shortest lookback (the retention, 24 h by
// default, dominates both).
//
// Writes. Within one event's decision (NewEvent to NewEvent) what was
// written is remembered (its id and expiry): the detector decides all rules
// of one event in a row, so the second and later rules of an event neither
// read nor write. Nothing is remembered across events, so that an event sent
// again after a group that was not committed (a failed commit or Redis
// write) is written again. A write is a RecordStore::Put, so
// it commits with the records that refer to the event (RocksDB: the same
// atomic write; the stream puts the payload before the record). A payload is
// immutable, so writing it again (a resend, another node) is harmless as long
// as the expiry never goes down: a Put refused by a shared store (Redis: the
// key exists and this node had not read it) is resolved by reading what is
// stored and writing again only with a larger expiry.
//
// Not thread-safe (the detector's deciding thread).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "state/record_store.h"
#include "util/time.h"

namespace picket::eql {

class EventPayloads {
 public:
  // Payloads are compressed (see above) only over stores that write every
  // change out (RecordStore::changes_are_written_out): in memory the CPU
  // would buy nothing.
  explicit EventPayloads(state::RecordStore* store)
      : store_(store), compress_(store->changes_are_written_out()) {}

  // A stream over this store keeps events this long past their window time
  // (INT64_MAX: for good). Call before the first Write.
  void AddReach(int64_t reach_ms);

  // A new event's decision starts: forget what the previous one wrote.
  void NewEvent() { has_last_ = false; }

  // Stores `payload` for event `id` unless already stored with an expiry at
  // least `window_time` + the reach (see above). False when the store
  // refused for good.
  bool Write(uint64_t id, TimeMs window_time, int64_t reach_ms, std::string_view payload);

  // The payload of `id`, if stored and not expired (nullopt too when the
  // stored value is damaged).
  std::optional<std::string> Read(uint64_t id);

  static std::string Key(uint64_t id);
  static constexpr char kKind = 'E';
  // Statistics: stored (Put) and skipped (already stored) writes.
  uint64_t puts() const { return puts_; }
  uint64_t skipped() const { return skipped_; }

 private:
  state::RecordStore* store_;
  bool compress_;
  int64_t max_finite_reach_ = 0;
  bool has_last_ = false;
  uint64_t last_id_ = 0;
  TimeMs last_expiry_ = 0;
  uint64_t puts_ = 0, skipped_ = 0;
};

}  // namespace picket::eql
