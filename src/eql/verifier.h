// Verification of an EQL query against field mappings, as Elasticsearch's
// analyzer and verifier do before running a query: fields resolve to mapped
// types, functions to the function reference, and every operator and
// function argument is checked for the types Elasticsearch accepts, with
// Elasticsearch's messages ("Unknown column [x], did you mean [y]?",
// "first argument of [:] must be [string], found value [pid] type [long];
// consider using [==] instead", "[length(message)] cannot operate on field
// of data type [text]: ...", "Comparisons against fields are not
// (currently) supported; ...", "Condition expression needs to be boolean,
// found [LONG]", "Sequence key [b] type [keyword] is incompatible with key
// [a] type [long]", ...).
//
// Unknown fields: Elasticsearch refuses a field the index mapping does not
// have unless it is written `?field` (then it is null). picket only knows
// the whole mapping when one is given (complete_mapping); with the built-in
// ECS table a field missing from it is accepted and typed per value, as a
// dynamically mapped field would be.
//
// Verification annotates the tree in place: every Expr gets its type,
// fields their read path, mapping type and ignore_above, functions their
// id; a `?field` absent from a complete mapping becomes a null literal.
#pragma once
#include <string>
#include <vector>

#include "eql/query.h"
#include "event/field_types.h"

namespace picket::eql {

struct VerifyOptions {
  // `types` is the index's whole mapping: unknown fields are errors.
  bool complete_mapping = false;
};

struct Problem {
  uint32_t offset = 0;
  std::string message;
};

// Verifies and annotates a whole query (filters, join keys, the event
// category, timestamp and tiebreaker fields). Returns every problem found,
// in query order; empty when the query is valid.
std::vector<Problem> Verify(Query* query, const event::FieldTypes& types,
                            const VerifyOptions& options = {});

// Verifies one condition (the text it was parsed from gives messages their
// quotes of the source).
std::vector<Problem> VerifyCondition(Expr* condition, std::string_view text,
                                     const event::FieldTypes& types,
                                     const VerifyOptions& options = {});

// The type name Elasticsearch prints for an expression's type ("long",
// "integer", "keyword", "datetime", ...); fields use their mapping's.
std::string TypeNameOf(const Expr& e);

// Whether an expression refers to no field (Elasticsearch folds it to a
// constant).
bool IsFoldable(const Expr& e);

}  // namespace picket::eql
