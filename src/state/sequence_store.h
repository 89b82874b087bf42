// Pending-sequence state for EQL sequence and sample rules.
//
// The matcher (eql/sequence_stream.h) keeps one record per rule and join key
// and makes every decision as a read-modify-write of that one record: Get,
// change, Put (or Erase). Records are opaque bytes to the store, so a store
// only needs a keyed byte map — memory, RocksDB, Redis (GET/SET/DEL).
//
// Besides records a store keeps:
//  * payloads: the events' bytes (what an alert needs), written once per
//    event and read when a sequence completes, filed by space (a rule's) and
//    event id. Each payload has an expiry time (event time) given when it is
//    written and again when it is read, so a store can file payloads by
//    expiry and drop whole spans of them (ExpirePayloads) without an index.
//  * schedules, one per space: keys to visit again at a given time (event
//    time), for decisions that wait for time to pass (a trailing
//    missing-event stage) and for dropping old state (Redis: a sorted set
//    per space).
//  * small named values (meta), e.g. a rule's newest event time.
//
// Times are event times (ms) chosen by the caller; the store never reads a
// clock. Not thread-safe; one thread at a time, like the term stores.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/time.h"

namespace picket::state {

class SequenceStore {
 public:
  virtual ~SequenceStore() = default;

  // Records. Get returns false when the key has none.
  virtual bool Get(std::string_view key, std::string* record) = 0;
  virtual void Put(std::string_view key, std::string_view record) = 0;
  virtual void Erase(std::string_view key) = 0;

  // Payloads, by space, id and expiry (the same expiry for Put and Get).
  virtual void PutPayload(std::string_view space, uint64_t id, TimeMs expires,
                          std::string_view payload) = 0;
  virtual bool GetPayload(std::string_view space, uint64_t id, TimeMs expires,
                          std::string* payload) = 0;
  // Drops the space's payloads whose expiry is before `now`.
  virtual void ExpirePayloads(std::string_view space, TimeMs now) = 0;

  // Schedules: `key` is returned by TakeDue(space, now) once `due` <= now. A
  // key may be scheduled more than once; each entry is returned once.
  virtual void Schedule(std::string_view space, TimeMs due, std::string_view key) = 0;
  // Removes up to `limit` entries of the space due at or before `now`,
  // earliest first, appending their keys to *keys.
  virtual void TakeDue(std::string_view space, TimeMs now, size_t limit,
                       std::vector<std::string>* keys) = 0;

  virtual std::optional<std::string> GetMeta(std::string_view name) = 0;
  virtual void PutMeta(std::string_view name, std::string_view value) = 0;

  virtual size_t records() const = 0;
  virtual size_t payloads() const = 0;
  // Bytes held in memory for all of the above (estimate, for benchmarks).
  virtual size_t memory_bytes() const = 0;

  // Makes every change so far durable (memory stores: nothing to do).
  virtual bool Sync(std::string* error) { return true; }
};

}  // namespace picket::state
