// Expiry bookkeeping shared by the units that keep records.
//
// The live records of one unit, counted by expiry time, so that records a
// watermark leaves behind stop counting against the unit's cap (a sequence
// stream's max_records, a threshold rule's max_groups) before the store
// itself drops them.
#pragma once
#include <cstdint>
#include <map>
#include <optional>

#include "util/time.h"

namespace picket::state {

// A record's expiry rounded up to 1/16 of the lookback (at least a second),
// so that a busy key keeps its expiry across events (stores re-file a
// record whose expiry changes); keeping a record a little longer changes no
// decision. INT64_MAX stays INT64_MAX.
TimeMs RoundExpiryUp(TimeMs t, int64_t lookback_ms);

class LiveRecords {
 public:
  // A record's expiry went from `before` to `after` (nullopt: the record
  // was not live / is no longer live).
  void Move(std::optional<TimeMs> before, std::optional<TimeMs> after);
  // Records whose expiry is below `cut` are no longer live.
  void DropBelow(TimeMs cut);
  int64_t count() const { return live_; }

 private:
  std::map<TimeMs, int64_t> by_expiry_;
  int64_t live_ = 0;
};

}  // namespace picket::state
