#include "util/json_syntax.h"

#include <algorithm>
#include <vector>

#include "util/text_lines.h"

namespace picket {
namespace {

class Checker {
 public:
  Checker(std::string_view s, size_t max_depth) : s_(s), max_depth_(max_depth) {}

  std::optional<JsonSyntaxError> Run() {
    std::vector<char> open;  // '{' or '['
    enum { kValue, kKey, kColon, kAfter } state = kValue;
    bool first_in_container = false;  // `{}` / `[]` allowed right after the opener
    while (true) {
      SkipSpace();
      if (i_ >= s_.size()) {
        if (open.empty() && state == kAfter) return std::nullopt;
        return Fail("unexpected end of the text");
      }
      char c = s_[i_];
      switch (state) {
        case kValue:
          if (c == ']' && first_in_container && open.back() == '[') {
            open.pop_back();
            ++i_;
            state = kAfter;
          } else if (c == '{' || c == '[') {
            if (open.size() >= max_depth_) return Fail("nested deeper than the limit");
            open.push_back(c);
            ++i_;
            state = c == '{' ? kKey : kValue;
            first_in_container = true;
            continue;
          } else if (c == '"') {
            if (!String()) return error_;
            state = kAfter;
          } else if (c == '-' || (c >= '0' && c <= '9')) {
            if (!Number()) return error_;
            state = kAfter;
          } else if (!Literal("true") && !Literal("false") && !Literal("null")) {
            return Fail("expected a value");
          } else {
            state = kAfter;
          }
          break;
        case kKey:
          if (c == '}' && first_in_container) {
            open.pop_back();
            ++i_;
            state = kAfter;
          } else if (c != '"') {
            return Fail(first_in_container ? "expected a member name or '}'"
                                           : "expected a member name");
          } else {
            if (!String()) return error_;
            state = kColon;
          }
          break;
        case kColon:
          if (c != ':') return Fail("expected ':'");
          ++i_;
          state = kValue;
          break;
        case kAfter:
          if (open.empty()) return Fail("unexpected text after the end of the document");
          if (c == ',') {
            ++i_;
            state = open.back() == '{' ? kKey : kValue;
          } else if ((c == '}' && open.back() == '{') || (c == ']' && open.back() == '[')) {
            open.pop_back();
            ++i_;
          } else {
            return Fail(open.back() == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
          }
          break;
      }
      first_in_container = false;
    }
  }

 private:
  std::optional<JsonSyntaxError> Fail(std::string message) {
    TextPosition at = PositionAt(s_, i_);
    error_ = JsonSyntaxError{at.line, at.column, std::move(message)};
    return error_;
  }
  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  bool Literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }
  static bool Hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
  bool String() {
    ++i_;  // opening quote
    while (i_ < s_.size()) {
      unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) return Fail("control character in a string"), false;
      if (c == '\\') {
        if (i_ + 1 >= s_.size()) break;
        char e = s_[i_ + 1];
        if (e == 'u') {
          for (int k = 2; k < 6; ++k)
            if (i_ + k >= s_.size() || !Hex(s_[i_ + k])) {
              i_ += 1;
              return Fail("bad \\u escape"), false;
            }
          i_ += 6;
          continue;
        }
        if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          ++i_;
          return Fail("bad escape"), false;
        }
        i_ += 2;
        continue;
      }
      ++i_;
    }
    return Fail("unterminated string"), false;
  }
  bool Digits() {
    size_t start = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    return i_ > start;
  }
  bool Number() {
    if (s_[i_] == '-') ++i_;
    if (i_ < s_.size() && s_[i_] == '0') {
      ++i_;
    } else if (!Digits()) {
      return Fail("bad number"), false;
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!Digits()) return Fail("bad number: digits expected after '.'"), false;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!Digits()) return Fail("bad number: digits expected in the exponent"), false;
    }
    return true;
  }

  std::string_view s_;
  size_t max_depth_;
  size_t i_ = 0;
  std::optional<JsonSyntaxError> error_;
};

}  // namespace

std::optional<JsonSyntaxError> FindJsonSyntaxError(std::string_view text, size_t max_depth) {
  return Checker(text, max_depth).Run();
}

}  // namespace picket
