// The functions of Elasticsearch's EQL function reference, and their
// evaluation on Values as Elasticsearch's script processors compute them
// (null in, null out; Java string and number semantics).
//
// Names are case-insensitive (`startswith`, `startsWith`). The `~` form
// (case-insensitive matching) exists for between, endsWith, indexOf,
// startsWith and stringContains; Elasticsearch refuses it on the others.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "eql/value.h"

namespace picket::eql {

enum class Func : uint8_t {
  kAdd,
  kBetween,
  kCidrMatch,
  kConcat,
  kDivide,
  kEndsWith,
  kIndexOf,
  kLength,
  kModulo,
  kMultiply,
  kNumber,
  kStartsWith,
  kString,
  kStringContains,
  kSubstring,
  kSubtract,
};

struct FunctionInfo {
  Func id;
  const char* name;           // Elasticsearch's registry name (lower case)
  bool case_aware;            // has a ~ variant
  size_t min_args, max_args;  // max SIZE_MAX: variadic
  const char* arity_message;  // "expects exactly two arguments", ...
  DataType result;
};

// The function named `name` (any case), or null.
const FunctionInfo* FindFunction(std::string_view name);
const FunctionInfo& GetFunction(Func id);
// Every registry name, for "did you mean".
const std::vector<std::string>& FunctionNames();

// Why evaluation failed where Elasticsearch's script would throw and fail
// the search (division by zero, overflow, an unparsable number()).
struct EvalError {
  std::string message;
  bool failed() const { return !message.empty(); }
};

Value CallFunction(Func f, bool insensitive, const std::vector<Value>& args, EvalError* error);
// + - * / % on Values (Java int/long/double rules; overflow and integer
// division by zero are errors).
Value Arithmetic(char op, const Value& a, const Value& b, EvalError* error);
Value Negate(const Value& a, EvalError* error);

// ql's Comparisons.compare: null when either side is null or the two are
// not comparable (a string and a number); numbers numerically, strings in
// UTF-16 order, booleans false < true.
bool CompareValues(const Value& a, const Value& b, int* out);

// Java's String.compareToIgnoreCase() == 0 (EQL's `:` without wildcards in
// scripts).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace picket::eql
