// KQL parser: Kibana's grammar (kbn-es-query kuery grammar).
//
// Precedence or < and < not; parentheses; `field:value`; quoted phrases with
// escapes; unquoted values (with inner whitespace, as Kibana allows) and
// escapes (\\ \( \) \: \< \> \" \* \{ \} \t \r \n \uXXXX and escaped
// keywords); `*` wildcards anywhere; value lists `field:(a or b and not c)`;
// exists `field:*`; ranges; nested `field:{...}`; wildcard field names;
// free text; keywords in any case. Errors carry the byte offset, and Render
// gives "origin:line:column: message" with the line and a caret under it.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "kql/ast.h"

namespace picket::kql {

struct ParseError {
  uint32_t offset = 0;
  uint32_t line = 1;    // 1-based, within the query
  uint32_t column = 1;  // 1-based, in bytes
  std::string message;

  // "origin:line:column: message\n<query line>\n<caret>". `line_base` is the
  // line of the query's first character in its file (TOML rules) so that the
  // position is the file's.
  std::string Render(std::string_view query, std::string_view origin, uint32_t line_base = 1,
                     uint32_t column_base = 1) const;
};

// An error at a byte offset of `query` (line and column computed), e.g. a
// compile error (kql::CompileError) to render with a caret.
ParseError ErrorAt(std::string_view query, uint32_t offset, std::string message);

struct ParseLimits {
  size_t max_query_bytes = 1 << 20;
  size_t max_depth = 256;  // nesting of parentheses/not/nested
};

struct ParseResult {
  std::unique_ptr<Node> root;  // null on error
  ParseError error;
  bool ok() const { return root != nullptr; }
};

ParseResult Parse(std::string_view query, const ParseLimits& limits = {});

}  // namespace picket::kql
