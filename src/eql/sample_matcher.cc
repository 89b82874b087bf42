#include "eql/sample_matcher.h"

#include <algorithm>

#include "eql/sequence_key.h"

namespace picket::eql {

namespace {

// SampleIterator.match: depth-first, first candidates first.
void Match(size_t stage, const std::vector<std::vector<uint64_t>>& stages,
           std::vector<uint64_t>* partial, size_t max_samples,
           std::vector<std::vector<uint64_t>>* result) {
  for (uint64_t id : stages[stage]) {
    if (std::find(partial->begin(), partial->end(), id) != partial->end()) continue;
    partial->push_back(id);
    if (stage + 1 == stages.size())
      result->push_back(*partial);
    else
      Match(stage + 1, stages, partial, max_samples, result);
    if (result->size() == max_samples) return;
    partial->pop_back();
  }
}

}  // namespace

std::vector<std::vector<uint64_t>> MatchSamples(const std::vector<std::vector<uint64_t>>& stages,
                                                size_t max_samples) {
  std::vector<std::vector<uint64_t>> result;
  for (const auto& s : stages)
    if (s.empty()) return result;
  if (stages.empty() || max_samples == 0) return result;
  std::vector<uint64_t> partial;
  Match(0, stages, &partial, max_samples, &result);
  return result;
}

int CompareDocumentOrder(const Ordinal& a, const Ordinal& b) {
  if (int c = a.index.compare(b.index)) return c < 0 ? -1 : 1;
  return a.seq < b.seq ? -1 : (a.seq > b.seq ? 1 : 0);
}

SampleBatch::SampleBatch(size_t stages, size_t max_samples_per_key)
    : stages_(stages), max_samples_(max_samples_per_key < 1 ? 1 : max_samples_per_key) {}

std::string_view SampleBatch::Intern(std::string_view index) {
  return picket::Intern(&names_, index);
}

uint64_t SampleBatch::Add(const Ordinal& ordinal, std::span<const KeyedMatch> matches) {
  uint64_t id = ordinals_.size();
  ordinals_.push_back(ordinal);
  for (const KeyedMatch& m : matches) {
    if (m.stages == 0) continue;
    auto& lists = by_key_[m.key];
    lists.resize(stages_);
    for (size_t s = 0; s < stages_; ++s)
      if ((m.stages >> s) & 1)
        if (lists[s].empty() || lists[s].back() != id) lists[s].push_back(id);
  }
  return id;
}

std::vector<SampleHit> SampleBatch::Run(size_t size) {
  std::vector<const std::string*> keys;
  for (auto& [key, lists] : by_key_) {
    bool all = true;
    for (const auto& l : lists) all &= !l.empty();
    if (all) keys.push_back(&key);
  }
  std::sort(keys.begin(), keys.end(),
            [](const std::string* a, const std::string* b) { return CompareJoinKeys(*a, *b) < 0; });
  const size_t per_stage = stages_ + max_samples_ - 1;
  std::vector<SampleHit> hits;
  for (const std::string* key : keys) {
    auto& lists = by_key_[*key];
    for (auto& l : lists) {
      std::stable_sort(l.begin(), l.end(), [&](uint64_t a, uint64_t b) {
        return CompareDocumentOrder(ordinals_[a], ordinals_[b]) < 0;
      });
      if (l.size() > per_stage) l.resize(per_stage);
    }
    for (auto& ids : MatchSamples(lists, max_samples_)) {
      hits.push_back({*key, std::move(ids)});
      if (size > 0 && hits.size() == size) return hits;
    }
  }
  return hits;
}

}  // namespace picket::eql
