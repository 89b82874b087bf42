#include "rules/toml_depth.h"

#include <algorithm>
#include <array>
#include <vector>

#include "util/text_lines.h"

namespace picket::rules {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

using StopSet = std::array<bool, 256>;
constexpr StopSet MakeStops(std::string_view bytes) {
  StopSet set{};
  for (char c : bytes) set[static_cast<unsigned char>(c)] = true;
  return set;
}
// The bytes that matter inside each kind of TOML string.
const StopSet& StopsFor(char quote, bool multi) {
  static constexpr StopSet kBasic = MakeStops("\"\\\n\r");
  static constexpr StopSet kMultiBasic = MakeStops("\"\\");
  static constexpr StopSet kLiteral = MakeStops("'\n\r");
  static constexpr StopSet kMultiLiteral = MakeStops("'");
  if (quote == '"') return multi ? kMultiBasic : kBasic;
  return multi ? kMultiLiteral : kLiteral;
}
bool IsNewline(char c) { return c == '\n' || c == '\r'; }

class DepthScanner {
 public:
  DepthScanner(std::string_view text, size_t max_depth) : s_(text), max_(max_depth) {}

  std::optional<TomlDepthError> Run() {
    size_t header_depth = 0;
    while (!error_) {
      SkipBlanksAndNewlines();
      if (i_ >= s_.size()) break;
      char c = s_[i_];
      if (c == '#') {
        SkipComment();
      } else if (c == '[') {  // [table] or [[array of tables]]
        size_t start = i_;
        bool array_of_tables = i_ + 1 < s_.size() && s_[i_ + 1] == '[';
        i_ += array_of_tables ? 2 : 1;
        // [[a.b]]: b is an array whose new element is one level further.
        header_depth = ScanKey() + (array_of_tables ? 1 : 0);
        Check(header_depth, start, "table header");
        SkipToEndOfLine();
      } else {
        size_t start = i_;
        size_t depth = header_depth + ScanKey();
        Check(depth, start, "key path (table header and dotted key)");
        SkipBlanks();
        if (i_ < s_.size() && s_[i_] == '=') {
          ++i_;
          ScanValue(depth);
        }
        SkipToEndOfLine();
      }
    }
    return error_;
  }

 private:
  // `depth` is the depth of the node at `at` (1 = a key of the root table).
  void Check(size_t depth, size_t at, const char* what) {
    if (depth <= max_ || error_) return;
    TextPosition where = PositionAt(s_, at);
    TomlDepthError e;
    e.line = where.line;
    e.column = where.column;
    e.message = std::string(what) + " reaches " + std::to_string(depth) +
                " levels here; a rule file may nest at most " + std::to_string(max_) +
                " (table headers, dotted keys, inline tables and arrays together)";
    error_ = std::move(e);
  }

  void SkipBlanks() {
    while (i_ < s_.size() && IsBlank(s_[i_])) ++i_;
  }
  void SkipBlanksAndNewlines() {
    while (i_ < s_.size() && (IsBlank(s_[i_]) || IsNewline(s_[i_]))) ++i_;
  }
  void SkipComment() {
    size_t newline = s_.find('\n', i_);
    i_ = newline == std::string_view::npos ? s_.size() : newline;
  }
  // Past the rest of a line that may hold a closing bracket, a comment or
  // junk; never inside a string.
  void SkipToEndOfLine() {
    static constexpr StopSet kLineStops = MakeStops("\n\"'#");
    while (SkipUntil(kLineStops), i_ < s_.size() && s_[i_] != '\n') {
      if (s_[i_] == '#')
        SkipComment();
      else
        SkipString();
    }
  }
  // Forward to the next byte in `stops` (or the end).
  void SkipUntil(const StopSet& stops) {
    while (i_ < s_.size() && !stops[static_cast<unsigned char>(s_[i_])]) ++i_;
  }

