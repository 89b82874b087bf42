// First-seen state for new_terms rules.
//
// A TermStore keeps, per key (an opaque byte string the engine builds from a
// rule and one combination of new-terms values), the first and last time the
// combination was seen in events matching the rule. The decision "is this
// sighting new?" is made by DecideSighting (state/sighting.h) so that every
// store (memory, RocksDB, Redis) answers the same way.
//
// Stores are not thread-safe unless they say so; the engine calls them from
// one thread.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/time.h"

namespace picket::state {

struct TermRecord {
  TimeMs first_seen = 0;
  TimeMs last_seen = 0;
  // When the entry may be forgotten: last_seen + the rule's history window.
  TimeMs expires_at = 0;
};

struct ObserveResult {
  bool is_new = false;   // the sighting starts a new first-seen record: alert
  bool existed = false;  // a record was there before
  TermRecord before;     // valid when existed
  TermRecord after;
};

class TermStore {
 public:
  virtual ~TermStore() = default;

  // Records a sighting of `key` at time `t` for a rule whose history window
  // is `window_ms`, and says whether it is new (DecideSighting). With
  // `learn_only` (baseline loading) the sighting is recorded and never new.
  virtual ObserveResult Observe(std::string_view key, TimeMs t, int64_t window_ms,
                                bool learn_only) = 0;

  virtual std::optional<TermRecord> Get(std::string_view key) const = 0;

  // Forgets entries with expires_at < now. Returns how many were dropped.
  virtual size_t Expire(TimeMs now) = 0;

  virtual size_t size() const = 0;
  // Bytes of memory held for the entries (estimate, for benchmarks/metrics).
  virtual size_t memory_bytes() const = 0;

  // Makes every change so far durable. In-memory stores return true.
  virtual bool Sync(std::string* error) { return true; }

  // Batching, for stores whose decisions cost a network round trip (Redis,
  // state/redis_term_store.h); local stores decide in Observe and ignore
  // these. Stage announces a sighting that Observe will be asked for later,
  // in the same order; ResolveStaged decides every staged sighting at once
  // (false with *error when the store cannot: then nothing may be
  // acknowledged); the Observe calls that follow answer from those
  // decisions. A sighting Observe is asked for without staging is decided
  // on its own.
  virtual void Stage(std::string_view key, TimeMs t, int64_t window_ms, bool learn_only) {}
  virtual bool ResolveStaged(std::string* error) { return true; }

  // Shared stores keep, with a sighting that was new, which event it came
  // from (a hash of its identity, as alert ids use it), so that the same
  // event sent again to any node is told "new" again and gives the same
  // alert. SetEventOwner names the event of the Stage/Observe calls that
  // follow; wants_event_owner() says whether the store uses it at all.
  virtual bool wants_event_owner() const { return false; }
  virtual void SetEventOwner(uint64_t owner) {}
};

}  // namespace picket::state
