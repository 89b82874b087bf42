#include "kql/text_analysis.h"

namespace picket::kql {
namespace internal {

CharClass Classify(std::string_view text, size_t pos, size_t* len) {
  unsigned char c = static_cast<unsigned char>(text[pos]);
  *len = 1;
  if (c < 0x80) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return CharClass::kLetter;
    if (c >= '0' && c <= '9') return CharClass::kDigit;
    if (c == '_') return CharClass::kExtendNumLet;
    if (c == ':') return CharClass::kMidLetter;
    if (c == ',' || c == ';') return CharClass::kMidNum;
    if (c == '.' || c == '\'') return CharClass::kMidNumLet;
    return CharClass::kBreak;
  }
  // Multi-byte UTF-8: decode the length and the code point.
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    *len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    *len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    *len = 4;
    cp = c & 0x07;
  } else {
    return CharClass::kBreak;
  }
  if (pos + *len > text.size()) {
    *len = text.size() - pos;
    return CharClass::kBreak;
  }
  for (size_t i = 1; i < *len; ++i)
    cp = (cp << 6) | (static_cast<unsigned char>(text[pos + i]) & 0x3F);
  if (cp == 0xA0 || cp == 0x2019 || cp == 0x2018)
    return cp == 0xA0 ? CharClass::kBreak : CharClass::kMidNumLet;
  if ((cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x3000 && cp <= 0x303F) || cp == 0xFEFF ||
      (cp >= 0x00A1 && cp <= 0x00BF && cp != 0x00AA && cp != 0x00B5 && cp != 0x00BA) ||
      cp == 0x00D7 || cp == 0x00F7)
    return CharClass::kBreak;
  if (cp == 0x00B7) return CharClass::kMidLetter;
  return CharClass::kLetter;
}

}  // namespace internal

std::vector<std::string> Tokenize(std::string_view text) {
  std::vector<std::string> out;
  std::string scratch;
  ForEachToken(text, &scratch, [&](std::string_view t) {
    out.emplace_back(t);
    return false;
  });
  return out;
}

}  // namespace picket::kql
