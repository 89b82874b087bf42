// Compiles a KQL tree once into a matcher over JSON events, with
// Elasticsearch's semantics for each field's mapping (see docs/semantics.md):
// keyword terms exact and case-sensitive, wildcards full-match, text fields
// analysed (match / match_phrase), ip exact or CIDR, numbers numeric, dates
// parsed with date math in ranges, booleans. Missing fields match nothing;
// `not` is true for them. Wildcard field names are expanded over the event's
// own fields. Matching allocates nothing and builds no strings.
#pragma once
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "event/document.h"
#include "event/field_collector.h"
#include "event/field_types.h"
#include "kql/ast.h"
#include "util/time.h"

namespace picket::kql {

struct CompileOptions {
  // Anchor for date math ("now-7d") in range and date comparisons.
  TimeMs now = 0;  // 0 = the time of compilation
};

struct CompileError {
  uint32_t offset = 0;
  std::string message;
};

// Values of fields in the current event, shared by every rule evaluated on
// it: with hundreds of rules testing the same few fields (event.category,
// host.os.type, process.name, ...), each is found once per event. A field
// is walked (ForEachValue) on first use, unless its values were handed over
// from a FieldCollector that walked the event for several fields at once.
// Call NextEvent before evaluating rules on a new event; a context is used
// by one thread at a time.
class EvalContext {
 public:
  void NextEvent() {
    ++generation_;
    values_.clear();
    adopted_ = nullptr;
  }

  // Uses the values a collector found in the current event: field id has
  // slot slot_of_id[id] - 1 of the collector (0: not collected). Both must
  // outlive the event.
  void Adopt(const event::FieldCollector* collector, const std::vector<uint32_t>* slot_of_id) {
    adopted_ = collector;
    slot_of_id_ = slot_of_id;
  }

  // The values of field `id` (a FieldId) in `event`, the current event.
  // Objects are included, as ForEachValue gives them. Valid until the next
  // call of Values or Adopt.
  std::span<const event::Json> Values(uint32_t id, std::string_view path, event::Json event) {
    if (adopted_ && id < slot_of_id_->size()) {
      uint32_t collected = (*slot_of_id_)[id];
      if (collected) return adopted_->Values(collected - 1);
    }
    return Walked(id, path, event);
  }

