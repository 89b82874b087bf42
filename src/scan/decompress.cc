// Streaming decoders with an output cap, one per codec; see decompress.h.
#include "scan/decompress.h"

#include <bzlib.h>
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>

namespace picket::scan {
namespace {

constexpr size_t kChunk = 1 << 16;

// The output of one decompression: appends within the limit, grows the
// buffer itself so that its capacity never passes the limit, charges that
// capacity to the budget, and looks at the clock every few chunks.
class Sink {
 public:
  Sink(std::string* out, uint64_t limit, ChargedBytes* charge)
      : out_(out), limit_(limit), charge_(charge) {}
  // False when the output would pass the limit or the memory budget.
  bool Append(const char* chunk, size_t n) {
    uint64_t room = limit_ - std::min<uint64_t>(limit_, out_->size());
    size_t take = std::min<uint64_t>(n, room);
    if (out_->size() + take > out_->capacity()) {
      uint64_t want = std::max<uint64_t>(out_->capacity() * 2, out_->size() + take);
      out_->reserve(std::min<uint64_t>(std::max<uint64_t>(want, 1 << 16), limit_));
      if (charge_ && !charge_->GrowTo(out_->capacity())) return false;
    }
    out_->append(chunk, take);
    return n <= room;
  }
  bool Expired() {
    return charge_ && charge_->budget() && (++chunks_ & 15) == 0 && charge_->budget()->Expired();
  }

 private:
  std::string* out_;
  uint64_t limit_;
  ChargedBytes* charge_;
  uint64_t chunks_ = 0;
};

DecompressStatus Zlib(int window_bits, std::string_view in, Sink& sink, std::string* error) {
  z_stream z{};
  if (inflateInit2(&z, window_bits) != Z_OK) {
    *error = "zlib init failed";
    return DecompressStatus::kError;
  }
  char buf[kChunk];
  DecompressStatus status = DecompressStatus::kOk;
  const char* next = in.data();
  size_t left = in.size();
  while (true) {
    if (z.avail_in == 0 && left) {
      size_t n = std::min<size_t>(left, 1u << 30);
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(next));
      z.avail_in = static_cast<uInt>(n);
      next += n;
      left -= n;
    }
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = kChunk;
    int rc = inflate(&z, Z_NO_FLUSH);
    size_t produced = kChunk - z.avail_out;
    if (!sink.Append(buf, produced)) {
      status = DecompressStatus::kLimit;
      break;
    }
    if (sink.Expired()) {
      *error = "time budget exhausted";
      status = DecompressStatus::kTimeout;
      break;
    }
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR && z.avail_in == 0 && left == 0) {
      *error = "compressed data is truncated";
      status = DecompressStatus::kError;
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      *error = std::string("inflate failed: ") + (z.msg ? z.msg : "corrupt data");
      status = DecompressStatus::kError;
      break;
    }
  }
  inflateEnd(&z);
  return status;
}

DecompressStatus Bzip2(std::string_view in, Sink& sink, std::string* error) {
  bz_stream bz{};
  if (BZ2_bzDecompressInit(&bz, 0, 0) != BZ_OK) {
    *error = "bzip2 init failed";
    return DecompressStatus::kError;
  }
  char buf[kChunk];
  bz.next_in = const_cast<char*>(in.data());
  bz.avail_in = static_cast<unsigned>(std::min<size_t>(in.size(), 0xFFFFFFFFu));
  DecompressStatus status = DecompressStatus::kOk;
  while (true) {
    bz.next_out = buf;
    bz.avail_out = kChunk;
    int rc = BZ2_bzDecompress(&bz);
    if (!sink.Append(buf, kChunk - bz.avail_out)) {
      status = DecompressStatus::kLimit;
      break;
    }
    if (sink.Expired()) {
      *error = "time budget exhausted";
      status = DecompressStatus::kTimeout;
      break;
    }
    if (rc == BZ_STREAM_END) break;
    if (rc != BZ_OK) {
      *error = "bzip2 data is corrupt";
      status = DecompressStatus::kError;
      break;
    }
    if (bz.avail_in == 0 && bz.avail_out == kChunk) {
      *error = "bzip2 data is truncated";
      status = DecompressStatus::kError;
      break;
    }
  }
  BZ2_bzDecompressEnd(&bz);
  return status;
}

