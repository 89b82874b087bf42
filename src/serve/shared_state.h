// State shared by several `picket serve` nodes (docs/redis.md), as the
// ingest pipeline sees it: decisions are made by the shared store while a
// group is decided (Evaluator::Stage / ResolveStaged), so that before the
// group's alerts are written the pipeline only needs to know that they all
// succeeded (and reached replicas, when asked): Commit. A failure is not
// fatal, unlike a local storage failure: the group is answered 503, its
// alerts are dropped, the shipper re-sends it (to this node or another),
// and deciding again gives the same alerts (state/redis_term_store.h,
// owners). While the store is known to be unreachable, Available() says so
// at once, so that requests are refused without waiting on it.
#pragma once
#include <cstddef>
#include <string>

namespace picket::serve {

class SharedState {
 public:
  virtual ~SharedState() = default;
  // A new group starts: a failure of the previous one is forgotten.
  virtual void BeginGroup() = 0;
  // Every decision of the group is in the store (and on the replicas asked
  // for); false with *error otherwise.
  virtual bool Commit(std::string* error) = 0;
  // The group failed with `error` (from ResolveStaged or Commit).
  virtual void GroupFailed(const std::string& error) = 0;
  // False with *reason while the store is known to be unreachable.
  virtual bool Available(std::string* reason) const = 0;
  // State entries it holds, for the stats (may lag).
  virtual size_t entries() const = 0;
};

}  // namespace picket::serve
