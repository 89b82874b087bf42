#include "engine/rule_index.h"

#include <algorithm>

#include "kql/matcher.h"

namespace picket::engine {

namespace {
// Lower is more selective. Fields not listed come after these, before the
// coarse OS/category fields.
int FieldRank(std::string_view field) {
  static const char* const kOrder[] = {
      "event.action",   "event.code",     "winlog.event_id", "process.name", "event.provider",
      "event.dataset",  "file.extension", "event.type",      "event.module", "event.category",
      "host.os.type",   "host.os.family", "os.type",
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

RuleIndex::RuleIndex(const std::vector<const rules::Rule*>& rules, const event::FieldTypes& types,
                     bool use_terms)
    : rules_count_(rules.size()), stamp_(rules.size(), 0) {
  for (uint32_t i = 0; i < rules.size(); ++i) {
    const rules::Rule& rule = *rules[i];
    patterns_.emplace_back(rule.index);
    const kql::RequiredTerms* best = nullptr;
    std::vector<kql::RequiredTerms> required;
    if (use_terms && rule.ast) required = kql::NecessaryTerms(*rule.ast, types);
    for (const auto& r : required) {
      if (r.values.empty() || !IndexableField(r.field, types)) continue;
      if (!best || FieldRank(r.field) < FieldRank(best->field)) best = &r;
    }
    if (!best) {
      unindexed_.push_back(i);
      continue;
    }
    auto it = std::find(fields_.begin(), fields_.end(), best->field);
    size_t f = it - fields_.begin();
    if (it == fields_.end()) {
      fields_.push_back(best->field);
      by_term_.emplace_back();
    }
    for (const std::string& value : best->values) {
      auto& list = by_term_[f][value];
      if (list.empty() || list.back() != i) list.push_back(i);
    }
  }
}

const std::vector<char>& RuleIndex::CoverageFor(std::string_view index) {
  auto it = coverage_.find(index);
  if (it != coverage_.end()) return it->second;
  if (coverage_.size() >= 4096) coverage_.clear();  // bound the cache
  std::vector<char> covers(rules_count_);
  for (size_t i = 0; i < rules_count_; ++i) covers[i] = patterns_[i].Covers(index);
  return coverage_.emplace(std::string(index), std::move(covers)).first->second;
}

void RuleIndex::Add(uint32_t rule, std::vector<uint32_t>* out) {
  if (stamp_[rule] == generation_) return;
  stamp_[rule] = generation_;
  out->push_back(rule);
}

void RuleIndex::Candidates(event::Json doc, std::string_view index, std::vector<uint32_t>* out) {
  CandidatesByTerms(doc, out);
  FilterByIndex(index, out);
}

void RuleIndex::CandidatesByTerms(event::Json doc, std::vector<uint32_t>* out) {
  out->clear();
  if (++generation_ == 0) {  // wrapped: reset stamps
    std::fill(stamp_.begin(), stamp_.end(), 0);
    generation_ = 1;
  }
  for (uint32_t r : unindexed_) Add(r, out);
  for (size_t f = 0; f < fields_.size(); ++f) {
    const TermMap& terms = by_term_[f];
    event::ForEachValue(doc, fields_[f], [&](event::Json value) {
      std::string_view text;
      if (value.is_string()) {
        text = value.get_string().value_unsafe();
      } else {
        scratch_.clear();
        if (!event::ScalarToKeyword(value, &scratch_)) return false;
        text = scratch_;
      }
      auto it = terms.find(text);
      if (it != terms.end())
        for (uint32_t r : it->second) Add(r, out);
      return false;
    });
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
