// Chooses, for one event, the conditions that can possibly match it, so that
// an event meets a handful of candidates instead of every rule's query. A
// condition is a rule's query, or one stage of an EQL sequence; each is
// described by its rule's index patterns and its kql::IndexFacts. Below, "rule"
// means such a condition.
//
// Three filters, all exact (they never drop a rule that would match):
//  * index patterns: a rule sees an event only when its patterns cover the
//    event's index (IndexPatterns; unknown index = every rule). The verdict
//    per distinct index name is cached in a plan.
//  * required terms: kql::IndexFacts::terms lists conjuncts every match
//    satisfies ("event.action is one of ...", "destination.domain ends with
//    one of ...", "destination.ip is ..."): exact keyword terms, prefixes
//    and suffixes of keyword terms, ip addresses. Each rule is filed under up
//    to three of them on different fields, the most selective first
//    (event.action before process.name before other fields before
//    host.os.type before event.type before event.category), as tuples of
//    alternatives; an event looks up the tuples of its own values of those
//    fields. A tuple is looked up from the field whose terms the fewest
//    rules share (process.name:"xattr" rather than event.action:exec,
//    which hundreds of rules name), among fields that start some tuple
//    anyway, so that an event visits only the groups its rarer values lead
//    to (OrderTuples). Alternatives are numbered per field when the index is built, so
//    an event's value is hashed once (plus once per distinct prefix and
//    suffix length of the field) and tuples are probed as integers. Only plain
//    keyword fields are used (not multi-fields such as *.caseless, whose
//    normalisers change matching). Case-insensitive constraints (EQL `:`,
//    like~, in~: RequiredTerms::lowered) are filed under a field of their
//    own whose event values are ASCII-lowered before the lookup.
//    A rule `common and (A or B ...)` whose branches all have terms is
//    filed under common + A, common + B, ...: a match meets one of them.
//  * required fields: a rule with no usable term but a conjunct that needs
//    a field to have a value (a range, a wildcard, `f:*`) is a candidate
//    only for events that have that field.
//  * an `or` whose branches each need a rarely present field (not
//    process.*, event.*, ...: IndexFacts::field_alternatives) without terms
//    in every branch: "has a value of the field" is a term of its branch
//    (RequiredTerms::presence, one key), filed as the branches of
//    `common and (A or B)` are, so `process where ((problemchild.prediction
//    == 1 and ...) or blocklist_label == 1)` meets only events with one of
//    those fields instead of every process event.
// Rules with none of these are candidates for every event of their indices.
//
// Field values come from the detector's kql::EvalContext, so a field the
// index reads is not walked again by the rules' matchers.
#pragma once
#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/index_name.h"
#include "event/document.h"
#include "event/field_types.h"
#include "kql/matcher.h"
#include "util/string_numbers.h"

namespace picket::engine {

// One condition to file: its rule's index patterns and what every match
// satisfies (null facts: a candidate for every event of its indices). Both
// are read only while the index is built.
struct IndexEntry {
  const std::vector<std::string>* index_patterns = nullptr;  // null = every index
  const kql::IndexFacts* facts = nullptr;
};

class RuleIndex {
 public:
  // `use_terms` false keeps only the index-pattern filter (used to check
  // that the term index changes no result).
  RuleIndex(const std::vector<IndexEntry>& entries, const event::FieldTypes& types,
            bool use_terms = true);

  // Positions (into the constructor's `entries`) of the candidates for
  // the event, in ascending order. `context` has been given the event
  // (EvalContext::NextEvent).
  void Candidates(event::Json doc, std::string_view index, kql::EvalContext* context,
                  std::vector<uint32_t>* out);

  // The fields the index reads (path, kql::FieldId): the detector finds
  // them in one walk of each event (event::FieldCollector) and hands them to
  // the context before calling Candidates.
  std::vector<std::pair<std::string, uint32_t>> fields() const;

