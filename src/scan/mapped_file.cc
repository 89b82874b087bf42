// See mapped_file.h.
#include "scan/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace picket::scan {

MappedFile::~MappedFile() {
  if (map_) munmap(map_, map_size_);
}

bool MappedFile::Open(const std::string& path, std::string* error) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
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
  char buf[1 << 16];
  while (true) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
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