DecompressStatus Lzma(bool alone, std::string_view in, Sink& sink, std::string* error) {
  lzma_stream s = LZMA_STREAM_INIT;
  // The dictionary size is chosen by the file; cap the decoder's memory so a
  // header cannot make us allocate gigabytes (xz -9e needs 674 MiB at most).
  constexpr uint64_t kMemLimit = 768ull << 20;
  lzma_ret init = alone ? lzma_alone_decoder(&s, kMemLimit)
                        : lzma_stream_decoder(&s, kMemLimit, LZMA_CONCATENATED);
  if (init != LZMA_OK) {
    *error = "lzma init failed";
    return DecompressStatus::kError;
  }
  uint8_t buf[kChunk];
  s.next_in = reinterpret_cast<const uint8_t*>(in.data());
  s.avail_in = in.size();
  DecompressStatus status = DecompressStatus::kOk;
  while (true) {
    s.next_out = buf;
    s.avail_out = kChunk;
    lzma_ret rc = lzma_code(&s, LZMA_FINISH);
    if (!sink.Append(reinterpret_cast<char*>(buf), kChunk - s.avail_out)) {
      status = DecompressStatus::kLimit;
      break;
    }
    if (sink.Expired()) {
      *error = "time budget exhausted";
      status = DecompressStatus::kTimeout;
      break;
    }
    if (rc == LZMA_STREAM_END) break;
    if (rc != LZMA_OK) {
      *error = rc == LZMA_BUF_ERROR        ? "xz/lzma data is truncated"
               : rc == LZMA_MEMLIMIT_ERROR ? "xz/lzma dictionary exceeds the memory limit"
                                           : "xz/lzma data is corrupt";
      status = DecompressStatus::kError;
      break;
    }
  }
  lzma_end(&s);
  return status;
}

DecompressStatus Lz4(std::string_view in, Sink& sink, std::string* error) {
  LZ4F_dctx* ctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION))) {
    *error = "lz4 init failed";
    return DecompressStatus::kError;
  }
  char buf[kChunk];
  const char* src = in.data();
  size_t left = in.size();
  DecompressStatus status = DecompressStatus::kOk;
  while (true) {
    size_t dst_size = kChunk, src_size = left;
    size_t hint = LZ4F_decompress(ctx, buf, &dst_size, src, &src_size, nullptr);
    if (LZ4F_isError(hint)) {
      *error = std::string("lz4: ") + LZ4F_getErrorName(hint);
      status = DecompressStatus::kError;
      break;
    }
    src += src_size;
    left -= src_size;
    if (!sink.Append(buf, dst_size)) {
      status = DecompressStatus::kLimit;
      break;
    }
    if (sink.Expired()) {
      *error = "time budget exhausted";
      status = DecompressStatus::kTimeout;
      break;
    }
    if (hint == 0) break;
    if (left == 0 && dst_size == 0) {
      *error = "lz4 data is truncated";
      status = DecompressStatus::kError;
      break;
    }
  }
  LZ4F_freeDecompressionContext(ctx);
  return status;
}

DecompressStatus Zstd(std::string_view in, Sink& sink, std::string* error) {
  ZSTD_DStream* ds = ZSTD_createDStream();
  if (!ds) {
    *error = "zstd init failed";
    return DecompressStatus::kError;
  }
  ZSTD_initDStream(ds);
  char buf[kChunk];
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  DecompressStatus status = DecompressStatus::kOk;
  while (true) {
    ZSTD_outBuffer output{buf, kChunk, 0};
    size_t rc = ZSTD_decompressStream(ds, &output, &input);
    if (ZSTD_isError(rc)) {
      *error = std::string("zstd: ") + ZSTD_getErrorName(rc);
      status = DecompressStatus::kError;
      break;
    }
    if (!sink.Append(buf, output.pos)) {
      status = DecompressStatus::kLimit;
      break;
    }
    if (sink.Expired()) {
      *error = "time budget exhausted";
      status = DecompressStatus::kTimeout;
      break;
    }
    if (rc == 0 && input.pos == input.size) break;
    if (input.pos == input.size && output.pos == 0) {
      *error = "zstd data is truncated";
      status = DecompressStatus::kError;
      break;
    }
  }
  ZSTD_freeDStream(ds);
  return status;
}

}  // namespace

std::string_view CodecName(Codec codec) {
  switch (codec) {
    case Codec::kZlib:
      return "zlib";
    case Codec::kGzip:
      return "gzip";
    case Codec::kRawDeflate:
      return "deflate";
    case Codec::kBzip2:
      return "bzip2";
    case Codec::kXz:
      return "xz";
    case Codec::kLzmaAlone:
      return "lzma";
    case Codec::kLz4Frame:
      return "lz4";
    case Codec::kZstd:
      return "zstd";
  }
  return "unknown";
}

DecompressStatus Decompress(Codec codec, std::string_view in, uint64_t limit, std::string* out,
                            std::string* error, ChargedBytes* charge) {
  Sink sink(out, limit, charge);
  switch (codec) {
    case Codec::kZlib:
      return Zlib(15, in, sink, error);
    case Codec::kGzip:
      return Zlib(15 + 16, in, sink, error);
    case Codec::kRawDeflate:
      return Zlib(-15, in, sink, error);
    case Codec::kBzip2:
      return Bzip2(in, sink, error);
    case Codec::kXz:
      return Lzma(false, in, sink, error);
    case Codec::kLzmaAlone:
      return Lzma(true, in, sink, error);
    case Codec::kLz4Frame:
      return Lz4(in, sink, error);
    case Codec::kZstd:
      return Zstd(in, sink, error);
  }
  *error = "unknown codec";
  return DecompressStatus::kError;
}

}  // namespace picket::scan
