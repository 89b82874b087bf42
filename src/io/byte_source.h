// The bytes of one input: a file descriptor read as is, or, when its first
// two bytes are the gzip magic, the decompressed bytes of its gzip members
// (concatenated members allowed). Recognises gzip by content, not by name.
#pragma once
#include <sys/types.h>
#include <zlib.h>

#include <cstddef>
#include <memory>
#include <string>

namespace picket::io {

class ByteSource {
 public:
  explicit ByteSource(int fd) : fd_(fd) {}
  ~ByteSource();
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  // Writes up to `want` bytes to `out`; returns the number written, 0 at the
  // end, -1 on error (with *error: a read error, a corrupt or truncated gzip
  // stream).
  ssize_t Read(char* out, size_t want, std::string* error);

  // True once the first read found the gzip magic.
  bool compressed() const { return inflating_; }

 private:
  ssize_t RawFill(std::string* error);

  static constexpr size_t kRawSize = 1u << 20;
  int fd_;
  std::unique_ptr<char[]> raw_;
  size_t raw_pos_ = 0, raw_len_ = 0;
  bool sniffed_ = false, inflating_ = false, member_done_ = true;
  z_stream zs_;
};

}  // namespace picket::io
