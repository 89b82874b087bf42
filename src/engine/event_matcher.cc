#include "engine/event_matcher.h"

#include "engine/index_name.h"

namespace picket::engine {

namespace {
// With many conditions the rule index asks each event for dozens of fields:
// one walk of the event for all of them and its data stream costs less than
// a walk per field. A few rules ask for a few fields, cheaper to find one by
// one. (Adding the fields of the rules' queries too was measured slower: an
// event meets only a couple of candidates, which read few fields.)
constexpr size_t kCollectorMinConditions = 32;
}  // namespace

EventMatcher::EventMatcher(std::shared_ptr<const ConditionSet> conditions, MatcherOptions options)
    : conditions_(std::move(conditions)), options_(std::move(options)) {
  std::vector<IndexEntry> entries;
  for (const ConditionSet::Entry& e : conditions_->entries) {
    matchers_.push_back(e.matcher);
    entries.push_back({e.index_patterns, &e.facts});
  }
  candidate_counts_.assign(entries.size(), 0);
  index_ = std::make_unique<RuleIndex>(entries, *conditions_->types, options_.use_rule_index);
  const char* const kDataStream[] = {"data_stream.type", "data_stream.dataset",
                                     "data_stream.namespace"};
  for (int i = 0; i < 3; ++i) data_stream_[i] = {kDataStream[i], kql::FieldId(kDataStream[i])};
  auto collect = [&](const std::string& path, uint32_t id) {
    uint32_t slot = collector_.Add(path);
    if (id >= slot_of_id_.size()) slot_of_id_.resize(id + 1, 0);
    slot_of_id_[id] = slot + 1;
  };
  use_collector_ = entries.size() > kCollectorMinConditions;
  if (use_collector_) {
    for (const DataStreamField& f : data_stream_) collect(f.path, f.id);
    for (const auto& [path, id] : index_->fields()) collect(path, id);
  }
}

void EventMatcher::FindIndex(const EventRef& event, std::string* out) {
  if (!event.index.empty()) {
    out->assign(event.index);
    return;
  }
  auto first_string = [&](const DataStreamField& f) {
    for (event::Json v : context_.Values(f.id, f.path, event.doc))
      if (v.is_string()) return v.get_string().value_unsafe();
    return std::string_view();
  };
  JoinDataStreamIndex(first_string(data_stream_[0]), first_string(data_stream_[1]),
                      first_string(data_stream_[2]), out);
  if (out->empty()) out->assign(options_.default_index);
}

void EventMatcher::FindCandidates(const EventRef& event, std::string* index) {
  // One context per event: the index name, the rule index and the
  // candidates' matchers share the field values it finds.
  context_.NextEvent();
  if (use_collector_) {
    collector_.Collect(event.doc);
    context_.Adopt(&collector_, &slot_of_id_);
  }
  FindIndex(event, index);
  index_->Candidates(event.doc, *index, &context_, &candidates_);
}

const std::vector<uint32_t>& EventMatcher::Candidates(const EventRef& event) {
  FindCandidates(event, &index_name_);
  return candidates_;
}

void EventMatcher::Match(const EventRef& event, MatchResult* out) {
  out->matched.clear();
  FindCandidates(event, &out->index);
  for (uint32_t c : candidates_) {
    ++candidate_counts_[c];
    if (matchers_[c]->Matches(event.doc, &context_)) out->matched.push_back(c);
  }
}

}  // namespace picket::engine
