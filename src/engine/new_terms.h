// The pieces of Kibana's new_terms semantics that look at one event:
//
// * CollectTermValues: the values of each new-terms field as Elasticsearch
//   would index them for a keyword terms aggregation (ScalarToKeyword: strings
//   as is, numbers and booleans as text). Null, [] and objects give nothing;
//   "" is a value. Keyword values longer than the field's ignore_above are not
//   indexed, so they are not terms either. Duplicate values of one field are
//   kept once (a terms aggregation buckets them once).
// * ForEachCombination: the cartesian product of those values, in field
//   order, as Kibana's composite aggregation emits it.
// * BuildTermKey: the TermStore key of one combination for one rule.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "event/document.h"
#include "event/field_types.h"
#include "util/time.h"

namespace picket::engine {

// values[i] holds the terms of fields[i]. Returns false (and leaves
// `values` partly filled) when some field has no term: then the event
// neither alerts nor updates state.
bool CollectTermValues(event::Json doc, const std::vector<std::string>& fields,
                       const event::FieldTypes* types,
                       std::vector<std::vector<std::string>>* values);

size_t CombinationCount(const std::vector<std::vector<std::string>>& values);

// Calls visit(const std::vector<std::string_view>&) for each combination,
// at most `limit` times. Returns how many were visited.
size_t ForEachCombination(const std::vector<std::vector<std::string>>& values, size_t limit,
                          const std::function<void(const std::vector<std::string_view>&)>& visit);

// rule identity + each value, length-prefixed (so ("a,b") and ("a","b")
// differ).
void BuildTermKey(std::string_view rule_key, const std::vector<std::string_view>& combination,
                  std::string* key);

}  // namespace picket::engine
