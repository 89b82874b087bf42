// The EQL query model: what an EQL query asks for, once parsed, verified
// and compiled. The engine's per-rule-type units and the sequence matcher
// code against this struct; it holds no matching state.
//
// A query is one of
//   * an event query   `category where cond`            -> `event`
//   * a sequence       `sequence [by k] [with maxspan=N] -> `stages` (+ until)
//                        [..] [..] ... [until [..]]`
//   * a sample         `sample [by k] [..] [..] ...`     -> `stages`
// followed by pipes (`| head N`, `| tail N`).
//
// Every filter (the event query, each stage, until) carries its condition
// tree and, after CompileQuery (eql/eql.h), a kql::Matcher that tests the
// event category and the condition together, plus the index facts the rule
// index files it under. Matchers implement kql::Matcher, so they share field
// values with every other rule through kql::EvalContext.
//
// Join keys: a stage's `keys` are the sequence's shared keys (`sequence by
// a`) followed by the stage's own (`[...] by b`), as Elasticsearch combines
// them; every stage, and until, has the same number of keys (the parser
// refuses anything else). A key is a field; `?field` keys are optional: an
// event without a value joins with null instead of being left out.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "eql/ast.h"
#include "kql/matcher.h"

namespace picket::eql {

struct JoinKey {
  std::string field;      // dotted path as written
  std::string read_path;  // where the matcher reads it (a multi-field's source); set by Compile
  bool optional = false;  // ?field
  uint32_t begin = 0, end = 0;
};

// What an event must have for a filter to match it: the rule index's
// language-independent description (exact, case-sensitive keyword terms
// only), so that a filter's facts go straight into an engine condition.
using IndexFacts = kql::IndexFacts;

struct Filter {
  std::string category;  // the event category; empty for `any`
  uint32_t category_begin = 0;
  std::unique_ptr<Expr> condition;  // the `where` clause as written
  uint32_t begin = 0, end = 0;      // span of the filter text (inside [ ] for stages)

  // Set by CompileQuery:
  std::shared_ptr<const kql::Matcher> matcher;  // category test AND condition
  IndexFacts facts;
};

struct Stage {
  Filter filter;
  std::vector<JoinKey> keys;  // shared keys first, then the stage's own
  int runs = 1;               // `with runs=N`: the stage repeats N times in a row
  bool missing = false;       // `![ ... ]`: an event that must NOT occur
  uint32_t begin = 0, end = 0;
};

enum class QueryType : uint8_t { kEvent, kSequence, kSample };

enum class PipeKind : uint8_t { kHead, kTail };
struct Pipe {
  PipeKind kind = PipeKind::kHead;
  int64_t count = 0;
  uint32_t begin = 0, end = 0;
};

struct Query {
  QueryType type = QueryType::kEvent;
  std::string text;  // the query as given

  Filter event;  // kEvent

  std::vector<JoinKey> shared_keys;  // `sequence by` / `sample by`, as written
  std::vector<Stage> stages;         // kSequence / kSample, in query order
  std::optional<Stage> until;        // kSequence
  int64_t maxspan_ms = 0;            // 0: no maxspan
  std::string maxspan_text;          // "5m" as written
  uint32_t maxspan_begin = 0;

  std::vector<Pipe> pipes;

  // The fields the query runs with (Elasticsearch's event_category_field,
  // timestamp_field and tiebreaker_field; a rule's event_category_override,
  // timestamp_override and tiebreaker_field).
  std::string event_category_field = "event.category";
  std::string timestamp_field = "@timestamp";
  std::string tiebreaker_field;  // empty: none

  // Number of stages once `runs` are unrolled (Elasticsearch's count).
  size_t UnrolledStageCount() const {
    size_t n = 0;
    for (const auto& s : stages) n += static_cast<size_t>(s.runs);
    return n;
  }
};

}  // namespace picket::eql
