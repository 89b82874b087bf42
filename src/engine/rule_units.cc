#include "engine/rule_units.h"

#include <fmt/format.h>

#include "engine/new_terms_unit.h"
#include "engine/query_unit.h"
#include "engine/sequence_unit.h"
#include "engine/threshold_unit.h"

namespace picket::engine {

std::unique_ptr<RuleUnit> MakeRuleUnit(std::shared_ptr<const rules::Rule> rule,
                                       const StateStores& stores, const UnitSettings& settings,
                                       std::string* why, std::vector<std::string>* warnings) {
  const rules::Rule& r = *rule;
  bool kuery = r.language == "kuery" && r.matcher;
  if (kuery && r.type == rules::RuleType::kQuery) return std::make_unique<QueryUnit>(rule);
  if (kuery && r.type == rules::RuleType::kNewTerms) {
    if (r.new_terms_fields.empty() || r.history_window_ms <= 0) {
      *why =
          fmt::format("new_terms rule has no new-terms fields or no usable history window ('{}')",
                      r.history_window_start);
      return nullptr;
    }
    if (!stores.terms) {
      *why = "new_terms rule needs a term store";
      return nullptr;
    }
    if (r.new_terms_fields.size() > 3)
      warnings->push_back(
          fmt::format("{}: rule '{}' has {} new-terms fields; Kibana allows at most 3 (picket "
                      "runs it anyway)",
                      r.path, r.name, r.new_terms_fields.size()));
    return std::make_unique<NewTermsUnit>(rule, stores.terms, settings.types,
                                          settings.max_combinations_per_event);
  }
  if (kuery && r.type == rules::RuleType::kThreshold) {
    if (!stores.records) {
      *why = "threshold rule needs a record store";
      return nullptr;
    }
    ThresholdLimits limits;
    limits.max_combinations_per_event = settings.max_combinations_per_event;
    limits.max_lag_ms = settings.max_lag_ms;
    return std::make_unique<ThresholdUnit>(rule, stores.records, settings.types, limits);
  }
  if (r.is_eql() && r.eql) {
    if (r.eql->type == eql::QueryType::kEvent) return std::make_unique<EqlEventUnit>(rule);
    if (!stores.records) {
      *why = "EQL sequence or sample rule needs a record store";
      return nullptr;
    }
    if (std::string invalid = SequenceSpecOf(*r.eql).Validate(); !invalid.empty()) {
      *why = "EQL " + invalid;
      return nullptr;
    }
    return std::make_unique<SequenceUnit>(rule, stores.records, settings.types,
                                          stores.records_start_empty, settings.max_lag_ms,
                                          settings.sequence_payloads);
  }
  *why = fmt::format("{} / {} is not supported", r.type_name, r.language);
  return nullptr;
}

}  // namespace picket::engine
