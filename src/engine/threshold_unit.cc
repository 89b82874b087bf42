#include "engine/threshold_unit.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <climits>
#include <cstring>

#include "engine/event_time.h"
#include "engine/new_terms.h"

namespace picket::engine {

namespace {
constexpr TimeMs kForever = INT64_MAX;
// A shared store refuses a write when another node changed the record
// since this node read it; the decision is taken again on the new record.
constexpr int kMaxAttempts = 8;
}  // namespace

ThresholdUnit::ThresholdUnit(std::shared_ptr<const rules::Rule> rule, state::RecordStore* records,
                             std::shared_ptr<const event::FieldTypes> types, ThresholdLimits limits)
    : RuleUnit(std::move(rule)), store_(records), types_(std::move(types)), limits_(limits) {
  // A short binary namespace: record keys are compared often in the stores.
  XXH64_hash_t ns = XXH3_64bits(rule_uuid().data(), rule_uuid().size());
  prefix_ = "T" + std::string(reinterpret_cast<const char*>(&ns), sizeof ns);
  group_prefix_ = prefix_ + "G";
}

bool ThresholdUnit::Groups(const MatchedEvent& event, std::optional<TimeMs>* time,
                           std::string* problem) {
  const rules::Rule& r = rule();
  EventTimeResult t = EventTime(event.ref.doc, r.timestamp_override);
  *time = t.time;
  if (!t.time) {
    *problem = t.problem.empty() ? "missing" : t.problem;
    return false;
  }
  combos_.clear();
  keys_.clear();
  if (r.threshold_fields.empty()) {
    combos_.emplace_back();
  } else {
    if (!CollectTermValues(event.ref.doc, r.threshold_fields, types_.get(), &values_)) return false;
    size_t total = CombinationCount(values_);
    ForEachCombination(values_, limits_.max_combinations_per_event,
                       [&](const std::vector<std::string_view>& combination) {
                         combos_.emplace_back(combination.begin(), combination.end());
                       });
    if (total > combos_.size()) stats().truncated_combinations += total - combos_.size();
  }
  std::string key;
  std::vector<std::string_view> values;
  for (const std::vector<std::string>& combo : combos_) {
    values.assign(combo.begin(), combo.end());
    BuildTermKey(group_prefix_, values, &key);
    keys_.push_back(key);
  }
  return true;
}

void ThresholdUnit::Load() {
  if (loaded_) return;
  loaded_ = true;
  if (std::optional<std::string> meta = store_->Get(prefix_ + "M")) {
    TimeMs w = 0;
    if (meta->size() == sizeof w) {
      std::memcpy(&w, meta->data(), sizeof w);
      watermark_ = saved_watermark_ = w;
    }
  }
  store_->Scan(group_prefix_, [&](std::string_view, std::string_view, TimeMs expires_at) {
    live_.Move(std::nullopt, expires_at);
  });
}

void ThresholdUnit::RaiseWatermark(TimeMs time) {
  if (watermark_ && time <= *watermark_) return;
  // W is written when it has moved on by a rounding step of the lookback
  // (state/live_records.h), not at every event: the stored W is never above
  // the true one, so after a restart the window's lower bound can only be a
  // step lower for the first events (an event that old is counted instead
  // of being late), never higher (no count is lost).
  bool write =
      !saved_watermark_ || time >= state::RoundExpiryUp(*saved_watermark_ + 1, rule().lookback_ms);
  for (int attempt = 0; write && attempt < kMaxAttempts; ++attempt) {
    std::string bytes(reinterpret_cast<const char*>(&time), sizeof time);
    if (store_->Put(prefix_ + "M", bytes, kForever)) {
      saved_watermark_ = time;
      break;
    }
    // Another node raised it: keep the larger.
    if (std::optional<std::string> meta = store_->Get(prefix_ + "M"); meta && meta->size() == 8) {
      TimeMs theirs;
      std::memcpy(&theirs, meta->data(), sizeof theirs);
      if (theirs >= time) {
        time = theirs;
        saved_watermark_ = theirs;
        break;
      }
    }
  }
  watermark_ = time;
  live_.DropBelow(time);
}

std::optional<TimeMs> ThresholdUnit::RecordExpiryThreshold() const { return watermark_; }

void ThresholdUnit::Stage(const MatchedEvent& event, std::span<const uint32_t>, bool) {
  std::optional<TimeMs> time;
  std::string problem;
  if (!Groups(event, &time, &problem)) return;
  for (const std::string& key : keys_) store_->Stage(key);
}

void ThresholdUnit::OnMatch(const MatchedEvent& event, std::span<const uint32_t>, bool learn_only,
                            AlertOutput& out) {
  Load();
  std::optional<TimeMs> time;
  std::string problem;
  if (!Groups(event, &time, &problem)) {
    if (!time) {
      ++stats().no_time;
      out.Problem(event, "no usable time: " + problem);
    } else {
      ++stats().missing_terms;
    }
    return;
  }
  if (learn_only) ++stats().learned;
  if (watermark_ && *time < *watermark_ - MaxLag()) {
    ++stats().late;  // beyond what any group may lag the rule
    return;
  }
  RaiseWatermark(*time);
  ThresholdGroup::Event held;
  held.time = *time;
  std::string identity = EventIdentityOf(event);
  held.id = XXH3_64bits(identity.data(), identity.size());
  if (!rule().threshold_cardinality.empty()) {
    std::vector<std::vector<std::string>> values;
    if (CollectTermValues(event.ref.doc, {rule().threshold_cardinality[0].field}, types_.get(),
                          &values))
      for (const std::string& v : values[0])
        held.distinct.push_back(XXH3_64bits(v.data(), v.size()));
  }
  late_for_a_group_ = false;
  for (size_t c = 0; c < keys_.size(); ++c) Decide(c, held, learn_only, event, out);
  if (late_for_a_group_) ++stats().late;
}

int64_t ThresholdUnit::MaxLag() const {
  return EffectiveMaxLag(limits_.max_lag_ms, rule().lookback_ms);
}

TimeMs ThresholdUnit::ExpiryOf(const ThresholdGroup& group) const {
  TimeMs newest = group.NewestTime();
  const int64_t reach = MaxLag() + rule().lookback_ms;
  if (newest >= INT64_MAX - reach) return INT64_MAX;
  return state::RoundExpiryUp(newest + reach, rule().lookback_ms);
}

ThresholdResult ThresholdUnit::ResultOf(size_t combo, const ThresholdGroup& group) const {
  const rules::Rule& r = rule();
  ThresholdResult result;
  for (size_t i = 0; i < r.threshold_fields.size(); ++i)
    result.terms.push_back({r.threshold_fields[i], combos_[combo][i]});
  result.count = group.events.size();
  result.from = group.events.front().time;
  result.last = group.events.back().time;
  if (!r.threshold_cardinality.empty())
    result.cardinality.emplace(r.threshold_cardinality[0].field, group.DistinctCount());
  return result;
}

void ThresholdUnit::Decide(size_t combo, const ThresholdGroup::Event& event, bool learn_only,
                           const MatchedEvent& matched, AlertOutput& out) {
  const rules::Rule& r = rule();
  const std::string& key = keys_[combo];
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    ThresholdGroup group;
    std::optional<std::string> old = store_->Get(key);
    if (old && !ThresholdGroup::Decode(*old, &group)) {
      out.Problem(matched, "a threshold group's state is unreadable; the group starts afresh");
      group = ThresholdGroup();
    }
    // The group as max_groups counts it: live while W - lookback has not
    // passed its newest time.
    std::optional<TimeMs> before;
    if (old && !group.empty() && ExpiryOf(group) >= *watermark_) before = ExpiryOf(group);
    // The group's own clock: its window ends at its newest event, so that
    // another group's events (a clock ahead, a sender ahead) change nothing.
    TimeMs newest = std::max(group.NewestTime(), event.time);  // NewestTime: INT64_MIN if empty
    if (event.time < newest - r.lookback_ms) {
      late_for_a_group_ = true;
      return;
    }
    group.DropBefore(newest - r.lookback_ms);
    // Kibana's signal history: events at or before the last alerted one
    // were counted by that alert.
    if (group.last_alerted && event.time <= *group.last_alerted) return;
    if (group.Holds(event.id)) return;  // sent again: counted already
    if (!before && live_.count() >= static_cast<int64_t>(limits_.max_groups)) {
      ++stats().dropped_groups;
      return;
    }
    size_t dropped = group.Insert(event, limits_.max_events_per_group);
    bool reached =
        group.events.size() >= static_cast<uint64_t>(r.threshold_value) &&
        (r.threshold_cardinality.empty() ||
         group.DistinctCount() >= static_cast<uint64_t>(r.threshold_cardinality[0].value));
    ThresholdGroup next;
    if (reached) {
      next.last_alerted = group.events.back().time;
    } else {
      next = group;
    }
    if (!store_->Put(key, next.Encode(), ExpiryOf(next))) continue;
    stats().dropped_events += dropped;
    live_.Move(before, ExpiryOf(next));
    if (!reached || learn_only) return;
    if (out.ThresholdAlert(ResultOf(combo, group), matched)) return;
    // Not written (max_signals): Kibana records no history for it, so the
    // group keeps its events and alerts again with its next event.
    if (store_->Put(key, group.Encode(), ExpiryOf(group)))
      live_.Move(ExpiryOf(next), ExpiryOf(group));
    return;
  }
  out.Problem(matched, "a threshold group's record kept changing under this node; event skipped");
}

}  // namespace picket::engine
