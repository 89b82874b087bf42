// IP addresses and CIDR blocks as Elasticsearch `ip` fields see them.
// IPv4 addresses are stored IPv4-mapped in 16 bytes (::ffff:a.b.c.d), as
// Lucene's InetAddressPoint does, so IPv4 and IPv6 compare in one space.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace picket {

struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  auto operator<=>(const IpAddress&) const = default;
};

std::optional<IpAddress> ParseIp(std::string_view text);
// Elasticsearch's text for an ip value: IPv4 (and IPv4-mapped) addresses
// dotted, IPv6 in the RFC 5952 short form ("2001:db8::1").
std::string FormatIp(const IpAddress& ip);

struct CidrBlock {
  IpAddress first;
  IpAddress last;
  bool Contains(const IpAddress& ip) const { return first <= ip && ip <= last; }
};

// "10.0.0.0/8", "fe80::/10"; a plain address is a /32 or /128 block.
std::optional<CidrBlock> ParseCidr(std::string_view text);

}  // namespace picket
