// Compiles a verified EQL filter (event category + condition) into a
// kql::Matcher, the way Elasticsearch plans the query:
//
//   * a field compared with constants becomes the index query Elasticsearch
//     sends (term, terms, range, wildcard, prefix, regexp, exists, with
//     case_insensitive for `:`, `~` and in~), evaluated with the field
//     mapping's semantics: keyword terms exact, ip addresses and CIDR
//     blocks, numbers numeric, dates with their precision, a multi-valued
//     field matching when any value does, values over ignore_above never;
//   * and / or / not combine those queries (bool must / should / must_not):
//     two-valued, so `not f == "x"` and `f != "x"` hold for an event
//     without f, as in Elasticsearch;
//   * everything computed (functions, arithmetic, comparisons of computed
//     values) is a script (eql/script.h), true only when it evaluates to
//     true;
//   * constant expressions are folded; `x == null` / `x != null` test
//     existence.
//
// Alongside, it derives the filter's index facts (eql/query.h): exact,
// case-sensitive keyword terms and fields every match must have.
#pragma once
#include <string>
#include <vector>

#include "eql/query.h"
#include "eql/verifier.h"
#include "util/time.h"

namespace picket::eql {

struct CompileOptions {
  TimeMs now = 0;  // anchor of date math in range comparisons; 0 = now
};

// Fills filter->matcher and filter->facts. The filter must be verified.
// Problems are what Elasticsearch would refuse when running the query
// (a term that cannot be parsed for the field's type, an invalid CIDR or
// regular expression, a constant that fails to fold).
std::vector<Problem> CompileFilter(Filter* filter, const Query& query,
                                   const event::FieldTypes& types, const CompileOptions& options,
                                   std::vector<std::string>* warnings);

}  // namespace picket::eql
