// Bounded decompression of the single-stream formats model files use.
// Contract: Decompress() writes at most `limit` bytes to *out. It returns
// kOk, kLimit (output would exceed the limit; *out holds the first `limit`
// bytes) or kError (*error says why; *out holds what was decoded).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace picket::scan {

enum class Codec { kZlib, kGzip, kRawDeflate, kBzip2, kXz, kLzmaAlone, kLz4Frame, kZstd };
enum class DecompressStatus { kOk, kLimit, kError };

std::string_view CodecName(Codec codec);

DecompressStatus Decompress(Codec codec, std::string_view in, uint64_t limit, std::string* out,
                            std::string* error);

}  // namespace picket::scan
