#include "engine/query_unit.h"

#include "engine/event_time.h"

namespace picket::engine {

void QueryUnit::OnMatch(const MatchedEvent& event, std::span<const uint32_t>, bool learn_only,
                        AlertOutput& out) {
  if (learn_only) {
    ++stats().learned;
    return;
  }
  std::optional<TimeMs> time = EventTime(event.ref.doc, rule().timestamp_override).time;
  out.EventAlert(event, {}, time);
}

}  // namespace picket::engine
