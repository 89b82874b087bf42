// Chooses, for one event, the rules that can possibly match it, so that an
// event meets a handful of candidate rules instead of all of them.
//
// Two filters, both exact (they never drop a rule that would match):
//  * index patterns: a rule sees an event only when its patterns cover the
//    event's index (IndexPatterns; unknown index = every rule). The verdict
//    per distinct index name is cached.
//  * required terms: kql::NecessaryTerms lists conjuncts every match
//    satisfies ("event.action is one of ..."). Each rule is filed under its
//    two most selective ones on different fields (event.action before
//    event.category before host.os.type), as value pairs, or under one when
//    it has only one; an event then looks up its own values of those few
//    fields (pairs: the product of its values). Rules with no usable required term are
//    candidates for every event. Only plain keyword fields are used (not
//    multi-fields such as *.caseless, whose normalisers change matching).
#pragma once
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/index_name.h"
#include "event/document.h"
#include "event/field_types.h"
#include "rules/rule.h"

namespace picket::engine {

class RuleIndex {
 public:
  // `use_terms` false keeps only the index-pattern filter (used to check
  // that the term index changes no result).
  RuleIndex(const std::vector<const rules::Rule*>& rules, const event::FieldTypes& types,
            bool use_terms = true);

  // Positions (into the constructor's `rules`) of the candidate rules for
  // the event, in ascending order.
  void Candidates(event::Json doc, std::string_view index, std::vector<uint32_t>* out);
  // The same in two steps (terms over every rule, then index patterns);
  // Candidates is faster when the index is known.
  void CandidatesByTerms(event::Json doc, std::vector<uint32_t>* out);
  void FilterByIndex(std::string_view index, std::vector<uint32_t>* out);

  size_t indexed_rules() const { return rules_count_ - unindexed_.size(); }
  const std::vector<std::string>& indexed_fields() const { return fields_; }

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using TermMap =
      std::unordered_map<std::string, std::vector<uint32_t>, StringHash, std::equal_to<>>;

  // What one event index needs: the rules its patterns cover, and only the
  // unindexed rules, term groups and fields that hold such a rule, so an
  // endpoint event never looks up the values of cloud rules' fields.
  struct IndexPlan {
    std::vector<char> covers;
    std::vector<uint32_t> unindexed;
    std::vector<uint32_t> groups;
    std::vector<uint32_t> fields;
  };
  const IndexPlan& PlanFor(std::string_view index);
  const std::vector<char>& CoverageFor(std::string_view index) { return PlanFor(index).covers; }
  void Add(uint32_t rule, std::vector<uint32_t>* out);
  void LookUpTerms(event::Json doc, const IndexPlan& plan, std::vector<uint32_t>* out);

  size_t rules_count_ = 0;
  struct Group {  // rules filed under the values of one field or a pair of fields
    uint32_t first = 0;
    uint32_t second = kNoField;
    TermMap rules_by_key;  // value, or first value + '\0' + second value
  };
  static constexpr uint32_t kNoField = UINT32_MAX;
  uint32_t FieldId(const std::string& field);
  Group& GroupFor(uint32_t first, uint32_t second);

  std::vector<std::string> fields_;  // distinct indexed fields
  std::vector<Group> groups_;
  // Per field, the values of the current event: views into the event, or
  // into owned_ for numbers and booleans (their keyword text).
  std::vector<std::vector<std::string_view>> event_values_;
  std::deque<std::string> owned_;
  std::vector<uint32_t> unindexed_;
  std::vector<IndexPatterns> patterns_;
  std::unordered_map<std::string, IndexPlan, StringHash, std::equal_to<>> plans_;
  IndexPlan all_;                // for events of no known index: every rule
  std::vector<uint32_t> stamp_;  // stamp_[rule] == generation_: already added
  uint32_t generation_ = 0;
  std::string scratch_;
  std::string key_;
};

}  // namespace picket::engine