  // Rules filed under terms, under a required field, and under nothing.
  size_t term_rules() const { return term_rules_; }
  size_t presence_rules() const { return presence_rules_; }
  size_t unindexed_rules() const { return unindexed_.size(); }
  // Groups the index looked into for the events so far: one per (group,
  // event value of the group's first field) met. A measure of the index's
  // own work per event (tests, benchmarks).
  uint64_t group_visits() const { return group_visits_; }

 private:
  static constexpr uint32_t kNoField = UINT32_MAX;
  static constexpr int kMaxTupleFields = 3;
  static constexpr int kValueBits = 21;  // value numbers per field; 3 fit in a key

  // Debian's abseil has its own string_view: hash std::string_view here.
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const;
  };

  // A field rules are filed under, with its numbered alternatives: exact
  // terms (or addresses, on an ip field), prefixes and suffixes, each kind
  // numbered in its own table. An alternative's key is number * 3 + kind.
  enum Kind : uint32_t { kExact = 0, kPrefix = 1, kSuffix = 2 };
  struct Affixes {
    StringNumbers numbers;
    std::vector<uint32_t> lengths;  // distinct, ascending
    // A filter before the hash lookup of an event value's affix of length
    // n: a bit per (n, the affix's first two bytes), set for every affix
    // held. A field with dozens of lengths (process.args, file.path) would
    // otherwise hash a substring per length for every value; most lengths
    // fail here in a few instructions.
    static constexpr uint32_t kFilterBits = 4096;
    std::array<uint64_t, kFilterBits / 64> filter{};
    static uint32_t Bit(uint32_t n, std::string_view affix) {
      const uint32_t b0 = static_cast<unsigned char>(affix[0]);
      const uint32_t b1 = affix.size() > 1 ? static_cast<unsigned char>(affix[1]) : 0;
      return ((n * 0x9E3779B1u) ^ (b0 * 0x85EBCA77u) ^ (b1 * 0xC2B2AE3Du)) >> 20;
    }
    void Mark(std::string_view affix) {
      const uint32_t bit = Bit(static_cast<uint32_t>(affix.size()), affix);
      filter[bit / 64] |= uint64_t{1} << (bit % 64);
    }
    bool MayHold(uint32_t n, std::string_view affix) const {
      const uint32_t bit = Bit(n, affix);
      return (filter[bit / 64] >> (bit % 64)) & 1;
    }
  };
  struct TermField {
    std::string path;
    uint32_t field_id = 0;  // kql::FieldId
    bool ip = false;        // values parsed as addresses
    bool affixes = false;   // for constraints with prefixes or suffixes
    bool lowered = false;   // values ASCII-lowered (RequiredTerms::lowered)
    bool presence = false;  // one key, for any value (RequiredTerms::presence)
    StringNumbers value_numbers;
    Affixes prefixes, suffixes;
    // Keys are below this.
    uint32_t key_space() const {
      return 3 * static_cast<uint32_t>(std::max(
                     {value_numbers.size(), prefixes.numbers.size(), suffixes.numbers.size()}));
    }
  };
  struct Group {  // rules filed under the same tuple of fields
    std::array<uint32_t, kMaxTupleFields> fields{kNoField, kNoField, kNoField};
    absl::flat_hash_map<uint64_t, std::vector<uint32_t>> rules_by_key;
  };
  // A group as a plan lists it under a first-field value.
  struct GroupRef {
    uint32_t second = kNoField, third = kNoField;  // its other fields
    const absl::flat_hash_map<uint64_t, std::vector<uint32_t>>* rules_by_key = nullptr;
  };
  struct PresenceField {
    std::string path;
    uint32_t field_id = 0;
    std::vector<uint32_t> rules;
  };
  // What one event index needs: the rules its patterns cover, and only the
  // groups, fields and unindexed rules that hold such a rule, so an
  // endpoint event never looks up the values of cloud rules' fields.
  struct IndexPlan {
    std::vector<char> covers;
    std::vector<uint32_t> unindexed;
    std::vector<char> has_group;         // per group: holds a rule of the index
    std::vector<uint32_t> first_fields;  // the first fields of those groups
    // As first_begin_ / first_groups_, keeping only those groups, each with
    // what a probe reads: an event walks one short flat list per value.
    std::vector<uint32_t> first_begin;
    std::vector<GroupRef> first_groups;
    std::vector<uint32_t> presence_fields;
  };

