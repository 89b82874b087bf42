// `query` rules: one alert per matching event (Kibana's query rule type).
// No state. The alert's event time (for max_signals) is the rule's time of
// the event when it has one.
#pragma once
#include "engine/rule_unit.h"

namespace picket::engine {

class QueryUnit : public RuleUnit {
 public:
  using RuleUnit::RuleUnit;
  void OnMatch(const MatchedEvent& event, std::span<const uint32_t> stages, bool learn_only,
               AlertOutput& out) override;
};

}  // namespace picket::engine
