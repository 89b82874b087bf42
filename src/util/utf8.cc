#include "util/utf8.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace picket {

uint32_t NextCodePoint(std::string_view s, size_t* i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  size_t p = *i;
  unsigned char c = byte(p);
  if (c < 0x80) {
    *i = p + 1;
    return c;
  }
  int need = c >= 0xF0 && c < 0xF5 ? 3 : c >= 0xE0 && c < 0xF0 ? 2 : c >= 0xC2 && c < 0xE0 ? 1 : -1;
  if (need < 0) {
    *i = p + 1;
    return 0xFFFD;
  }
  uint32_t cp = c & (need == 3 ? 0x07 : need == 2 ? 0x0F : 0x1F);
  for (int k = 1; k <= need; ++k) {
    if (p + k >= s.size() || (byte(p + k) & 0xC0) != 0x80) {
      *i = p + 1;
      return 0xFFFD;
    }
    cp = cp << 6 | (byte(p + k) & 0x3F);
  }
  // Overlong forms and surrogates are invalid.
  if ((need == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
      (need == 3 && (cp < 0x10000 || cp > 0x10FFFF))) {
    *i = p + 1;
    return 0xFFFD;
  }
  *i = p + need + 1;
  return cp;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

size_t CodePointCount(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) NextCodePoint(s, &i);
  return n;
}

bool IsAscii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

void AsciiLowerInto(std::string_view s, std::string* out) {
  out->resize(s.size());
  // Sixteen bytes at a time where SSE2 is there (x86-64 always): every
  // rule index lookup of a lowered field and every case-insensitive match
  // folds the event's values, process.args and command lines included.
  const auto* from = reinterpret_cast<const unsigned char*>(s.data());
  auto* to = reinterpret_cast<unsigned char*>(out->data());
  const size_t n = s.size();
  size_t i = 0;
#ifdef __SSE2__
  const __m128i bias = _mm_set1_epi8(static_cast<char>(0x80 - 'A'));  // 'A'..'Z' -> -128..-103
  const __m128i limit = _mm_set1_epi8(static_cast<char>(-128 + 26));
  const __m128i case_bit = _mm_set1_epi8(0x20);
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(from + i));
    __m128i upper = _mm_cmplt_epi8(_mm_add_epi8(v, bias), limit);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(to + i),
                     _mm_or_si128(v, _mm_and_si128(upper, case_bit)));
  }
#endif
  for (; i < n; ++i) {
    const unsigned char c = from[i];
    to[i] = static_cast<unsigned char>(c + (static_cast<unsigned char>(c - 'A') < 26 ? 32 : 0));
  }
}

}  // namespace picket
