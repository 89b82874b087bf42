// Compiles a KQL tree once into a matcher over JSON events, with
// Elasticsearch's semantics for each field's mapping (see docs/semantics.md):
// keyword terms exact and case-sensitive, wildcards full-match, text fields
// analysed (match / match_phrase), ip exact or CIDR, numbers numeric, dates
// parsed with date math in ranges, booleans. Missing fields match nothing;
// `not` is true for them. Wildcard field names are expanded over the event's
// own fields. Matching allocates nothing and builds no strings.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "event/document.h"
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

class Matcher {
 public:
  virtual ~Matcher() = default;
  virtual bool Matches(event::Json event) const = 0;
};

struct CompileResult {
  std::unique_ptr<Matcher> matcher;  // null on error
  CompileError error;
  std::vector<std::string> warnings;
  bool ok() const { return matcher != nullptr; }
};

CompileResult Compile(const Node& root, const event::FieldTypes& types,
                      const CompileOptions& options = {});

// A conjunct that every matching event satisfies: the field has one of
// `values` as an exact keyword term. Used to index rules so that an event
// meets only the rules it can match.
struct RequiredTerms {
  std::string field;
  std::vector<std::string> values;
};
// The exact-keyword constraints among the top-level conjuncts of the query
// (ignoring wildcards, negations and non-keyword fields).
std::vector<RequiredTerms> NecessaryTerms(const Node& root, const event::FieldTypes& types);

}  // namespace picket::kql
