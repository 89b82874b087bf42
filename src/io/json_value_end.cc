#include "io/json_value_end.h"

namespace picket::io {
namespace {

bool EndsScalar(char c) {
  switch (c) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
    case ',':
    case ']':
    case '}':
    case '[':
    case '{':
    case '"':
      return true;
    default:
      return false;
  }
}

}  // namespace

size_t JsonValueEnd::Scan(const char* data, size_t n) {
  if (done_ || n == 0) return 0;
  size_t i = 0;
  if (kind_ == Kind::kUnknown) {
    char c = data[0];
    if (c == '{' || c == '[') {
      kind_ = Kind::kContainer;
      depth_ = 1;
    } else if (c == '"') {
      kind_ = Kind::kString;
      in_string_ = true;
    } else {
      kind_ = Kind::kScalar;
    }
    i = 1;
  }
  if (kind_ == Kind::kScalar) {
    while (i < n && !EndsScalar(data[i])) ++i;
    done_ = i < n;
    return i;
  }
  while (i < n) {
    if (in_string_) {
      if (escaped_) {
        escaped_ = false;
        ++i;
        continue;
      }
      // Most bytes of an event are inside strings: a tight loop to the next
      // quote or backslash.
      while (i < n && data[i] != '"' && data[i] != '\\') ++i;
      if (i == n) break;
      if (data[i] == '\\') {
        escaped_ = true;
      } else {
        in_string_ = false;
        if (kind_ == Kind::kString) {
          done_ = true;
          return i + 1;
        }
      }
      ++i;
      continue;
    }
    switch (data[i]) {
      case '"':
        in_string_ = true;
        break;
      case '{':
      case '[':
        ++depth_;
        break;
      case '}':
      case ']':
        if (--depth_ == 0) {
          done_ = true;
          return i + 1;
        }
        break;
      default:
        break;
    }
    ++i;
  }
  return n;
}

}  // namespace picket::io
