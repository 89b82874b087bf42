#include "engine/threshold_group.h"

#include <algorithm>

#include "util/bytes.h"

namespace picket::engine {

namespace {
constexpr uint8_t kVersion = 1;
}

std::string ThresholdGroup::Encode() const {
  std::string out;
  out.push_back(static_cast<char>(kVersion));
  out.push_back(last_alerted ? 1 : 0);
  if (last_alerted) PutSignedVarint(&out, *last_alerted);
  PutVarint(&out, events.size());
  TimeMs previous = last_alerted.value_or(0);
  for (const Event& e : events) {
    PutSignedVarint(&out, e.time - previous);
    previous = e.time;
    PutFixed64(&out, e.id);
    PutVarint(&out, e.distinct.size());
    for (uint64_t h : e.distinct) PutFixed64(&out, h);
  }
  return out;
}

bool ThresholdGroup::Decode(std::string_view bytes, ThresholdGroup* group) {
  *group = ThresholdGroup();
  ByteReader r(bytes);
  if (r.Byte() != kVersion) return false;
  uint8_t has_last = r.Byte();
  if (has_last > 1) return false;
  if (has_last) group->last_alerted = r.SignedVarint();
  uint64_t n = r.Count(10);
  group->events.reserve(n);
  TimeMs previous = group->last_alerted.value_or(0);
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    Event e;
    e.time = previous + r.SignedVarint();
    previous = e.time;
    e.id = r.Fixed64();
    uint64_t k = r.Count(8);
    for (uint64_t j = 0; j < k; ++j) e.distinct.push_back(r.Fixed64());
    group->events.push_back(std::move(e));
  }
  return r.done();
}

TimeMs ThresholdGroup::NewestTime() const {
  TimeMs newest = last_alerted.value_or(INT64_MIN);
  if (!events.empty()) newest = std::max(newest, events.back().time);
  return newest;
}

void ThresholdGroup::DropBefore(TimeMs cut) {
  auto first_kept = std::lower_bound(events.begin(), events.end(), cut,
                                     [](const Event& e, TimeMs t) { return e.time < t; });
  events.erase(events.begin(), first_kept);
  if (last_alerted && *last_alerted < cut) last_alerted.reset();
}

size_t ThresholdGroup::Insert(Event event, size_t max_events) {
  auto at = std::upper_bound(events.begin(), events.end(), event.time,
                             [](TimeMs t, const Event& e) { return t < e.time; });
  events.insert(at, std::move(event));
  size_t dropped = 0;
  if (max_events && events.size() > max_events) {
    dropped = events.size() - max_events;
    events.erase(events.begin(), events.begin() + static_cast<std::ptrdiff_t>(dropped));
  }
  return dropped;
}

bool ThresholdGroup::Holds(uint64_t id) const {
  for (const Event& e : events)
    if (e.id == id) return true;
  return false;
}

uint64_t ThresholdGroup::DistinctCount() const {
  std::vector<uint64_t> all;
  for (const Event& e : events) all.insert(all.end(), e.distinct.begin(), e.distinct.end());
  std::sort(all.begin(), all.end());
  return static_cast<uint64_t>(std::unique(all.begin(), all.end()) - all.begin());
}

}  // namespace picket::engine
