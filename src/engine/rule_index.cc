#include "engine/rule_index.h"

#include <algorithm>

#include "kql/matcher.h"

namespace picket::engine {

namespace {
// Lower is more selective. Fields not listed come after these, before the
// coarse OS/category fields.
int FieldRank(std::string_view field) {
  static const char* const kOrder[] = {
      "event.action",  "event.code",     "winlog.event_id", "process.name", "event.provider",
      "event.dataset", "file.extension", "event.type",      "event.module", "event.category",
      "host.os.type",  "host.os.family", "os.type",
  };
  for (size_t i = 0; i < std::size(kOrder); ++i)
    if (field == kOrder[i]) return i < 9 ? static_cast<int>(i) : static_cast<int>(i) + 100;
  return 50;
}

bool IndexableField(std::string_view field, const event::FieldTypes& types) {
  const event::FieldInfo* info = types.Find(field);
  if (!info) return true;  // unmapped fields are keyword
  if (info->type != event::FieldType::kKeyword) return false;
  return info->source_path.empty() || info->source_path == field;
}
}  // namespace

uint32_t RuleIndex::FieldId(const std::string& field) {
  auto it = std::find(fields_.begin(), fields_.end(), field);
  if (it != fields_.end()) return static_cast<uint32_t>(it - fields_.begin());
  fields_.push_back(field);
  return static_cast<uint32_t>(fields_.size() - 1);
}

RuleIndex::Group& RuleIndex::GroupFor(uint32_t first, uint32_t second) {
  for (Group& g : groups_)
    if (g.first == first && g.second == second) return g;
  groups_.push_back(Group{first, second, {}});
  return groups_.back();
}

RuleIndex::RuleIndex(const std::vector<const rules::Rule*>& rules, const event::FieldTypes& types,
                     bool use_terms)
    : rules_count_(rules.size()), stamp_(rules.size(), 0) {
  constexpr size_t kMaxPairs = 256;
  // Pairs pay off when many rules share a coarse first field (hundreds of
  // upstream rules on event.category:process); for a handful of rules one
  // field is cheaper to look up.
  const bool use_pairs = rules.size() > 32;
  for (uint32_t i = 0; i < rules.size(); ++i) {
    const rules::Rule& rule = *rules[i];
    patterns_.emplace_back(rule.index);
    std::vector<kql::RequiredTerms> required;
    if (use_terms && rule.ast) required = kql::NecessaryTerms(*rule.ast, types);
    const kql::RequiredTerms* best = nullptr;
    for (const auto& r : required) {
      if (r.values.empty() || !IndexableField(r.field, types)) continue;
      if (!best || FieldRank(r.field) < FieldRank(best->field)) best = &r;
    }
    if (!best) {
      unindexed_.push_back(i);
      continue;
    }
    const kql::RequiredTerms* second = nullptr;
    for (const auto& r : required) {
      if (!use_pairs) break;
      if (&r == best || r.field == best->field || r.values.empty() ||
          !IndexableField(r.field, types))
        continue;
      if (!second || FieldRank(r.field) < FieldRank(second->field)) second = &r;
    }
    if (second && best->values.size() * second->values.size() > kMaxPairs) second = nullptr;
    uint32_t f1 = FieldId(best->field);
    uint32_t f2 = second ? FieldId(second->field) : kNoField;
    Group& group = GroupFor(f1, f2);
    auto file = [&](const std::string& key) {
      auto& list = group.rules_by_key[key];
      if (list.empty() || list.back() != i) list.push_back(i);
    };
    for (const std::string& v1 : best->values) {
      if (!second) {
        file(v1);
        continue;
      }
      for (const std::string& v2 : second->values) file(v1 + '\0' + v2);
    }
  }
  event_values_.resize(fields_.size());
}

const RuleIndex::IndexPlan& RuleIndex::PlanFor(std::string_view index) {
  auto it = plans_.find(index);
  if (it != plans_.end()) return it->second;
  if (plans_.size() >= 4096) plans_.clear();  // bound the cache
  IndexPlan plan;
  plan.covers.resize(rules_count_);
  for (size_t i = 0; i < rules_count_; ++i) plan.covers[i] = patterns_[i].Covers(index);
  for (uint32_t r : unindexed_)
    if (plan.covers[r]) plan.unindexed.push_back(r);
  std::vector<char> field_used(fields_.size());
  for (uint32_t g = 0; g < groups_.size(); ++g) {
    bool any = false;
    for (const auto& [key, rules] : groups_[g].rules_by_key) {
      for (uint32_t r : rules) any |= plan.covers[r] != 0;
      if (any) break;
    }
    if (!any) continue;
    plan.groups.push_back(g);
    field_used[groups_[g].first] = 1;
    if (groups_[g].second != kNoField) field_used[groups_[g].second] = 1;
  }
  for (uint32_t f = 0; f < fields_.size(); ++f)
    if (field_used[f]) plan.fields.push_back(f);
  return plans_.emplace(std::string(index), std::move(plan)).first->second;
}

void RuleIndex::Add(uint32_t rule, std::vector<uint32_t>* out) {
  if (stamp_[rule] == generation_) return;
  stamp_[rule] = generation_;
  out->push_back(rule);
}

void RuleIndex::Candidates(event::Json doc, std::string_view index, std::vector<uint32_t>* out) {
  if (index.empty()) {
    CandidatesByTerms(doc, out);
    return;
  }
  LookUpTerms(doc, PlanFor(index), out);
  FilterByIndex(index, out);
}

void RuleIndex::CandidatesByTerms(event::Json doc, std::vector<uint32_t>* out) {
  if (all_.covers.empty()) {
    all_.covers.assign(rules_count_, 1);
    all_.unindexed = unindexed_;
    for (uint32_t g = 0; g < groups_.size(); ++g) all_.groups.push_back(g);
    for (uint32_t f = 0; f < fields_.size(); ++f) all_.fields.push_back(f);
  }
  LookUpTerms(doc, all_, out);
}

void RuleIndex::LookUpTerms(event::Json doc, const IndexPlan& plan, std::vector<uint32_t>* out) {
  out->clear();
  if (++generation_ == 0) {  // wrapped: reset stamps
    std::fill(stamp_.begin(), stamp_.end(), 0);
    generation_ = 1;
  }
  for (uint32_t r : plan.unindexed) Add(r, out);
  // The event's values of every field the plan needs, once.
  owned_.clear();
  for (uint32_t f : plan.fields) {
    std::vector<std::string_view>& values = event_values_[f];
    values.clear();
    event::ForEachValue(doc, fields_[f], [&](event::Json value) {
      if (value.is_string()) {
        values.push_back(value.get_string().value_unsafe());
        return false;
      }
      scratch_.clear();
      if (event::ScalarToKeyword(value, &scratch_)) values.push_back(owned_.emplace_back(scratch_));
      return false;
    });
  }
  std::string& key = key_;
  for (uint32_t gi : plan.groups) {
    const Group& g = groups_[gi];
    const auto& firsts = event_values_[g.first];
    if (firsts.empty()) continue;
    if (g.second == kNoField) {
      for (std::string_view v : firsts) {
        auto it = g.rules_by_key.find(v);
        if (it != g.rules_by_key.end())
          for (uint32_t r : it->second) Add(r, out);
      }
      continue;
    }
    const auto& seconds = event_values_[g.second];
    if (seconds.empty()) continue;
    for (std::string_view v1 : firsts)
      for (std::string_view v2 : seconds) {
        key.assign(v1).push_back('\0');
        key.append(v2);
        auto it = g.rules_by_key.find(key);
        if (it != g.rules_by_key.end())
          for (uint32_t r : it->second) Add(r, out);
      }
  }
  std::sort(out->begin(), out->end());
}

void RuleIndex::FilterByIndex(std::string_view index, std::vector<uint32_t>* out) {
  if (!index.empty() && !out->empty()) {
    const std::vector<char>& covers = CoverageFor(index);
    out->erase(std::remove_if(out->begin(), out->end(), [&](uint32_t r) { return !covers[r]; }),
               out->end());
  }
}

}  // namespace picket::engine
