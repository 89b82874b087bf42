// The one decision every TermStore makes: given what is recorded for a
// combination of new-terms values, is a sighting at time `t` new?
//
// A record describes a run of sightings [first_seen, last_seen] in which no
// two consecutive sightings are more than one history window apart. The
// window is closed at both ends (project decision): a sighting is "seen"
// when an earlier-or-simultaneous sighting lies in [t - window, t].
//
//   no record                      -> new (alert), record {t, t}
//   t in [first_seen, last_seen]   -> seen, record unchanged
//   t after last_seen, gap <= w    -> seen, last_seen = t
//   t after last_seen, gap >  w    -> new, a new run {t, t} (the term was
//                                     forgotten, as Kibana forgets terms
//                                     older than history_window_start)
//   t before first_seen, gap <= w  -> a late event joining the run: it becomes
//                                     first_seen, no second alert
//   t before first_seen, gap >  w  -> an old sighting unrelated to the run;
//                                     it cannot be represented, so the record
//                                     is kept and the sighting is not new
//
// With learn_only (baseline loading, late events) the record is updated the
// same way but is_new is always false.
#pragma once
#include <cstdint>
#include <optional>

#include "state/term_store.h"

namespace picket::state {

ObserveResult DecideSighting(const std::optional<TermRecord>& before, TimeMs t, int64_t window_ms,
                             bool learn_only);

}  // namespace picket::state
