#include "state/sighting.h"

namespace picket::state {

namespace {
TermRecord Fresh(TimeMs t, int64_t window_ms) { return TermRecord{t, t, t + window_ms}; }
}  // namespace

ObserveResult DecideSighting(const std::optional<TermRecord>& before, TimeMs t, int64_t window_ms,
                             bool learn_only) {
  ObserveResult result;
  if (!before) {
    result.is_new = !learn_only;
    result.after = Fresh(t, window_ms);
    return result;
  }
  result.existed = true;
  result.before = *before;
  TermRecord after = *before;
  bool is_new = false;
  if (t >= after.first_seen && t <= after.last_seen) {
    // Inside the run: an earlier sighting within the window exists.
  } else if (t > after.last_seen) {
    if (t - after.last_seen <= window_ms) {
      after.last_seen = t;
    } else {
      after = Fresh(t, window_ms);
      is_new = true;
    }
  } else if (after.first_seen - t <= window_ms) {
    // Late event: it precedes the sighting that alerted and joins its run.
    after.first_seen = t;
  }
  // Else: far older than the run; nothing to record (see header).
  after.expires_at = after.last_seen + window_ms;
  result.after = after;
  result.is_new = is_new && !learn_only;
  return result;
}

}  // namespace picket::state
