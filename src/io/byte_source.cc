#include "io/byte_source.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace picket::io {

ByteSource::~ByteSource() {
  if (inflating_) inflateEnd(&zs_);
}

ssize_t ByteSource::Read(char* out, size_t want, std::string* error) {
  if (!sniffed_) {
    sniffed_ = true;
    ssize_t n = RawFill(error);
    if (n < 0) return -1;
    if (raw_len_ >= 2 && static_cast<unsigned char>(raw_[0]) == 0x1f &&
        static_cast<unsigned char>(raw_[1]) == 0x8b) {
      memset(&zs_, 0, sizeof(zs_));
      if (inflateInit2(&zs_, 16 + MAX_WBITS) != Z_OK) {
        *error = "cannot initialise gzip decoder";
        return -1;
      }
      inflating_ = true;
    }
  }
  if (!inflating_) {
    if (raw_pos_ < raw_len_) {
      size_t n = std::min(want, raw_len_ - raw_pos_);
      memcpy(out, raw_.get() + raw_pos_, n);
      raw_pos_ += n;
      return static_cast<ssize_t>(n);
    }
    ssize_t n = ::read(fd_, out, want);
    while (n < 0 && errno == EINTR) n = ::read(fd_, out, want);
    if (n < 0) *error = std::string("read error: ") + strerror(errno);
    return n;
  }
  zs_.next_out = reinterpret_cast<Bytef*>(out);
  zs_.avail_out = static_cast<uInt>(std::min<size_t>(want, 1u << 30));
  while (zs_.avail_out > 0) {
    if (raw_pos_ == raw_len_) {
      ssize_t n = RawFill(error);
      if (n < 0) return -1;
      if (n == 0) {
        if (!member_done_) {
          *error = "truncated gzip stream";
          return -1;
        }
        break;
      }
    }
    zs_.next_in = reinterpret_cast<Bytef*>(raw_.get() + raw_pos_);
    zs_.avail_in = static_cast<uInt>(raw_len_ - raw_pos_);
    member_done_ = false;
    int rc = inflate(&zs_, Z_NO_FLUSH);
    raw_pos_ = raw_len_ - zs_.avail_in;
    if (rc == Z_STREAM_END) {
      member_done_ = true;
      inflateReset(&zs_);  // another gzip member may follow
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      *error = std::string("gzip data error: ") + (zs_.msg ? zs_.msg : "corrupt stream");
      return -1;
    }
    if (rc == Z_BUF_ERROR && zs_.avail_in > 0) break;
  }
  return static_cast<ssize_t>(reinterpret_cast<char*>(zs_.next_out) - out);
}

ssize_t ByteSource::RawFill(std::string* error) {
  if (!raw_) raw_.reset(new char[kRawSize]);
  ssize_t n = ::read(fd_, raw_.get(), kRawSize);
  while (n < 0 && errno == EINTR) n = ::read(fd_, raw_.get(), kRawSize);
  if (n < 0) {
    *error = std::string("read error: ") + strerror(errno);
    return -1;
  }
  raw_pos_ = 0;
  raw_len_ = static_cast<size_t>(n);
  return n;
}

}  // namespace picket::io
