#include "util/gather_writer.h"

#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace picket {

namespace {
// Pieces per writev call (IOV_MAX is 1024 on Linux), and how much is
// gathered before a flush: large writes, a bounded buffer.
constexpr size_t kMaxIov = IOV_MAX < 1024 ? IOV_MAX : 1024;
constexpr size_t kFlushPieces = 4 * kMaxIov;
constexpr size_t kFlushBytes = size_t{4} << 20;
}  // namespace

void GatherWriter::Copy(std::string_view bytes) {
  if (bytes.empty()) return;
  // Consecutive copies are one piece.
  if (!pieces_.empty() && pieces_.back().data == nullptr)
    pieces_.back().size += bytes.size();
  else
    pieces_.push_back(Piece{nullptr, buffer_.size(), bytes.size()});
  buffer_.append(bytes);
  MaybeFlush();
}

void GatherWriter::Refer(std::string_view bytes) {
  if (bytes.empty()) return;
  pieces_.push_back(Piece{bytes.data(), 0, bytes.size()});
  referred_bytes_ += bytes.size();
  MaybeFlush();
}

void GatherWriter::MaybeFlush() {
  if (pieces_.size() >= kFlushPieces || buffer_.size() + referred_bytes_ >= kFlushBytes) Flush();
}

bool GatherWriter::Flush() {
  std::vector<iovec> iov;
  iov.reserve(std::min(pieces_.size(), kMaxIov));
  size_t next = 0;
  while (ok_ && next < pieces_.size()) {
    iov.clear();
    for (; next < pieces_.size() && iov.size() < kMaxIov; ++next) {
      const Piece& p = pieces_[next];
      const char* data = p.data ? p.data : buffer_.data() + p.offset;
      iov.push_back(iovec{const_cast<char*>(data), p.size});
    }
    // Write the batch, resuming after short writes.
    size_t first = 0;
    while (first < iov.size()) {
      ssize_t n = writev(fd_, iov.data() + first, static_cast<int>(iov.size() - first));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {  // 0: nothing written for a non-empty batch; do not spin
        if (n == 0) errno = EIO;
        ok_ = false;
        break;
      }
      auto left = static_cast<size_t>(n);
      while (first < iov.size() && left >= iov[first].iov_len) left -= iov[first++].iov_len;
      if (left > 0) {
        iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
        iov[first].iov_len -= left;
      }
    }
  }
  pieces_.clear();
  buffer_.clear();
  referred_bytes_ = 0;
  return ok_;
}

}  // namespace picket
