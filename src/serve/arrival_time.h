// event.ingested, set on arrival as Elasticsearch's ingest does for Elastic
// Defend data, so that rules with timestamp_override = event.ingested (the
// seed's rules, and Elastic's prebuilt ones) judge a late-arriving event by
// when it arrived, not by a host clock or a backlog's age.
//
// What Elasticsearch stores: the Endpoint integration's pipeline sets
// event.ingested to {{_ingest.timestamp}} (nanoseconds), and Fleet's final
// pipeline, which runs after it on every Fleet-managed data stream, sets it
// again from _ingest.timestamp with the sub-seconds cut off, formatted
// ISO_OFFSET_DATE_TIME in UTC: "2026-03-02T14:05:13Z". Both overwrite a
// value the event brought. picket writes the same format but only where
// the event has no event.ingested: an event that carries one was ingested
// before (an export, a replay, another pipeline) and keeps its time.
//
// The stamp is added to the event's text as a top-level dotted key
// ("event.ingested", which Elasticsearch and picket read as the same
// field as a nested one), so rules and the stored alert source both see it;
// the alert id still derives from the bytes as received (alert_id.h).
#pragma once
#include <string>
#include <string_view>

#include "event/document.h"
#include "util/time.h"

namespace picket::serve {

// "2026-03-02T14:05:13Z" for `ms` (sub-seconds cut off, UTC).
std::string IngestedStamp(TimeMs ms);

// True when `raw` may lack event.ingested: a cheap text test before
// parsing (false = it certainly has the word "ingested" somewhere and
// the parsed document must decide, with NeedsIngested).
bool MayLackIngested(std::string_view raw);
// True when the parsed event has no event.ingested value and can take one.
bool NeedsIngested(event::Json doc);
// True when the event's top-level `event` is a scalar or an array, which a
// dotted event.ingested would contradict (Elasticsearch refuses such a
// document): such an event is left as it came.
bool EventFieldCannotHoldIngested(event::Json doc);

// `raw` (a JSON object) with "event.ingested":`stamp` added as its last
// key, into *out. False when raw does not end as an object (left alone).
bool AddIngested(std::string_view raw, std::string_view stamp, std::string* out);

}  // namespace picket::serve
