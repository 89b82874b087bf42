// The TOML type every known key of a detection-rules file must have, after
// Kibana's rule schema (which rejects a rule whose key has another type) and
// the detection-rules TOML layout ([metadata], [rule], [rule.new_terms],
// [[rule.threat]], ...).
//
// A reader that asks toml++ for a string gets nothing from `query = 5` and
// would carry on with an empty query, which matches every event; the loader
// and the linter both call CheckKeyTypes first so that a key of the wrong
// type is a located error instead.
#pragma once
#include <toml++/toml.h>

#include <string>
#include <vector>

namespace picket::rules {

struct KeyTypeProblem {
  const toml::node* node;  // the offending value (for its file position)
  std::string key;         // dotted path from the root, e.g. rule.query
  std::string message;     // "rule.query must be a string, not an integer"
};

// Every key of `root` whose type is not the one the rule schema gives it.
// Unknown keys are not checked.
std::vector<KeyTypeProblem> CheckKeyTypes(const toml::table& root);

}  // namespace picket::rules
