#include "engine/max_signals.h"

namespace picket::engine {

TimeMs MaxSignalsBudget::BucketStart(TimeMs time, int64_t interval_ms) {
  if (interval_ms <= 0) return 0;
  TimeMs q = time / interval_ms;
  if (time % interval_ms < 0) --q;  // floor for times before the epoch
  return q * interval_ms;
}

MaxSignalsBudget::Verdict MaxSignalsBudget::Take(size_t rule, TimeMs time, int64_t interval_ms,
                                                 int max_signals) {
  if (rule >= buckets_.size()) buckets_.resize(rule + 1);
  std::map<TimeMs, uint64_t>& counts = buckets_[rule];
  uint64_t& taken = counts[BucketStart(time, interval_ms)];
  uint64_t before = taken++;
  if (counts.size() > kBucketsKept) counts.erase(counts.begin());
  // Kibana's schema requires max_signals >= 1; anything else gets its default.
  uint64_t cap = max_signals > 0 ? static_cast<uint64_t>(max_signals) : 100;
  if (before < cap) return Verdict::kAdmit;
  return before == cap ? Verdict::kFirstRefusal : Verdict::kRefused;
}

}  // namespace picket::engine
