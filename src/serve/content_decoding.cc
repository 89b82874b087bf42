#include "serve/content_decoding.h"

#include <brotli/decode.h>
#include <zlib.h>

#include <algorithm>
#include <boost/algorithm/string.hpp>
#include <memory>
#include <vector>

namespace picket::serve {

namespace {

constexpr size_t kChunk = 64 << 10;

DecodeResult TooLarge(size_t max_bytes) {
  return {DecodeStatus::kTooLarge, "the decoded request body is larger than the limit of " +
                                       std::to_string(max_bytes) + " bytes (--max-body-bytes)"};
}

DecodeResult Malformed(std::string_view coding, std::string_view what) {
  return {DecodeStatus::kMalformed,
          "cannot decode the " + std::string(coding) + " request body: " + std::string(what)};
}

// Grows *out by at most one chunk, never past max_bytes + 1 (one byte over
// the limit is how "too large" is noticed). Returns the writable span.
std::pair<unsigned char*, size_t> Grow(std::string* out, size_t max_bytes) {
  size_t room = std::min(kChunk, max_bytes + 1 - out->size());
  size_t old = out->size();
  out->resize(old + room);
  return {reinterpret_cast<unsigned char*>(out->data() + old), room};
}

bool LooksLikeZlib(std::string_view in) {
  if (in.size() < 2) return false;
  unsigned b0 = static_cast<unsigned char>(in[0]), b1 = static_cast<unsigned char>(in[1]);
  return (b0 & 0x0f) == 8 && (b0 >> 4) <= 7 && ((b0 << 8) | b1) % 31 == 0;
}

// gzip (window_bits 16 + 15), zlib (15) or raw deflate (-15).
DecodeResult Inflate(std::string_view coding, std::string_view in, int window_bits,
                     size_t max_bytes, std::string* out) {
  z_stream z{};
  if (inflateInit2(&z, window_bits) != Z_OK) return Malformed(coding, "zlib init failed");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, inflateEnd);
  out->clear();
  size_t pos = 0;
  bool gzip = window_bits > 15;
  for (;;) {
    if (z.avail_in == 0 && pos < in.size()) {
      size_t n = std::min<size_t>(in.size() - pos, 1u << 30);
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + pos));
      z.avail_in = static_cast<uInt>(n);
      pos += n;
    }
    auto [dst, room] = Grow(out, max_bytes);
    z.next_out = dst;
    z.avail_out = static_cast<uInt>(room);
    int rc = inflate(&z, Z_NO_FLUSH);
    out->resize(out->size() - z.avail_out);
    if (out->size() > max_bytes) return TooLarge(max_bytes);
    if (rc == Z_STREAM_END) {
      size_t left = z.avail_in + (in.size() - pos);
      if (left == 0) return {};
      std::string_view rest = in.substr(in.size() - left);
      // Another gzip member follows (RFC 1952 2.2): one body, decoded on.
      if (gzip && rest.size() >= 2 && static_cast<unsigned char>(rest[0]) == 0x1f &&
          static_cast<unsigned char>(rest[1]) == 0x8b) {
        if (inflateReset(&z) != Z_OK) return Malformed(coding, "zlib reset failed");
        continue;
      }
      return Malformed(coding, std::to_string(left) + " bytes follow the end of the stream");
    }
    if (rc == Z_BUF_ERROR && z.avail_in == 0 && pos == in.size())
      return Malformed(coding, "the body ends before the compressed stream does (truncated)");
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      return Malformed(coding, z.msg ? std::string(z.msg)
                                     : "corrupt data (zlib error " + std::to_string(rc) + ")");
  }
}

DecodeResult Unbrotli(std::string_view in, size_t max_bytes, std::string* out) {
  std::unique_ptr<BrotliDecoderState, void (*)(BrotliDecoderState*)> state(
      BrotliDecoderCreateInstance(nullptr, nullptr, nullptr), BrotliDecoderDestroyInstance);
  if (!state) return Malformed("br", "cannot create a decoder");
  out->clear();
  size_t avail_in = in.size();
  const uint8_t* next_in = reinterpret_cast<const uint8_t*>(in.data());
  for (;;) {
    auto [dst, room] = Grow(out, max_bytes);
    size_t avail_out = room;
    uint8_t* next_out = dst;
    BrotliDecoderResult rc = BrotliDecoderDecompressStream(state.get(), &avail_in, &next_in,
                                                           &avail_out, &next_out, nullptr);
    out->resize(out->size() - avail_out);
    if (out->size() > max_bytes) return TooLarge(max_bytes);
    switch (rc) {
      case BROTLI_DECODER_RESULT_SUCCESS:
        if (avail_in == 0) return {};
        return Malformed("br", std::to_string(avail_in) + " bytes follow the end of the stream");
      case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
        continue;
      case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
        return Malformed("br", "the body ends before the compressed stream does (truncated)");
      default:
        return Malformed("br", BrotliDecoderErrorString(BrotliDecoderGetErrorCode(state.get())));
    }
  }
}

std::vector<std::string> Codings(std::string_view header) {
  std::vector<std::string> out;
  std::vector<std::string> items;
  boost::algorithm::split(items, header, boost::algorithm::is_any_of(","));
  for (std::string& item : items) {
    boost::algorithm::trim(item);
    boost::algorithm::to_lower(item);
    if (!item.empty()) out.push_back(std::move(item));
  }
  return out;
}

}  // namespace

DecodeResult DecodeContent(std::string_view content_encoding, std::string body, size_t max_bytes,
                           std::string* out) {
  std::vector<std::string> codings = Codings(content_encoding);
  for (auto it = codings.rbegin(); it != codings.rend(); ++it) {
    const std::string& coding = *it;
    if (coding == "identity" || body.empty()) continue;
    std::string decoded;
    DecodeResult r;
    if (coding == "gzip" || coding == "x-gzip") {
      r = Inflate(coding, body, 16 + MAX_WBITS, max_bytes, &decoded);
    } else if (coding == "deflate") {
      r = Inflate(coding, body, LooksLikeZlib(body) ? MAX_WBITS : -MAX_WBITS, max_bytes, &decoded);
    } else if (coding == "br") {
      r = Unbrotli(body, max_bytes, &decoded);
    } else {
      return {DecodeStatus::kUnsupported,
              "unsupported Content-Encoding [" + coding + "]; picket decodes gzip, deflate and br"};
    }
    if (r.status != DecodeStatus::kOk) return r;
    body = std::move(decoded);
  }
  if (body.size() > max_bytes) return TooLarge(max_bytes);
  *out = std::move(body);
  return {};
}

}  // namespace picket::serve
