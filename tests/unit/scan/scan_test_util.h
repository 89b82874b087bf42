// Helpers for the scan tests: a tiny pickle assembler so tests state the
// opcodes they feed the simulator, and corpus access.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace picket::scan::testing {

// A string literal with embedded NUL bytes kept.
template <size_t N>
std::string Raw(const char (&s)[N]) {
  return std::string(s, N - 1);
}

inline std::string Le(uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
  return s;
}
// SHORT_BINUNICODE
inline std::string Sbu(std::string_view s) {
  return std::string("\x8c") + static_cast<char>(s.size()) + std::string(s);
}
// BINUNICODE
inline std::string Bu(std::string_view s) { return "X" + Le(s.size(), 4) + std::string(s); }
inline std::string Global(std::string_view m, std::string_view n) {
  return "c" + std::string(m) + "\n" + std::string(n) + "\n";
}
inline std::string StackGlobal(std::string_view m, std::string_view n) {
  return Sbu(m) + Sbu(n) + "\x93";
}
inline std::string P2(std::string_view body) { return "\x80\x02" + std::string(body) + "."; }
inline std::string P4(std::string_view body) { return "\x80\x04" + std::string(body) + "."; }

}  // namespace picket::scan::testing
