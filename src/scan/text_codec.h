// Small text helpers shared by the pickle machine (STRING/UNICODE arguments)
// and the Python literal parser: UTF-8 encoding of a code point (lone
// surrogates included, as Python str allows them), hex digits, and Python's
// one-character backslash escapes.
#pragma once
#include <cstdint>
#include <string>

namespace picket::scan {

void AppendUtf8(std::string& out, uint32_t code_point);

// 0-15 for a hex digit, -1 otherwise.
int HexDigit(char c);

// The character a one-letter escape (\\ \' \" \a \b \f \n \r \t \v) stands
// for, or -1 when `e` is not one of them.
int SimpleEscape(char e);

}  // namespace picket::scan
