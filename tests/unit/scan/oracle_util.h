// Runs tests/scan_corpus/oracle.py (CPython's ast / the installed numpy) and
// returns its JSON lines, for differential tests of picket's re-implementations.
#pragma once
#include <simdjson.h>

#include <cstdio>
#include <string>
#include <vector>

namespace picket::scan::testing {

inline std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

// Output lines of `oracle.py <kind> <seed> <count>`; empty when Python or the
// library it needs is missing (the caller then skips).
inline std::vector<std::string> OracleLines(const std::string& kind, int seed, int count) {
  std::string cmd = "/usr/bin/python3 '" + std::string(PICKET_SOURCE_DIR) +
                    "/tests/scan_corpus/oracle.py' " + kind + " " + std::to_string(seed) + " " +
                    std::to_string(count) + " 2>/dev/null";
  std::vector<std::string> lines;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return lines;
  std::string all;
  char buf[1 << 16];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) all.append(buf, n);
  if (pclose(p) != 0) return {};
  size_t start = 0;
  while (start < all.size()) {
    size_t nl = all.find('\n', start);
    if (nl == std::string::npos) nl = all.size();
    if (nl > start) lines.push_back(all.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

}  // namespace picket::scan::testing