 private:
  struct Slot {
    uint64_t generation = 0;
    uint32_t start = 0, count = 0;
  };
  std::span<const event::Json> Walked(uint32_t id, std::string_view path, event::Json event);
  Slot& SlotFor(uint32_t id) {
    if (id >= slots_.size()) slots_.resize(id + 1);
    return slots_[id];
  }
  uint64_t generation_ = 1;
  std::vector<Slot> slots_;
  std::vector<event::Json> values_;
  const event::FieldCollector* adopted_ = nullptr;
  const std::vector<uint32_t>* slot_of_id_ = nullptr;
};

// A process-wide small integer per distinct field path, for EvalContext.
uint32_t FieldId(std::string_view path);

class Matcher {
 public:
  virtual ~Matcher() = default;
  bool Matches(event::Json event) const { return Eval(event, nullptr); }
  // With a context, field values are shared across the matchers evaluated
  // on the same event.
  bool Matches(event::Json event, EvalContext* context) const { return Eval(event, context); }
  virtual bool Eval(event::Json event, EvalContext* context) const = 0;
};

// Boolean combinations of matchers, for compilers of other query languages
// onto kql::Matcher (EQL): all / any of the parts (short-circuit, in
// order), the negation, and a constant.
std::unique_ptr<Matcher> AllOf(std::vector<std::unique_ptr<Matcher>> parts);
std::unique_ptr<Matcher> AnyOf(std::vector<std::unique_ptr<Matcher>> parts);
std::unique_ptr<Matcher> Negation(std::unique_ptr<Matcher> m);
std::unique_ptr<Matcher> Constant(bool value);

struct CompileResult {
  std::unique_ptr<Matcher> matcher;  // null on error
  CompileError error;
  std::vector<std::string> warnings;
  // Predicates built, moved or indexed by field matchers while compiling:
  // about one per value of the query when compiling is linear (a test
  // checks it on long value lists, where quadratic work would show).
  size_t predicates_placed = 0;
  bool ok() const { return matcher != nullptr; }
};

CompileResult Compile(const Node& root, const event::FieldTypes& types,
                      const CompileOptions& options = {});

// A conjunct that every matching event satisfies: the field has one of
// `values` as an exact keyword term. Used to index rules so that an event
// meets only the rules it can match.
// Every match has a value of `field` that is one of `values`, or starts
// with one of `prefixes`, or ends with one of `suffixes`. On a keyword field
// (`ip` false) values are compared as exact, case-sensitive terms (as the
// field's keyword text: strings as they are, numbers and booleans as text).
// On an ip field (`ip` true) `values` are addresses as 16 bytes (IPv4
// mapped, util/ip.h) that an event's string value equals once parsed as an
// address; there are no prefixes or suffixes.
// With `lowered` (EQL's case-insensitive `:`, like~, in~), the values,
// prefixes and suffixes are ASCII-lowered and hold for the event's keyword
// text ASCII-lowered: a weaker constraint, still true of every match.
struct RequiredTerms {
  std::string field;
  std::vector<std::string> values;
  std::vector<std::string> prefixes;
  std::vector<std::string> suffixes;
  bool ip = false;
  bool lowered = false;
  // The rule index's own: "the field has a value" (no values listed).
  bool presence = false;
  size_t alternatives() const { return values.size() + prefixes.size() + suffixes.size(); }
};
// The term constraints among the top-level conjuncts of the query: keyword
// fields with exact terms or wildcards anchored at their start or end
// (`x*`, `*.xyz`; not `*x*`), ip fields with single addresses; negations
// and other field types are ignored. A field constrained in every branch of
// an `or` counts with the union of the branches' alternatives, and
// `f:(a and ...)` with a.
std::vector<RequiredTerms> NecessaryTerms(const Node& root, const event::FieldTypes& types);

// For each top-level conjunct that is an `or`, the NecessaryTerms of each of
// its branches: every match satisfies the top-level terms and the terms of
// at least one branch (so a rule can be indexed under each branch).
using TermBranches = std::vector<std::vector<RequiredTerms>>;
std::vector<TermBranches> NecessaryAlternatives(const Node& root, const event::FieldTypes& types);

// Concrete fields every matching event has a value of: the paths (as the
// matcher reads them, multi-fields mapped to their source) of top-level
// conjuncts that test a field positively (a value, a range, `f:*`, nested).
std::vector<std::string> NecessaryFields(const Node& root, const event::FieldTypes& types);

// What the rule index may assume of every event a condition matches, in a
// form independent of the query language: KQL queries, EQL event queries
// and EQL sequence stages all describe themselves this way, and the rule
// index (engine/rule_index.h) files each condition by it.
struct IndexFacts {
  // Conjuncts every match satisfies: the field has a value among the
  // alternatives (as NecessaryTerms).
  std::vector<RequiredTerms> terms;
  // For top-level `or`s: each branch's terms; every match satisfies one
  // branch (as NecessaryAlternatives).
  std::vector<TermBranches> alternatives;
  // Fields every match has a value of (as NecessaryFields).
  std::vector<std::string> fields;
  // For top-level `or`s whose branches each require fields: those fields,
  // per branch; every match has a value of every field of one branch
  // (EQL only: `(a.x == 1 and a.y > 0.9) or b == 1`).
  std::vector<std::vector<std::vector<std::string>>> field_alternatives;
};

// The IndexFacts of a KQL query.
IndexFacts KqlIndexFacts(const Node& root, const event::FieldTypes& types);

}  // namespace picket::kql
