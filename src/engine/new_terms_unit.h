// `new_terms` rules, streaming (docs/engine.md, "new_terms rules").
//
// For a matching event with a usable time (the rule's timestamp_override,
// else @timestamp) and a value in every new-terms field, each combination of
// values (cartesian product, at most max_combinations per event) is observed
// in the shared TermStore; one alert per combination DecideSighting calls
// new. Every matching event refreshes the state.
//
// Late events: an event whose time is older than its arrival time
// (`event.ingested`) minus the rule's lookback (`from`) would have fallen
// outside every Kibana run window; it updates the state but never alerts.
// Lateness is judged per event from its own two times, so the order in which
// concurrent senders deliver events changes no verdict; an event without an
// arrival time is never late (in a file, its own time is its arrival).
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/event_time.h"
#include "engine/rule_unit.h"
#include "state/term_store.h"

namespace picket::engine {

class NewTermsUnit : public RuleUnit {
 public:
  NewTermsUnit(std::shared_ptr<const rules::Rule> rule, state::TermStore* store,
               std::shared_ptr<const event::FieldTypes> types, size_t max_combinations);

  void OnMatch(const MatchedEvent& event, std::span<const uint32_t> stages, bool learn_only,
               AlertOutput& out) override;
  // The sightings OnMatch will observe, staged in the store (same keys,
  // times and lateness; nothing counted).
  void Stage(const MatchedEvent& event, std::span<const uint32_t> stages, bool learn_only) override;

  // Entries whose last sighting plus the history window is older than the
  // newest arrival (or event time) minus the lookback: a future event that
  // is not late has a time at or after that, so it cannot meet them.
  std::optional<TimeMs> TermExpiryThreshold() const override;

 private:
  // The event's time (false: none, or a field without a value; *time says
  // which), its terms (in term_values_), arrival time and lateness; names
  // the event to stores that keep owners.
  bool Sighting(const MatchedEvent& event, EventTimeResult* time, std::optional<TimeMs>* arrival,
                bool* late);

  state::TermStore* store_;
  std::shared_ptr<const event::FieldTypes> types_;
  size_t max_combinations_;
  std::optional<TimeMs> newest_;  // newest arrival time (else event time) of a matching event
  std::vector<std::vector<std::string>> term_values_;
  std::vector<std::vector<std::string>> fresh_;
  std::string key_;
};

}  // namespace picket::engine
