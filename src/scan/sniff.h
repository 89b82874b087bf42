// Identifies a byte string's format from its content, never from a name.
// Contract: SniffFormat() looks only at the leading bytes (and, for ZIP, the
// end-of-central-directory record) and returns the most specific container
// or stream format. kPickleWeak means "starts with a valid opcode": it is a
// pickle only if simulating it reaches STOP or code.
#pragma once
#include <string_view>

namespace picket::scan {

enum class Format {
  kUnknown,
  kZip,
  kNpy,
  kSevenZip,
  kTar,
  kGzip,
  kBzip2,
  kXz,
  kLzmaAlone,
  kLz4,
  kZstd,
  kZlib,
  kJoblibZlibLegacy,
  kPickle,
  kPickleWeak,
};

std::string_view FormatName(Format f);
Format SniffFormat(std::string_view bytes);

}  // namespace picket::scan
