// A bound on how deeply a TOML document nests, checked on the bytes before
// toml++ parses them.
//
// toml++ builds one nested table per component of a dotted key or table
// header and frees and walks them recursively, as does our TOML-to-JSON
// conversion; a 129 KB header of 20,000 components crashed the process
// (issue 16 item 11). toml++ bounds inline tables and arrays (256) but not
// key paths. This scanner adds up, for every value, the components of its
// table header, of its dotted key, and of the inline tables and arrays
// around it (with their own dotted keys), and reports the first place that
// goes past the limit. It reads strings (basic, literal, multi-line, with
// escapes), quoted keys and comments as TOML does, so a '.' or '[' inside
// them does not count. It never fails on malformed TOML: what it cannot
// follow it skips, and toml++ reports the syntax error.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace picket::rules {

// Far beyond any rule file (detection-rules nests 5 levels:
// rule.threat.technique.subtechnique.id), far below what overflows a stack.
inline constexpr size_t kMaxTomlDepth = 64;

struct TomlDepthError {
  uint32_t line = 0;    // 1-based
  uint32_t column = 0;  // 1-based, in bytes
  std::string message;
};

std::optional<TomlDepthError> FindExcessiveTomlDepth(std::string_view text,
                                                     size_t max_depth = kMaxTomlDepth);

}  // namespace picket::rules
