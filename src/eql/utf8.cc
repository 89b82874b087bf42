#include "eql/utf8.h"

#include <locale.h>
#include <wctype.h>

namespace picket::eql {
namespace {

locale_t Utf8Locale() {
  static locale_t loc = [] {
    locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
    if (!l) l = newlocale(LC_CTYPE_MASK, "C.utf8", static_cast<locale_t>(0));
    return l;
  }();
  return loc;
}

}  // namespace

uint32_t ToLowerCodePoint(uint32_t cp) {
  if (cp < 0x80) return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
  locale_t loc = Utf8Locale();
  return loc ? static_cast<uint32_t>(towlower_l(static_cast<wint_t>(cp), loc)) : cp;
}

uint32_t ToUpperCodePoint(uint32_t cp) {
  if (cp < 0x80) return cp >= 'a' && cp <= 'z' ? cp - 32 : cp;
  locale_t loc = Utf8Locale();
  return loc ? static_cast<uint32_t>(towupper_l(static_cast<wint_t>(cp), loc)) : cp;
}

uint32_t AlternateCase(uint32_t cp) {
  if (cp < 0x80) {
    if (cp >= 'a' && cp <= 'z') return cp - 32;
    if (cp >= 'A' && cp <= 'Z') return cp + 32;
    return cp;
  }
  locale_t loc = Utf8Locale();
  if (!loc) return cp;
  if (iswlower_l(static_cast<wint_t>(cp), loc)) return ToUpperCodePoint(cp);
  return ToLowerCodePoint(cp);
}

}  // namespace picket::eql
