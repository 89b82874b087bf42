// What the rule index may assume of every event a condition matches, in a
// form independent of the query language: KQL queries, EQL event queries and
// EQL sequence stages all describe themselves this way, and the rule index
// files each condition by it (engine/rule_index.h).
#pragma once
#include <string>
#include <vector>

#include "event/field_types.h"
#include "kql/ast.h"
#include "kql/matcher.h"

namespace picket::engine {

struct IndexFacts {
  // Conjuncts every match satisfies: the field has one of the values as an
  // exact, case-sensitive keyword term (kql::NecessaryTerms).
  std::vector<kql::RequiredTerms> terms;
  // For top-level `or`s: each branch's terms; every match satisfies one
  // branch (kql::NecessaryAlternatives).
  std::vector<kql::TermBranches> alternatives;
  // Fields every match has a value of (kql::NecessaryFields).
  std::vector<std::string> fields;
};

IndexFacts KqlIndexFacts(const kql::Node& root, const event::FieldTypes& types);

}  // namespace picket::engine
