#include "util/ip.h"

#include <arpa/inet.h>

#include <cstring>
#include <string>

namespace picket {

std::optional<IpAddress> ParseIp(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  char buf[64];
  memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress ip;
  in_addr v4;
  if (inet_pton(AF_INET, buf, &v4) == 1) {
    ip.bytes[10] = 0xff;
    ip.bytes[11] = 0xff;
    memcpy(&ip.bytes[12], &v4, 4);
    return ip;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, buf, &v6) == 1) {
    memcpy(ip.bytes.data(), &v6, 16);
    return ip;
  }
  return std::nullopt;
}

std::string FormatIp(const IpAddress& ip) {
  char buf[INET6_ADDRSTRLEN];
  static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (memcmp(ip.bytes.data(), kMapped, 12) == 0) {
    inet_ntop(AF_INET, &ip.bytes[12], buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, ip.bytes.data(), buf, sizeof buf);
  }
  return buf;
}

std::optional<CidrBlock> ParseCidr(std::string_view text) {
  size_t slash = text.find('/');
  auto ip = ParseIp(text.substr(0, slash));
  if (!ip) return std::nullopt;
  bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
  int max_bits = v4 ? 32 : 128;
  int bits = max_bits;
  if (slash != std::string_view::npos) {
    std::string_view b = text.substr(slash + 1);
    if (b.empty() || b.size() > 3) return std::nullopt;
    bits = 0;
    for (char c : b) {
      if (c < '0' || c > '9') return std::nullopt;
      bits = bits * 10 + (c - '0');
    }
    if (bits > max_bits) return std::nullopt;
  }
  int prefix = v4 ? bits + 96 : bits;  // IPv4 lives in the last 32 bits
  CidrBlock block{*ip, *ip};
  for (int i = 0; i < 128; ++i) {
    if (i < prefix) continue;
    uint8_t mask = static_cast<uint8_t>(0x80 >> (i % 8));
    block.first.bytes[i / 8] &= static_cast<uint8_t>(~mask);
    block.last.bytes[i / 8] |= mask;
  }
  return block;
}

}  // namespace picket
