// Decodes a request body sent with Content-Encoding (RFC 9110 8.4), with a
// bound on the decoded size that holds while decoding: a small compressed
// body that would inflate past the bound is stopped as soon as the output
// reaches it, so a "zip bomb" costs at most `max_bytes` of memory.
//
// Codings: gzip (x-gzip; several members in a row are one body, as gzip -c
// a b produces), deflate (the zlib format RFC 9110 names; raw deflate, which
// some clients send instead, is accepted too, as Netty does for
// Elasticsearch), br, identity. A list ("gzip, br") was applied in order and
// is undone in reverse.
//
// Outcomes: kOk; kTooLarge (decoded size over max_bytes: 413); kMalformed
// (corrupt, truncated — a gzip body cut at a flush point lacks its trailer
// and is refused, never half-applied — or trailing bytes: 400);
// kUnsupported (an unknown coding: 415).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace picket::serve {

enum class DecodeStatus { kOk, kTooLarge, kMalformed, kUnsupported };

struct DecodeResult {
  DecodeStatus status = DecodeStatus::kOk;
  std::string message;  // for the error answer; empty when kOk
};

// Decodes `body` (taken by value: moved through when nothing is to be done)
// into *out. `content_encoding` is the header's value ("" = none).
DecodeResult DecodeContent(std::string_view content_encoding, std::string body, size_t max_bytes,
                           std::string* out);

}  // namespace picket::serve