  IndexPlan& PlanFor(std::string_view index);
  void BuildPlan(const std::vector<char>& covers, IndexPlan* plan) const;
  void Add(uint32_t rule, std::vector<uint32_t>* out);
  static constexpr size_t kMaxBranches = 16;  // `or` branches a rule is filed under
  static std::vector<const kql::RequiredTerms*> UsableTerms(
      const std::vector<kql::RequiredTerms>& required, const event::FieldTypes& types);
  static void SortByRank(std::vector<const kql::RequiredTerms*>* terms);
  // A rule's tuple fields, chosen among its terms (most selective by rank
  // first), then ordered for lookup (OrderTuples) before being filed.
  struct Filing {
    uint32_t rule;
    std::vector<const kql::RequiredTerms*> chosen;
  };
  void ChooseTerms(uint32_t rule, std::vector<const kql::RequiredTerms*> terms,
                   std::vector<Filing>* filings);
  static void OrderTuples(std::vector<Filing>* filings);
  void FileUnderTerms(uint32_t rule, const std::vector<const kql::RequiredTerms*>& chosen);
  void IndexFirstValues();
  bool FileUnderPresence(uint32_t rule, const std::vector<std::string>& fields);
  PresenceField& PresenceSlot(const std::string& path);
  uint32_t TermFieldFor(const kql::RequiredTerms& terms);
  uint32_t KeyOf(uint32_t field, Kind kind, const std::string& text);
  void EventKeys(const TermField& field, event::Json value);
  void LookUp(event::Json doc, IndexPlan& plan, kql::EvalContext* context,
              std::vector<uint32_t>* out);

  size_t rules_count_ = 0;
  size_t term_rules_ = 0;
  size_t presence_rules_ = 0;
  std::vector<TermField> term_fields_;
  std::vector<Group> groups_;
  // The groups with a tuple that starts with value a of term field f are
  // first_groups_[first_begin_[first_base_[f] + a] .. first_begin_[... + 1]):
  // an event probes only the groups its own first-field values lead to, not
  // every group of its index. (Flat arrays: two loads, not a chain of
  // vectors, per value.)
  std::vector<uint32_t> first_base_;
  std::vector<uint32_t> first_begin_;
  std::vector<uint32_t> first_groups_;
  std::vector<PresenceField> presence_fields_;
  std::vector<uint32_t> unindexed_;
  std::vector<IndexPatterns> patterns_;

  // Node-based: plans keep their address (recent_plans_) as others are added.
  std::unordered_map<std::string, IndexPlan, StringHash, std::equal_to<>> plans_;
  struct RecentPlan {
    std::string index;
    IndexPlan* plan = nullptr;
  };
  std::array<RecentPlan, 8> recent_plans_;  // replaced in turn
  uint32_t next_recent_ = 0;
  static constexpr size_t kMaxPlanBytes = 64u << 20;
  size_t plan_bytes_ = 0;  // held by plans_, roughly
  IndexPlan all_;          // for events of no known index: every rule

  // Per event: the value numbers of each term field (unknown values
  // dropped), computed on first use in the event, kept in one array.
  struct EventNumbers {
    uint64_t generation = 0;
    uint32_t start = 0, count = 0;
  };
  std::vector<EventNumbers> event_numbers_;
  std::vector<uint32_t> event_values_;
  uint64_t numbers_generation_ = 0;
  std::string scratch_;
  std::string lowered_;          // an event value ASCII-lowered, for lowered fields
  std::vector<uint32_t> stamp_;  // stamp_[rule] == generation_: already added
  uint64_t group_visits_ = 0;
  uint32_t generation_ = 0;
};

}  // namespace picket::engine
