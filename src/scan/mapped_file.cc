// See mapped_file.h.
#include "scan/mapped_file.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace picket::scan {

MappedFile::~MappedFile() {
  if (map_) munmap(map_, map_size_);
  if (budget_) budget_->Release(charged_);
}

bool MappedFile::Open(const std::string& path, ResourceBudget* budget, std::string* error) {
  budget_ = budget;
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    *error = std::string("cannot open: ") + strerror(errno);
    return false;
  }
  struct stat st;
  bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  // Small files are cheaper to read than to map and unmap.
  if (regular && st.st_size < (1 << 20)) {
    fallback_.resize(st.st_size);
    size_t done = 0;
    while (done < fallback_.size()) {
      ssize_t n = read(fd, fallback_.data() + done, fallback_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += n;
    }
    fallback_.resize(done);
    regular = false;  // fall through to read whatever may remain
    if (done == static_cast<size_t>(st.st_size)) {
      close(fd);
      view_ = fallback_;
      return true;
    }
  }
  if (regular) {
    if (st.st_size == 0) {
      close(fd);
      view_ = {};
      return true;
    }
    void* p = mmap(nullptr, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p != MAP_FAILED) {
      map_ = p;
      map_size_ = st.st_size;
      close(fd);
      view_ = std::string_view(static_cast<const char*>(p), map_size_);
      return true;
    }
  }
  // Not a regular file: read what arrives, within the memory budget and the
  // deadline (a FIFO may never write, /dev/zero never ends).
  std::string chunk(1 << 20, '\0');
  char* buf = chunk.data();
  const size_t buf_size = chunk.size();
  while (true) {
    if (budget) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          budget->deadline() - ResourceBudget::Clock::now());
      pollfd p{fd, POLLIN, 0};
      int ready = left.count() > 0
                      ? poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1 << 30)))
                      : 0;
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0 || budget->Expired()) {
        incomplete_ = "the time budget ran out while reading the input";
        break;
      }
      if (fallback_.size() + buf_size > fallback_.capacity()) {
        uint64_t want = std::max<uint64_t>(fallback_.capacity() * 2, 1 << 20);
        if (want - fallback_.capacity() > budget->Available()) {
          incomplete_ = "the input is larger than the memory budget (" +
                        std::to_string(budget->limit()) + " bytes; --max-memory)";
          break;
        }
        fallback_.reserve(want);
        budget->Charge(fallback_.capacity() - charged_);
        charged_ = fallback_.capacity();
      }
    }
    ssize_t n = read(fd, buf, buf_size);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) {
        if (!budget) poll(nullptr, 0, 10);
        continue;
      }
      *error = std::string("cannot read: ") + strerror(errno);
      close(fd);
      return false;
    }
    if (n == 0) break;
    fallback_.append(buf, n);
  }
  close(fd);
  view_ = fallback_;
  return true;
}

}  // namespace picket::scan
