// The one place that knows every rule type: which unit runs a rule.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "engine/rule_unit.h"
#include "eql/event_payloads.h"
#include "event/field_types.h"
#include "state/record_store.h"
#include "state/term_store.h"

namespace picket::engine {

// The state stores units keep their decisions in (null = not available;
// rules that need a missing store are skipped).
struct StateStores {
  state::TermStore* terms = nullptr;      // first-seen terms (new_terms)
  state::RecordStore* records = nullptr;  // every other type's per-key records
  // No record in `records` predates this detector (a memory store that was
  // not loaded from a snapshot): sequence streams skip the scan for live keys
  // they would otherwise make when they start, once per rule over the whole
  // store (a top cost of `picket run` with the upstream snapshot).
  bool records_start_empty = false;
};

struct UnitSettings {
  std::shared_ptr<const event::FieldTypes> types;  // never null
  // Bound on new-terms combinations from one event (cartesian products of
  // large arrays); the rest are skipped and counted.
  size_t max_combinations_per_event = 10000;
  // How far one EQL join key or threshold group may lag the rule's newest
  // event (eql::StreamOptions::retention_ms, ThresholdLimits::max_lag_ms);
  // -2 = the default.
  int64_t max_lag_ms = -2;
  // The event payloads sequence units share over StateStores::records (one
  // stored copy per event, eql/event_payloads.h); null = each unit its own.
  eql::EventPayloads* sequence_payloads = nullptr;
};

// The unit that runs `rule`, or null with *why when picket cannot run it
// (type or language not supported, no compiled query, missing settings or
// store). Setup remarks about a rule that runs go to *warnings.
std::unique_ptr<RuleUnit> MakeRuleUnit(std::shared_ptr<const rules::Rule> rule,
                                       const StateStores& stores, const UnitSettings& settings,
                                       std::string* why, std::vector<std::string>* warnings);

}  // namespace picket::engine