  // At a quote: past the string, whichever of TOML's four kinds it is.
  void SkipString() {
    char q = s_[i_];
    bool multi = i_ + 2 < s_.size() && s_[i_ + 1] == q && s_[i_ + 2] == q;
    i_ += multi ? 3 : 1;
    // Only these bytes can end the string or escape; the rest is skipped
    // in a tight loop (rule files are mostly long multi-line strings).
    const StopSet& stops = StopsFor(q, multi);
    while (i_ < s_.size()) {
      SkipUntil(stops);
      if (i_ == s_.size()) return;
      char c = s_[i_];
      if (c == '\\' && q == '"') {  // an escape: the next byte is content
        i_ = std::min(i_ + 2, s_.size());
        continue;
      }
      if (!multi && IsNewline(c)) return;  // unterminated: toml++ reports it
      if (c == q && !multi) {
        ++i_;
        return;
      }
      if (c == q && i_ + 2 < s_.size() && s_[i_ + 1] == q && s_[i_ + 2] == q) {
        i_ += 3;
        // Up to two more quotes belong to the content ("""a"""" is `a"`).
        for (int k = 0; k < 2 && i_ < s_.size() && s_[i_] == q; ++k) ++i_;
        return;
      }
      ++i_;
    }
  }

  // A key of dot-separated bare or quoted components; returns their count.
  size_t ScanKey() {
    size_t components = 0;
    while (i_ < s_.size()) {
      SkipBlanks();
      if (i_ >= s_.size()) break;
      char c = s_[i_];
      size_t before = i_;
      if (c == '"' || c == '\'') {
        SkipString();
      } else {
        static constexpr StopSet kKeyEnd = MakeStops(" \t\r\n.=[]{},#\"'");
        SkipUntil(kKeyEnd);
      }
      if (i_ == before) break;  // not a key character
      ++components;
      SkipBlanks();
      if (i_ < s_.size() && s_[i_] == '.') {
        ++i_;
        continue;
      }
      break;
    }
    return components;
  }

  // A value that may open inline tables and arrays, followed without
  // recursion: `open` holds the containers around the current position and
  // `depth` is the depth of the value about to be read.
  void ScanValue(size_t depth) {
    struct Open {
      char kind;     // '[' or '{'
      size_t depth;  // of the container itself
    };
    std::vector<Open> open;
    enum { kValue, kKey, kAfter } state = kValue;
    while (i_ < s_.size() && !error_) {
      SkipBlanks();
      if (i_ >= s_.size()) return;
      char c = s_[i_];
      if (!open.empty() && (IsNewline(c) || c == '#')) {  // arrays span lines
        if (c == '#')
          SkipComment();
        else
          ++i_;
        continue;
      }
      if (state == kValue) {
        if (c == ']' && !open.empty() && open.back().kind == '[') {  // [] or a trailing comma
          open.pop_back();
          ++i_;
          state = kAfter;
        } else if (c == '[') {
          open.push_back({c, depth});
          Check(depth + 1, i_, "array nesting");  // its elements
          depth += 1;
          ++i_;
        } else if (c == '{') {
          open.push_back({c, depth});
          ++i_;
          state = kKey;
        } else if (c == '"' || c == '\'') {
          SkipString();
          state = kAfter;
        } else {
          size_t before = i_;
          static constexpr StopSet kScalarEnd = MakeStops(",]}#\r\n");
          SkipUntil(kScalarEnd);
          if (i_ == before) return;  // a stray ',' or '}': toml++ reports it
          state = kAfter;
        }
      } else if (state == kKey) {
        if (c == '}') {  // {}
          open.pop_back();
          ++i_;
          state = kAfter;
          continue;
        }
        size_t start = i_;
        depth = open.back().depth + ScanKey();
        Check(depth, start, "key path inside an inline table");
        SkipBlanks();
        if (i_ >= s_.size() || s_[i_] != '=') return;
        ++i_;
        state = kValue;
      } else {  // kAfter
        if (open.empty()) return;
        if (c == ',') {
          ++i_;
          depth = open.back().depth + 1;
          state = open.back().kind == '[' ? kValue : kKey;
        } else if ((c == ']' && open.back().kind == '[') || (c == '}' && open.back().kind == '{')) {
          open.pop_back();
          ++i_;
        } else {
          return;  // malformed: toml++ reports it
        }
      }
    }
  }

  std::string_view s_;
  size_t max_;
  size_t i_ = 0;
  std::optional<TomlDepthError> error_;
};

}  // namespace

std::optional<TomlDepthError> FindExcessiveTomlDepth(std::string_view text, size_t max_depth) {
  return DepthScanner(text, max_depth).Run();
}

}  // namespace picket::rules
