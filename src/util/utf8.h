// UTF-8 code points: decoding one at a time, encoding, ASCII case folding.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace picket {

// Decodes the code point at s[*i] and advances *i past it. Invalid bytes
// (and overlong forms, surrogates) decode as U+FFFD, one byte each.
uint32_t NextCodePoint(std::string_view s, size_t* i);
void AppendUtf8(uint32_t cp, std::string* out);
// Number of code points (invalid bytes count one each).
size_t CodePointCount(std::string_view s);

// Whether every byte is ASCII.
bool IsAscii(std::string_view s);
// ASCII letters lowered, every other byte unchanged (a UTF-8 text stays
// valid: multi-byte sequences have no ASCII bytes).
void AsciiLowerInto(std::string_view s, std::string* out);

}  // namespace picket
