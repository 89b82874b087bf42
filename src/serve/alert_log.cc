#include "serve/alert_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace picket::serve {

namespace {
void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}
std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

bool WriteAll(int fd, const char* data, size_t size) {
  while (size) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}
// fsync of the directory, so that a created or renamed file survives a
// power loss.
void SyncDirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash ? slash : 1);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}
}  // namespace

std::string AlertLogPosition::Encode() const {
  std::string out;
  PutU64(&out, seq);
  PutU64(&out, offset);
  return out;
}

std::optional<AlertLogPosition> AlertLogPosition::Decode(std::string_view bytes) {
  if (bytes.size() != 16) return std::nullopt;
  return AlertLogPosition{GetU64(bytes.data()), GetU64(bytes.data() + 8)};
}

std::string AlertLog::FileForSeq(uint64_t seq) const {
  return seq == seq_ ? path_ : path_ + "." + std::to_string(seq);
}

std::unique_ptr<AlertLog> AlertLog::Open(const std::string& path, uint64_t max_bytes,
                                         const std::optional<AlertLogPosition>& committed,
                                         std::string* error) {
  std::unique_ptr<AlertLog> log(new AlertLog());
  log->path_ = path;
  log->max_bytes_ = max_bytes;
  if (path == "-") {
    log->fd_ = 1;
    return log;
  }
  uint64_t keep = UINT64_MAX;  // bytes of the current file to keep
  if (committed) {
    if (Exists(path + "." + std::to_string(committed->seq))) {
      // Crashed between a rotation and the next commit: the current file
      // holds only uncommitted alerts.
      log->seq_ = committed->seq + 1;
      keep = 0;
    } else {
      log->seq_ = committed->seq;
      keep = committed->offset;
    }
  } else {
    // A state directory without alerts yet: never overwrite rotated files
    // of an earlier run.
    while (Exists(path + "." + std::to_string(log->seq_))) ++log->seq_;
  }
  log->fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (log->fd_ < 0) {
    *error = Errno("cannot open alert file " + path);
    return nullptr;
  }
  struct stat st;
  if (::fstat(log->fd_, &st) != 0) {
    *error = Errno("cannot stat alert file " + path);
    return nullptr;
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size > keep) {
    if (::ftruncate(log->fd_, static_cast<off_t>(keep)) != 0 || ::fsync(log->fd_) != 0) {
      *error = Errno("cannot cut uncommitted alerts from " + path);
      return nullptr;
    }
    log->truncated_ = size - keep;
    size = keep;
  }
  if (::lseek(log->fd_, static_cast<off_t>(size), SEEK_SET) < 0) {
    *error = Errno("cannot seek in alert file " + path);
    return nullptr;
  }
  log->flushed_offset_ = size;
  SyncDirOf(path);
  return log;
}

AlertLog::~AlertLog() {
  std::string ignored;
  Flush(&ignored);
  if (fd_ > 2) ::close(fd_);
}

void AlertLog::Append(std::string_view alert_json) {
  buffer_.append(alert_json);
  buffer_.push_back('\n');
}

bool AlertLog::Flush(std::string* error) {
  if (fd_ < 0) return true;
  if (!buffer_.empty()) {
    if (!WriteAll(fd_, buffer_.data(), buffer_.size())) {
      *error = Errno("cannot write alerts to " + path_);
      return false;
    }
    flushed_offset_ += buffer_.size();
    buffer_.clear();
    if (fd_ != 1 && ::fdatasync(fd_) != 0) {
      *error = Errno("cannot sync alerts to " + path_);
      return false;
    }
  }
  return true;
}

bool AlertLog::RotateIfNeeded(std::string* error) {
  if (fd_ == 1 || max_bytes_ == 0 || flushed_offset_ < max_bytes_ || !buffer_.empty())
    return true;
  std::string rotated = path_ + "." + std::to_string(seq_);
  if (::rename(path_.c_str(), rotated.c_str()) != 0) {
    *error = Errno("cannot rotate " + path_);
    return false;
  }
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = Errno("cannot create " + path_);
    return false;
  }
  ::close(fd_);
  fd_ = fd;
  ++seq_;
  flushed_offset_ = 0;
  SyncDirOf(path_);
  return true;
}

}  // namespace picket::serve
