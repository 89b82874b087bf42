// The per-code-point case mapping that Lucene's case-insensitive queries
// use (Java's Character.toLowerCase/toUpperCase,
// here glibc's Unicode simple case mappings, which agree with Java's for
// every cased letter in current Unicode).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "util/utf8.h"

namespace picket::eql {

// The other case of a code point as Lucene's case-insensitive automata
// use it: the upper case of a lower-case letter, else the lower case
// (itself when it has none).
uint32_t AlternateCase(uint32_t cp);
uint32_t ToLowerCodePoint(uint32_t cp);
uint32_t ToUpperCodePoint(uint32_t cp);

}  // namespace picket::eql
