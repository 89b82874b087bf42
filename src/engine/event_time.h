// The times an event carries, as Kibana's detection engine reads them.
//
// * EventTime: the rule's time — its timestamp_override field, else
//   @timestamp (Kibana's combined timestamp). A present but unparsable
//   override is a problem, not a reason to fall back: Kibana would have
//   refused such a document at ingest.
// * ArrivalTime: when the event reached the store — `event.ingested`, which
//   Elasticsearch ingest pipelines (and `picket serve`) set on arrival. Events
//   read from files carry it only if their producer wrote it.
//
// A field value may be an ISO-8601 string or epoch milliseconds (number or
// digit string), as Elasticsearch's default date format accepts; the first
// value of an array decides.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "event/document.h"
#include "util/time.h"

namespace picket::engine {

enum class TimeSource { kOverride, kTimestamp, kNone };
struct EventTimeResult {
  std::optional<TimeMs> time;
  TimeSource source = TimeSource::kNone;
  std::string problem;  // why there is no time ("" when found)
};
EventTimeResult EventTime(event::Json doc, std::string_view timestamp_override);

// `event.ingested` as a date; nullopt when absent or not a date.
std::optional<TimeMs> ArrivalTime(event::Json doc);

}  // namespace picket::engine
