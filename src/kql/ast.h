// The KQL syntax tree, as Kibana's grammar defines it.
//
// A query is a tree of Node. Field comparisons keep their value expression
// (the part after `field:`) as a tree of ValueNode, so that `f:(a or not b)`
// survives for linting and rendering; the compiler distributes the field.
// Every node records its byte offset in the query text for error messages.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace picket::kql {

// One literal from the query text.
struct Literal {
  // Unescaped text. For a wildcard it is the pattern with every literal `*`
  // kept in `pieces` instead (see below).
  std::string text;
  bool quoted = false;
  // Unquoted and contains an unescaped `*`: `pieces` are the literal runs
  // between the stars (n pieces, n-1 stars).
  bool wildcard = false;
  std::vector<std::string> pieces;
  // Raw text as written, for lint and messages.
  std::string raw;
  uint32_t offset = 0;

  // `*` alone (after trimming whitespace): an exists test on a field.
  bool IsExistsPattern() const;
};

enum class ValueKind : uint8_t { kOr, kAnd, kNot, kLiteral };

struct ValueNode {
  ValueKind kind = ValueKind::kLiteral;
  std::vector<std::unique_ptr<ValueNode>> children;  // or/and/not
  Literal literal;                                   // kLiteral
  uint32_t offset = 0;
};

enum class NodeKind : uint8_t {
  kOr,
  kAnd,
  kNot,
  kMatch,     // field : value-expression
  kRange,     // field < <= > >= literal
  kNested,    // field : { query }
  kFreeText,  // a value with no field
  kMatchAll,  // the empty query (Kibana: match everything)
};

enum class RangeOp : uint8_t { kLt, kLte, kGt, kGte };

struct Node {
  NodeKind kind = NodeKind::kMatchAll;
  std::vector<std::unique_ptr<Node>> children;  // or/and/not/nested(1 child)
  std::string field;                            // match/range/nested
  uint32_t field_offset = 0;
  std::unique_ptr<ValueNode> value;  // match
  RangeOp op = RangeOp::kLt;         // range
  Literal literal;                   // range, free text
  uint32_t offset = 0;
};

// Visits every field comparison with its absolute field name (nested
// paths joined: `a:{ b:1 }` gives "a.b").
template <typename Visit>
void ForEachFieldNode(const Node& node, Visit&& visit, const std::string& prefix = "") {
  switch (node.kind) {
    case NodeKind::kMatch:
    case NodeKind::kRange:
      visit(prefix.empty() ? node.field : prefix + "." + node.field, node);
      return;
    case NodeKind::kNested: {
      std::string path = prefix.empty() ? node.field : prefix + "." + node.field;
      visit(path, node);
      for (const auto& c : node.children) ForEachFieldNode(*c, visit, path);
      return;
    }
    default:
      for (const auto& c : node.children) ForEachFieldNode(*c, visit, prefix);
  }
}

// Canonical text of a tree (lower-case keywords, minimal parentheses).
std::string Render(const Node& node);

}  // namespace picket::kql
