// EQL parser: Elasticsearch's EqlBase.g4 grammar, rule by rule, and the
// checks Elasticsearch's plan builder makes while building the tree (string
// styles, maxspan units, runs, missing events, join key counts, pipes,
// process relationships, array indexes), with Elasticsearch's messages.
//
// Syntax errors name the token found and the tokens the grammar expected
// there ("mismatched input 'x' expecting {...}"), at the token's position.
// Limits protect against hostile input: query size, token count and
// nesting depth (parentheses, not, unary minus, function arguments).
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "eql/query.h"

namespace picket::eql {

struct ParseError {
  uint32_t offset = 0;
  std::string message;
  bool ok() const { return message.empty(); }

  // "origin:line:column: message\n<query line>\n<caret>". `line_base` and
  // `column_base` place the query's first character in its file (TOML
  // rules), so that the position is the file's.
  std::string Render(std::string_view query, std::string_view origin, uint32_t line_base = 1,
                     uint32_t column_base = 1) const;
  // 1-based line and column (bytes) of `offset` in `query`.
  static void LineColumn(std::string_view query, uint32_t offset, uint32_t* line, uint32_t* column);
};

struct ParseLimits {
  size_t max_query_bytes = 1 << 20;
  size_t max_tokens = 1 << 18;
  size_t max_depth = 200;
};

struct ParseResult {
  std::unique_ptr<Query> query;  // null on error; matchers not compiled yet
  ParseError error;
  bool ok() const { return query != nullptr; }
};

ParseResult ParseQuery(std::string_view text, const ParseLimits& limits = {});

struct ExpressionResult {
  std::unique_ptr<Expr> expr;
  ParseError error;
  bool ok() const { return expr != nullptr; }
};

// A lone condition (Elasticsearch's singleExpression), for tests and tools.
ExpressionResult ParseExpression(std::string_view text, const ParseLimits& limits = {});

}  // namespace picket::eql
