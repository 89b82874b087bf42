// Per-key records of the stateful rule types other than first-seen terms:
// the pending sequences of one EQL join key, the counts of one threshold
// group, one alert-suppression window. Every decision a unit makes about a
// key is a read-modify-write of that key's record:
//
//     std::optional<std::string> old = store->Get(key);
//     ... decide from `old` and the event: new record, alerts to write ...
//     if (!store->Put(key, record, expires_at)) { re-read and decide again }
//     ... only now write the alerts ...
//
// so that the same code runs on one node (memory, RocksDB) and on a store
// shared by several nodes (Redis Cluster), where Put fails when another node
// changed the record since this node's Get and the decision is retried on
// the new record. Local stores never fail a Put. On a shared store a Get may
// be answered from what this node last read or wrote; only a successful Put
// proves the record was current, so a decision that alerts must Put (even
// an unchanged record) before it writes the alert.
//
// Keys are opaque bytes; each unit prefixes its own (rule uuid, a kind byte,
// the join key or group values, length-prefixed), so units never collide.
// Values are the unit's own encoding (keep a version byte in it).
//
// Changes are visible to later Gets at once and durable at Sync(): stores
// that persist (RocksDB) commit them in the same atomic write as the
// first-seen terms and serve's alert-log position (docs/serve.md).
//
// Expiry: a record carries `expires_at` (event time after which no decision
// can need it: the end of its window, maxspan or lookback); after
// Expire(now) with now > expires_at, Get no longer returns it and the store
// may drop it.
//
// Not thread-safe unless an implementation says so; the engine calls it
// from its deciding thread.
#pragma once
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "util/time.h"

namespace picket::state {

class RecordStore {
 public:
  virtual ~RecordStore() = default;

  virtual std::optional<std::string> Get(std::string_view key) = 0;

  // Sets the record of `key`. Returns false only for shared stores, when
  // the record changed since this caller's last Get of `key` (see above).
  virtual bool Put(std::string_view key, std::string_view value, TimeMs expires_at) = 0;

  // Removes the record of `key` (same return rule as Put).
  virtual bool Delete(std::string_view key) = 0;

  // Calls visit(key, value, expires_at) for every live record whose key
  // starts with `prefix`, in key order. For snapshots, tests and tools;
  // decisions use Get.
  using Visitor =
      std::function<void(std::string_view key, std::string_view value, TimeMs expires_at)>;
  virtual void Scan(std::string_view prefix, const Visitor& visit) = 0;

  // Forgets records with expires_at < now. Returns how many were dropped
  // (stores that drop in the background may count them later).
  virtual size_t Expire(TimeMs now) = 0;

  // Live records (an estimate for stores that expire in the background).
  virtual size_t size() const = 0;
  // Bytes held for the records (estimate, for benchmarks and metrics).
  virtual size_t memory_bytes() const = 0;

  // True when the bytes of every change are written out (a WAL, the
  // network), so that making values smaller saves I/O worth some CPU; false
  // for stores that only keep records in this process's memory.
  virtual bool changes_are_written_out() const { return true; }

  // Makes every change so far durable. In-memory stores return true.
  virtual bool Sync(std::string* error) { return true; }

  // Batching, for stores whose reads cost a network round trip (Redis,
  // state/redis_record_store.h); local stores ignore these. Stage announces
  // a key a decision of the coming batch will Get; ResolveStaged reads every
  // staged key at once (false with *error when the store cannot: nothing of
  // the batch may then be acknowledged).
  virtual void Stage(std::string_view key) {}
  virtual bool ResolveStaged(std::string* error) { return true; }
};

}  // namespace picket::state
