// Evaluation of EQL expressions that Elasticsearch runs as scripts rather
// than as index queries: anything computed from a field (functions,
// arithmetic, comparisons of computed values) and constant expressions,
// which Elasticsearch folds before running the query.
//
// Semantics are those of Elasticsearch's script utilities: null propagates
// through functions and comparisons, and/or/not are three-valued, a
// comparison of values that are not comparable (a string and a number) is
// null. A field has the values the index gives a script (doc values): by
// mapping type (keyword text, long, double, boolean, ip text, date), values
// over ignore_above left out. When a script reads several fields it is
// tried for every combination of their values (none: null), and holds when
// one combination gives true (Elasticsearch's multiValueDocValues).
#pragma once
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "eql/ast.h"
#include "eql/functions.h"
#include "eql/wildcard.h"
#include "event/document.h"
#include "kql/matcher.h"

namespace re2 {
class RE2;
}

namespace picket::eql {

// The script values of a field (a verified kField Expr) from its JSON values.
void ScriptValuesOf(const Expr& field, std::span<const event::Json> json, std::vector<Value>* out);

// A compiled pattern of `:`, like or regex in a script.
struct ScriptPattern {
  bool wildcard = false;  // else regex
  bool verbatim = false;  // `:` without wildcards: equalsIgnoreCase
  std::string text;
  EqlWildcard like;
  std::shared_ptr<re2::RE2> regex;
};

class Script {
 public:
  // `e` must outlive the Script. Fails (error set) when a regex does not
  // compile.
  explicit Script(const Expr* e);
  const std::string& error() const { return error_; }

  // Evaluates with no fields (a constant expression).
  Value Fold(EvalError* error) const;

  // Whether some combination of the fields' values makes the expression
  // true (Elasticsearch's nullSafeFilter over multiValueDocValues).
  bool Matches(event::Json event, kql::EvalContext* ctx) const;

  // The distinct fields the expression reads, in order of appearance.
  const std::vector<const Expr*>& fields() const { return fields_; }

  // Number of evaluations that failed as Elasticsearch's script would have
  // (division by zero, overflow, unparsable number): each is no match.
  static uint64_t FailedEvaluations();

 private:
  void Collect(const Expr& e);
  Value Eval(const Expr& e, const std::vector<const Value*>& bound, EvalError* error) const;
  Value EvalPattern(const Expr& e, const Value& v) const;

  const Expr* root_;
  std::vector<const Expr*> fields_;
  std::vector<uint32_t> field_ids_;
  std::unordered_map<const Expr*, size_t> slot_of_;  // kField node -> fields_ index
  std::unordered_map<const Expr*, std::vector<ScriptPattern>> patterns_;
  std::string error_;
};

// Evaluates a constant expression (no fields); false with *error on what
// would make Elasticsearch fail the query.
bool FoldConstant(const Expr& e, Value* out, std::string* error);

}  // namespace picket::eql
