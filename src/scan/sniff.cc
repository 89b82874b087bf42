// Content sniffing; see sniff.h. The order matters where magics overlap with
// pickle opcodes ('P' of "PK", '(' of zstd's 0x28, ']' of lzma's 0x5D).
#include "scan/sniff.h"

#include "scan/npy.h"
#include "scan/opcodes.h"
#include "scan/zip_reader.h"

namespace picket::scan {

std::string_view FormatName(Format f) {
  switch (f) {
    case Format::kUnknown:
      return "unknown";
    case Format::kZip:
      return "zip";
    case Format::kNpy:
      return "npy";
    case Format::kSevenZip:
      return "7z";
    case Format::kTar:
      return "tar";
    case Format::kGzip:
      return "gzip";
    case Format::kBzip2:
      return "bzip2";
    case Format::kXz:
      return "xz";
    case Format::kLzmaAlone:
      return "lzma";
    case Format::kLz4:
      return "lz4";
    case Format::kZstd:
      return "zstd";
    case Format::kZlib:
      return "zlib";
    case Format::kJoblibZlibLegacy:
      return "joblib-zlib";
    case Format::kPickle:
      return "pickle";
    case Format::kPickleWeak:
      return "pickle";
  }
  return "unknown";
}

Format SniffFormat(std::string_view b) {
  auto starts = [&](std::string_view magic) { return b.starts_with(magic); };
  if (starts(std::string_view("PK\x03\x04", 4)) || starts(std::string_view("PK\x05\x06", 4))) {
    return Format::kZip;
  }
  if (LooksLikeNpy(b)) return Format::kNpy;
  if (starts(std::string_view("7z\xBC\xAF\x27\x1C", 6))) return Format::kSevenZip;
  if (b.size() >= 262 && b.substr(257, 5) == "ustar") return Format::kTar;
  if (starts(std::string_view("\x1f\x8b", 2))) return Format::kGzip;
  if (b.size() >= 4 && starts("BZh") && b[3] >= '1' && b[3] <= '9') return Format::kBzip2;
  if (starts(std::string_view("\xfd"
                              "7zXZ\x00",
                              6)))
    return Format::kXz;
  if (starts(std::string_view("\x04\x22\x4d\x18", 4))) return Format::kLz4;
  if (starts(std::string_view("\x28\xb5\x2f\xfd", 4))) return Format::kZstd;
  if (starts("ZF")) return Format::kJoblibZlibLegacy;
  if (b.size() >= 13 && b[0] == 0x5D && b[1] == 0x00) return Format::kLzmaAlone;
  if (b.size() >= 2 && static_cast<uint8_t>(b[0]) == 0x78 &&
      ((static_cast<uint8_t>(b[0]) << 8) | static_cast<uint8_t>(b[1])) % 31 == 0) {
    return Format::kZlib;
  }
  if (b.size() >= 2 && static_cast<uint8_t>(b[0]) == PROTO && static_cast<uint8_t>(b[1]) <= 5) {
    return Format::kPickle;
  }
  if (!b.empty() && LookupOpcode(static_cast<uint8_t>(b[0]))) return Format::kPickleWeak;
  if (HasZipDirectory(b)) return Format::kZip;
  return Format::kUnknown;
}

}  // namespace picket::scan
