// Elasticsearch's standard analyser, as text and match_only_text fields use
// it: Unicode word segmentation (UAX #29, simplified: see below) then lower
// case. Used for match (any token) and match_phrase (consecutive tokens).
//
// Simplifications, written down in docs/semantics.md: every non-ASCII code
// point that is not a space or general punctuation counts as a letter (so
// CJK text is not split per ideograph), and only ASCII is lower-cased.
// Tokens longer than 255 bytes are split, as max_token_length does.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace picket::kql {

// Calls emit(std::string_view token) for each lower-cased token of `text`;
// `scratch` holds the lower-cased copy. emit returns true to stop.
template <typename Emit>
bool ForEachToken(std::string_view text, std::string* scratch, Emit&& emit);

std::vector<std::string> Tokenize(std::string_view text);

namespace internal {
enum class CharClass { kBreak, kLetter, kDigit, kExtendNumLet, kMidLetter, kMidNum, kMidNumLet };
CharClass Classify(std::string_view text, size_t pos, size_t* len);
}  // namespace internal

template <typename Emit>
bool ForEachToken(std::string_view text, std::string* scratch, Emit&& emit) {
  using internal::CharClass;
  scratch->clear();
  size_t pos = 0;
  const size_t n = text.size();
  while (pos < n) {
    size_t len;
    CharClass cls = internal::Classify(text, pos, &len);
    if (cls != CharClass::kLetter && cls != CharClass::kDigit && cls != CharClass::kExtendNumLet) {
      pos += len;
      continue;
    }
    // A token: word characters, joined across a single Mid* character when
    // the characters on both sides allow it (WB6/7, WB11/12).
    size_t start = pos;
    CharClass prev = cls;
    pos += len;
    while (pos < n) {
      size_t l;
      CharClass c = internal::Classify(text, pos, &l);
      if (c == CharClass::kLetter || c == CharClass::kDigit || c == CharClass::kExtendNumLet) {
        prev = c;
        pos += l;
        continue;
      }
      if (c == CharClass::kMidLetter || c == CharClass::kMidNum || c == CharClass::kMidNumLet) {
        if (pos + l < n) {
          size_t l2;
          CharClass next = internal::Classify(text, pos + l, &l2);
          bool letters = prev == CharClass::kLetter && next == CharClass::kLetter &&
                         (c == CharClass::kMidLetter || c == CharClass::kMidNumLet);
          bool digits = prev == CharClass::kDigit && next == CharClass::kDigit &&
                        (c == CharClass::kMidNum || c == CharClass::kMidNumLet);
          if (letters || digits) {
            pos += l + l2;
            prev = next;
            continue;
          }
        }
      }
      break;
    }
    std::string_view word = text.substr(start, pos - start);
    while (!word.empty()) {
      std::string_view piece = word.substr(0, 255);
      word.remove_prefix(piece.size());
      scratch->assign(piece.data(), piece.size());
      for (char& ch : *scratch)
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
      if (emit(std::string_view(*scratch))) return true;
    }
  }
  return false;
}

}  // namespace picket::kql
