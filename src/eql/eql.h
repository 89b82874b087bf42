// EQL queries from text to a runnable model, in one call: parse
// (eql/parser.h), verify against the field mappings (eql/verifier.h) and
// compile every filter to a matcher with its index facts (eql/compile.h).
//
//   eql::QueryOptions options;             // event category field, ...
//   auto r = eql::CompileQuery(text, *types, options);
//   if (!r.ok()) print(r.error.Render(text, "query"));
//   const eql::Query& q = *r.query;        // eql/query.h
//   q.event.matcher->Matches(doc);         // an event query
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "eql/compile.h"
#include "eql/parser.h"
#include "eql/query.h"
#include "eql/verifier.h"
#include "event/field_types.h"

namespace picket::eql {

struct QueryOptions {
  std::string event_category_field = "event.category";
  std::string timestamp_field = "@timestamp";
  std::string tiebreaker_field;  // empty: none
  // The field types are the index's whole mapping (a user's --mapping):
  // fields it lacks are errors unless written ?field.
  bool complete_mapping = false;
  CompileOptions compile;
  ParseLimits limits;
};

struct QueryResult {
  std::shared_ptr<Query> query;  // null on error
  // The first problem (syntax, verification or compilation), positioned.
  ParseError error;
  // Every problem Elasticsearch would report (verification reports all).
  std::vector<Problem> problems;
  std::vector<std::string> warnings;
  bool ok() const { return query != nullptr; }
};

QueryResult CompileQuery(std::string_view text, const event::FieldTypes& types,
                         const QueryOptions& options = {});

}  // namespace picket::eql
