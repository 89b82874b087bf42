// The EQL expression tree, as Elasticsearch's EqlBase.g4 grammar builds it.
//
// An Expr is a literal, a field reference, a function call, arithmetic, a
// comparison, a pattern test (`:`, like, regex and their ~ forms), a value
// list (in, in~, not in) or a boolean connective. Every node keeps the byte
// span of its source text: Elasticsearch's messages quote the text of the
// offending expression ("[between(process_name, 1, 2)]") and point at its
// start.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "eql/value.h"

namespace picket::eql {

enum class ExprKind : uint8_t {
  kLiteral,
  kField,
  kFunction,
  kNeg,      // unary minus (one child)
  kArith,    // + - * / %
  kCompare,  // == != < <= > >=
  kPattern,  // value : | like | like~ | regex | regex~ (constant, ...)
  kIn,       // value in | in~ (expr, ...), optionally negated
  kAnd,
  kOr,
  kNot,
};

enum class ArithOp : uint8_t { kAdd, kSub, kMul, kDiv, kMod };
enum class CompareOp : uint8_t { kEq, kNeq, kLt, kLte, kGt, kGte };
// kSeq is `:`: case-insensitive, wildcards, value lists (= like~).
enum class PatternOp : uint8_t { kSeq, kLike, kRegex };

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  uint32_t begin = 0;  // byte span of the source text
  uint32_t end = 0;

  Value literal;  // kLiteral

  // kField: the dotted path as written (back-quoted parts unescaped);
  // `optional` for ?field.
  std::string field;
  bool optional = false;

  // kFunction: the name as written, without the trailing `~`.
  std::string function;
  bool insensitive = false;  // ~ functions, like~, regex~, in~ (`:` always)
  bool negated = false;      // not in

  ArithOp arith = ArithOp::kAdd;
  CompareOp compare = CompareOp::kEq;
  PatternOp pattern = PatternOp::kSeq;

  // Set by the verifier (eql/verifier.h):
  DataType type = DataType::kUnknown;
  // kField: the document path its values are read from (a text field's
  // exact keyword sub-field reads the same source), the mapping's type name
  // ("wildcard", "long", ...; empty when unmapped) and ignore_above. A
  // `?field` missing from a complete mapping becomes a null literal.
  std::string read_path;
  std::string es_type;
  uint32_t ignore_above = 0;
  // kFunction: the function (eql/functions.h), -1 before verification.
  int function_id = -1;

  // Operands: arith/compare (left, right), pattern and in (value, then the
  // list), neg/not (one), and/or (two or more), function arguments.
  std::vector<std::unique_ptr<Expr>> children;

  bool is_literal() const { return kind == ExprKind::kLiteral; }
  std::string_view SourceIn(std::string_view query) const {
    return query.substr(begin, end - begin);
  }
};

std::unique_ptr<Expr> CloneExpr(const Expr& e);

// Canonical EQL text of a tree (strings re-escaped, minimal parentheses).
std::string Render(const Expr& e);
// A string literal in EQL syntax ("..." with escapes).
std::string QuoteString(std::string_view s);

const char* CompareOpText(CompareOp op);
const char* ArithOpText(ArithOp op);

// Calls visit(const Expr&) for every node, parents first.
template <typename Visit>
void ForEachExpr(const Expr& e, Visit&& visit) {
  visit(e);
  for (const auto& c : e.children) ForEachExpr(*c, visit);
}

}  // namespace picket::eql
