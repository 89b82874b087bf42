// The matching stage of detection (see engine/rule_unit.h): for one event,
// the index it belongs to and the conditions it matches. Stateless as far
// as results go — the same event always gives the same answer — so events
// can be matched on any number of threads, one EventMatcher per thread,
// while the decisions that follow stay on one thread in event order.
//
// Per event: the data stream fields and, with many conditions, every field
// the rule index reads are found in one walk of the document
// (event::FieldCollector); the rule index picks the candidate conditions for
// the event's index; their matchers test the event, sharing the field values
// found (kql::EvalContext).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/rule_index.h"
#include "engine/rule_unit.h"
#include "event/field_collector.h"
#include "event/field_types.h"
#include "kql/matcher.h"

namespace picket::engine {

// Every condition of every unit, in unit order (a unit's stages are
// consecutive). Built once; shared, read-only, by every EventMatcher.
struct ConditionSet {
  struct Entry {
    uint32_t unit = 0;   // position of the owning unit
    uint32_t stage = 0;  // the unit's own condition number
    const kql::Matcher* matcher = nullptr;
    const std::vector<std::string>* index_patterns = nullptr;  // the rule's `index`
    kql::IndexFacts facts;
  };
  std::vector<Entry> entries;
  std::shared_ptr<const event::FieldTypes> types;
};

struct MatchResult {
  std::string index;              // the event's index ("" = unknown: every rule sees it)
  std::vector<uint32_t> matched;  // positions in the ConditionSet, ascending
};

struct MatcherOptions {
  std::string default_index;   // index of events that carry none (`--index`)
  bool use_rule_index = true;  // off only to cross-check the index
};

class EventMatcher {
 public:
  EventMatcher(std::shared_ptr<const ConditionSet> conditions, MatcherOptions options);

  void Match(const EventRef& event, MatchResult* out);
  // The conditions the rule index picks for the event (a superset of those
  // Match finds), without matching them; not counted in candidate_counts
  // until CountCandidates. Valid until the next call.
  const std::vector<uint32_t>& Candidates(const EventRef& event);
  // Counts the last Candidates in candidate_counts, as Match would have.
  void CountCandidates() {
    for (uint32_t c : candidates_) ++candidate_counts_[c];
  }

  // Per condition: events the rule index made it a candidate for.
  const std::vector<uint64_t>& candidate_counts() const { return candidate_counts_; }

 private:
  void FindIndex(const EventRef& event, std::string* out);
  void FindCandidates(const EventRef& event, std::string* index);

  std::shared_ptr<const ConditionSet> conditions_;
  MatcherOptions options_;
  std::vector<const kql::Matcher*> matchers_;  // side by side: the rule objects stay cold
  std::unique_ptr<RuleIndex> index_;
  kql::EvalContext context_;
  struct DataStreamField {
    const char* path;
    uint32_t id;
  };
  DataStreamField data_stream_[3];  // type, dataset, namespace
  bool use_collector_ = false;
  event::FieldCollector collector_;   // the data stream and rule index fields
  std::vector<uint32_t> slot_of_id_;  // kql::FieldId -> collector slot + 1
  std::vector<uint32_t> candidates_;
  std::vector<uint64_t> candidate_counts_;
  std::string index_name_;  // Candidates' event index
};

}  // namespace picket::engine
