// Bounded decompression of the single-stream formats model files use.
// Contract: Decompress() writes at most `limit` bytes to *out. It returns
// kOk, kLimit (output would exceed the limit, or the memory budget `charge`
// draws on is exhausted; *out holds what fits), kTimeout (the budget's
// deadline passed) or kError (*error says why; *out holds what was decoded).
// With a `charge`, the output's capacity is charged to its budget as it
// grows (never past `limit`), and stays charged while `charge` lives.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "scan/budget.h"

namespace picket::scan {

enum class Codec { kZlib, kGzip, kRawDeflate, kBzip2, kXz, kLzmaAlone, kLz4Frame, kZstd };
enum class DecompressStatus { kOk, kLimit, kTimeout, kError };

std::string_view CodecName(Codec codec);

DecompressStatus Decompress(Codec codec, std::string_view in, uint64_t limit, std::string* out,
                            std::string* error, ChargedBytes* charge = nullptr);

}  // namespace picket::scan
