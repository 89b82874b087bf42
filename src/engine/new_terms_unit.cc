#include "engine/new_terms_unit.h"

#include <fmt/format.h>
#include <xxhash.h>

#include "engine/event_time.h"
#include "engine/new_terms.h"

namespace picket::engine {

NewTermsUnit::NewTermsUnit(std::shared_ptr<const rules::Rule> rule, state::TermStore* store,
                           std::shared_ptr<const event::FieldTypes> types, size_t max_combinations)
    : RuleUnit(std::move(rule)),
      store_(store),
      types_(std::move(types)),
      max_combinations_(max_combinations) {}

bool NewTermsUnit::Sighting(const MatchedEvent& event, EventTimeResult* time,
                            std::optional<TimeMs>* arrival, bool* late) {
  const rules::Rule& r = rule();
  *time = EventTime(event.ref.doc, r.timestamp_override);
  if (!time->time) return false;
  if (!CollectTermValues(event.ref.doc, r.new_terms_fields, types_.get(), &term_values_))
    return false;
  *arrival = ArrivalTime(event.ref.doc);
  *late = *arrival && *time->time < **arrival - r.lookback_ms;
  if (store_->wants_event_owner()) {
    std::string identity = EventIdentityOf(event);
    store_->SetEventOwner(XXH3_64bits(identity.data(), identity.size()));
  }
  return true;
}

void NewTermsUnit::Stage(const MatchedEvent& event, std::span<const uint32_t>, bool learn_only) {
  EventTimeResult time;
  std::optional<TimeMs> arrival;
  bool late = false;
  if (!Sighting(event, &time, &arrival, &late)) return;
  const rules::Rule& r = rule();
  ForEachCombination(term_values_, max_combinations_,
                     [&](const std::vector<std::string_view>& combination) {
                       BuildTermKey(rule_uuid(), combination, &key_);
                       store_->Stage(key_, *time.time, r.history_window_ms, learn_only || late);
                     });
}

void NewTermsUnit::OnMatch(const MatchedEvent& event, std::span<const uint32_t>, bool learn_only,
                           AlertOutput& out) {
  const rules::Rule& r = rule();
  RuleStats& s = stats();
  EventTimeResult time;
  std::optional<TimeMs> arrival;
  bool late = false;
  if (!Sighting(event, &time, &arrival, &late)) {
    if (!time.time) {
      ++s.no_time;
      out.Problem(event, "no usable time: " + time.problem);
    } else {
      ++s.missing_terms;
    }
    return;
  }
  const TimeMs t = *time.time;
  TimeMs now = arrival.value_or(t);
  if (!newest_ || now > *newest_) newest_ = now;
  if (late) ++s.late;
  if (learn_only) ++s.learned;
  bool observe_only = learn_only || late;

  fresh_.clear();
  size_t total = CombinationCount(term_values_);
  ForEachCombination(term_values_, max_combinations_,
                     [&](const std::vector<std::string_view>& combination) {
                       BuildTermKey(rule_uuid(), combination, &key_);
                       if (store_->Observe(key_, t, r.history_window_ms, observe_only).is_new)
                         fresh_.emplace_back(combination.begin(), combination.end());
                     });
  if (total > max_combinations_) {
    s.truncated_combinations += total - max_combinations_;
    out.Problem(event, fmt::format("{} new-terms combinations in one event; only the first {} were "
                                   "evaluated",
                                   total, max_combinations_));
  }
  for (auto& terms : fresh_) out.EventAlert(event, std::move(terms), t);
}

std::optional<TimeMs> NewTermsUnit::TermExpiryThreshold() const {
  if (!newest_) return std::nullopt;
  return *newest_ - rule().lookback_ms;
}

}  // namespace picket::engine
