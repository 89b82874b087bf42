#include "state/live_records.h"

#include <algorithm>
#include <climits>

namespace picket::state {

TimeMs RoundExpiryUp(TimeMs t, int64_t lookback_ms) {
  int64_t step = std::max<int64_t>(1000, lookback_ms / 16);
  if (t >= INT64_MAX - step) return INT64_MAX;
  TimeMs r = t % step;
  return r == 0 ? t : t + (r > 0 ? step - r : -r);
}

void LiveRecords::Move(std::optional<TimeMs> before, std::optional<TimeMs> after) {
  if (before == after) return;
  if (before) {
    auto it = by_expiry_.find(*before);
    if (it != by_expiry_.end()) {
      --live_;
      if (--it->second == 0) by_expiry_.erase(it);
    }
  }
  if (after) {
    ++by_expiry_[*after];
    ++live_;
  }
}

void LiveRecords::DropBelow(TimeMs cut) {
  while (!by_expiry_.empty() && by_expiry_.begin()->first < cut) {
    live_ -= by_expiry_.begin()->second;
    by_expiry_.erase(by_expiry_.begin());
  }
}

}  // namespace picket::state
