// Where a JSON text first breaks RFC 8259, for error messages: simdjson says
// that a document is invalid but not where. Called only after a parser has
// refused the text (it is a plain byte-at-a-time scan, iterative, with a
// nesting limit).
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace picket {

struct JsonSyntaxError {
  uint32_t line = 1;    // 1-based
  uint32_t column = 1;  // 1-based, in bytes
  std::string message;  // "expected ',' or '}'", ...
};

std::optional<JsonSyntaxError> FindJsonSyntaxError(std::string_view text, size_t max_depth = 1024);

}  // namespace picket
