#include "engine/raw_object.h"

#include <cstdint>

#include "util/utf8.h"

namespace picket::engine {

namespace {

bool ParseHex4(std::string_view s, size_t at, uint32_t* cp) {
  if (at + 4 > s.size()) return false;
  *cp = 0;
  for (size_t i = at; i < at + 4; ++i) {
    char c = s[i];
    uint32_t d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return false;
    *cp = *cp * 16 + d;
  }
  return true;
}
}  // namespace

bool UnescapeJsonString(std::string_view token, std::string* out) {
  out->clear();
  if (token.size() < 2 || token.front() != '"' || token.back() != '"') return false;
  std::string_view s = token.substr(1, token.size() - 2);
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    if (++i >= s.size()) return false;
    switch (s[i]) {
      case '"':
        out->push_back('"');
        break;
      case '\\':
        out->push_back('\\');
        break;
      case '/':
        out->push_back('/');
        break;
      case 'b':
        out->push_back('\b');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'u': {
        uint32_t cp;
        if (!ParseHex4(s, i + 1, &cp)) return false;
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < s.size() && s[i + 1] == '\\' &&
            s[i + 2] == 'u') {
          uint32_t low;
          if (ParseHex4(s, i + 3, &low) && low >= 0xDC00 && low < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          }
        }
        AppendUtf8(cp, out);
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

RawObjectReader::RawObjectReader(std::string_view object_text) : text_(object_text) {
  SkipSpace();
  if (pos_ >= text_.size() || text_[pos_] != '{') {
    ok_ = false;
    done_ = true;
    return;
  }
  ++pos_;
}

void RawObjectReader::SkipSpace() {
  while (pos_ < text_.size() &&
         (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
    ++pos_;
}

bool RawObjectReader::ScanString(std::string_view* token) {
  size_t start = pos_;
  if (pos_ >= text_.size() || text_[pos_] != '"') return false;
  for (++pos_; pos_ < text_.size(); ++pos_) {
    if (text_[pos_] == '\\') {
      ++pos_;
    } else if (text_[pos_] == '"') {
      ++pos_;
      *token = text_.substr(start, pos_ - start);
      return true;
    }
  }
  return false;
}

bool RawObjectReader::ScanValue(std::string_view* value) {
  size_t start = pos_;
  if (pos_ >= text_.size()) return false;
  char c = text_[pos_];
  if (c == '"') return ScanString(value);
  if (c == '{' || c == '[') {
    int depth = 0;
    while (pos_ < text_.size()) {
      char d = text_[pos_];
      if (d == '"') {
        std::string_view ignored;
        if (!ScanString(&ignored)) return false;
        continue;
      }
      if (d == '{' || d == '[') ++depth;
      if (d == '}' || d == ']') --depth;
      ++pos_;
      if (depth == 0) {
        *value = text_.substr(start, pos_ - start);
        return true;
      }
    }
    return false;
  }
  while (pos_ < text_.size()) {
    char d = text_[pos_];
    if (d == ',' || d == '}' || d == ']' || d == ' ' || d == '\t' || d == '\n' || d == '\r') break;
    ++pos_;
  }
  if (pos_ == start) return false;
  *value = text_.substr(start, pos_ - start);
  return true;
}

bool RawObjectReader::Next(std::string* key, std::string_view* value) {
  if (done_) return false;
  auto fail = [this] {
    ok_ = false;
    done_ = true;
    return false;
  };
  SkipSpace();
  if (pos_ >= text_.size()) return fail();
  if (text_[pos_] == '}') {
    done_ = true;
    return false;
  }
  if (!first_) {
    if (text_[pos_] != ',') return fail();
    ++pos_;
    SkipSpace();
  }
  first_ = false;
  std::string_view key_token;
  if (!ScanString(&key_token) || !UnescapeJsonString(key_token, key)) return fail();
  SkipSpace();
  if (pos_ >= text_.size() || text_[pos_] != ':') return fail();
  ++pos_;
  SkipSpace();
  if (!ScanValue(value)) return fail();
  return true;
}

}  // namespace picket::engine
