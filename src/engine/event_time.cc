#include "engine/event_time.h"

#include <cmath>

namespace picket::engine {

namespace {
// Parses one date value; sets *present when the field has any value.
std::optional<TimeMs> DateValue(event::Json doc, std::string_view field, bool* present) {
  std::optional<TimeMs> result;
  *present = false;
  event::ForEachValue(doc, field, [&](event::Json value) {
    *present = true;
    if (value.is_string()) {
      if (auto d = ParseDate(value.get_string().value_unsafe())) result = d->ms;
    } else if (value.is_int64()) {
      result = value.get_int64().value_unsafe();
    } else if (value.is_uint64()) {
      uint64_t u = value.get_uint64().value_unsafe();
      if (u <= static_cast<uint64_t>(INT64_MAX)) result = static_cast<TimeMs>(u);
    } else if (value.is_double()) {
      double d = value.get_double().value_unsafe();
      if (std::isfinite(d) && std::fabs(d) < 9e15) result = static_cast<TimeMs>(d);
    }
    return true;  // the first value decides, as a min over one value would
  });
  return result;
}
}  // namespace

EventTimeResult EventTime(event::Json doc, std::string_view timestamp_override) {
  EventTimeResult r;
  bool present = false;
  if (!timestamp_override.empty()) {
    r.time = DateValue(doc, timestamp_override, &present);
    if (r.time) {
      r.source = TimeSource::kOverride;
      return r;
    }
    if (present) {
      r.problem = std::string(timestamp_override) + " is not a date";
      return r;
    }
  }
  r.time = DateValue(doc, "@timestamp", &present);
  if (r.time) {
    r.source = TimeSource::kTimestamp;
    return r;
  }
  r.problem = present ? "@timestamp is not a date"
                      : (timestamp_override.empty()
                             ? std::string("no @timestamp")
                             : "no " + std::string(timestamp_override) + " and no @timestamp");
  return r;
}

std::optional<TimeMs> ArrivalTime(event::Json doc) {
  bool present = false;
  return DateValue(doc, "event.ingested", &present);
}

}  // namespace picket::engine
