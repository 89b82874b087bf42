// GatherWriter: output to a file descriptor assembled from pieces, written
// with writev(2). Refer() pieces are written from where they are (no copy):
// `hunt --eql` prints tens of MB of source lines that sit in the input's
// mapped pages, which were otherwise copied twice (into a line buffer, then
// into stdio's); Copy() pieces (the JSON around them) go through a buffer.
//
// Contract: bytes appear on the descriptor in the order of the calls; a
// referred piece must stay valid and unchanged until the next Flush() (the
// writer flushes by itself only inside Copy/Refer calls, and never frees
// referred memory). Flush() writes everything; it retries short writes and
// EINTR and returns false on another error (errno says which; later pieces
// are dropped). Whoever also writes to the descriptor through stdio must
// fflush before using a GatherWriter and Flush() it before using stdio again.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace picket {

class GatherWriter {
 public:
  explicit GatherWriter(int fd) : fd_(fd) {}
  ~GatherWriter() { Flush(); }
  GatherWriter(const GatherWriter&) = delete;
  GatherWriter& operator=(const GatherWriter&) = delete;

  // Bytes copied into the writer's buffer (small pieces).
  void Copy(std::string_view bytes);
  // Bytes written from where they are; valid until the next Flush().
  void Refer(std::string_view bytes);
  bool Flush();
  bool ok() const { return ok_; }

 private:
  // A piece is a range of buffer_ (copied) or of the caller's memory: the
  // buffer may move while it grows, so its pieces are offsets until Flush.
  struct Piece {
    const char* data;  // nullptr: buffer_[offset, offset + size)
    size_t offset;
    size_t size;
  };
  void MaybeFlush();

  int fd_;
  bool ok_ = true;
  std::string buffer_;
  std::vector<Piece> pieces_;
  size_t referred_bytes_ = 0;
};

}  // namespace picket
