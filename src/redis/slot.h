// Redis Cluster key slots: CRC16 (XMODEM) of the key, or of its hash tag,
// modulo 16384.
//
// The hash tag is the part between the first '{' and the next '}' when it is
// not empty: keys sharing a tag share a slot, so one atomic script can read
// and write all of them (Redis Cluster specification, "Hash tags").
#pragma once
#include <cstdint>
#include <string_view>

namespace picket::redis {

inline constexpr int kSlotCount = 16384;

uint16_t Crc16(std::string_view bytes);
uint16_t KeySlot(std::string_view key);

}  // namespace picket::redis
