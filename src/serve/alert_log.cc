#include "serve/alert_log.h"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>

#include "event/document.h"

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
  for (uint64_t v : {seq, offset, device, inode, prefix_hash_high, prefix_hash_low})
    PutU64(&out, v);
  return out;
}

std::optional<AlertLogPosition> AlertLogPosition::Decode(std::string_view bytes) {
  if (bytes.size() != 16 && bytes.size() != 48) return std::nullopt;
  AlertLogPosition p;
  p.seq = GetU64(bytes.data());
  p.offset = GetU64(bytes.data() + 8);
  if (bytes.size() == 48) {  // 16 bytes: written by a picket that recorded no identity
    p.device = GetU64(bytes.data() + 16);
    p.inode = GetU64(bytes.data() + 24);
    p.prefix_hash_high = GetU64(bytes.data() + 32);
    p.prefix_hash_low = GetU64(bytes.data() + 40);
    p.has_identity = true;
  }
  return p;
}

std::string AlertLog::FileForSeq(uint64_t seq) const {
  return seq == seq_ ? path_ : path_ + "." + std::to_string(seq);
}

AlertLog::AlertLog() : hash_(XXH3_createState(), XXH3_freeState) {
  XXH3_128bits_reset(hash_.get());
}

AlertLogPosition AlertLog::position() const {
  AlertLogPosition p;
  p.seq = seq_;
  p.offset = flushed_offset_;
  if (fd_ == 1) return p;
  p.device = device_;
  p.inode = inode_;
  XXH128_hash_t h = XXH3_128bits_digest(hash_.get());
  p.prefix_hash_high = h.high64;
  p.prefix_hash_low = h.low64;
  p.has_identity = true;
  return p;
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
  if (!log->OpenCurrent(committed, error)) return nullptr;
  if (::lseek(log->fd_, static_cast<off_t>(log->flushed_offset_), SEEK_SET) < 0) {
    *error = Errno("cannot seek in alert file " + path);
    return nullptr;
  }
  SyncDirOf(path);
  return log;
}

namespace {

// Reads [from, to) of `fd` in blocks, calling take(data, size) for each.
bool ReadRange(int fd, uint64_t from, uint64_t to,
               const std::function<bool(const char*, size_t)>& take) {
  std::string block(1 << 20, '\0');
  while (from < to) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(block.size(), to - from));
    ssize_t n = ::pread(fd, block.data(), want, static_cast<off_t>(from));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    if (!take(block.data(), static_cast<size_t>(n))) return false;
    from += static_cast<uint64_t>(n);
  }
  return true;
}

bool IsAlertLine(std::string_view line, simdjson::dom::parser& parser) {
  simdjson::dom::element doc;
  std::string_view id;
  return parser.parse(line.data(), line.size()).get(doc) == simdjson::SUCCESS && doc.is_object() &&
         event::FirstString(doc, "kibana.alert.uuid", &id) && !id.empty();
}

std::string Hex(uint64_t v) {
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(v));
  return text;
}

}  // namespace

bool AlertLog::HashExisting(uint64_t size, std::string* error) {
  XXH3_128bits_reset(hash_.get());
  if (!ReadRange(fd_, 0, size, [&](const char* data, size_t n) {
        XXH3_128bits_update(hash_.get(), data, n);
        return true;
      })) {
    *error = Errno("cannot read alert file " + path_);
    return false;
  }
  return true;
}

bool AlertLog::OpenCurrent(const std::optional<AlertLogPosition>& committed, std::string* error) {
  const std::string& path = path_;
  auto open_file = [&]() {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    struct stat st;
    if (fd_ < 0 || ::fstat(fd_, &st) != 0) {
      *error = Errno("cannot open alert file " + path);
      return std::optional<uint64_t>();
    }
    device_ = static_cast<uint64_t>(st.st_dev);
    inode_ = static_cast<uint64_t>(st.st_ino);
    return std::optional<uint64_t>(static_cast<uint64_t>(st.st_size));
  };
  auto refuse = [&](const std::string& why) {
    *error = "refusing to use alert file " + path + ": " + why +
             ". picket cuts uncommitted alerts only from a file it can prove it wrote; point "
             "--alerts at the file this state directory wrote, or move this one away";
    return false;
  };
  if (!committed) {
    // A state directory without alerts yet: append to what is there, and
    // never overwrite rotated files of an earlier run.
    while (Exists(path + "." + std::to_string(seq_))) ++seq_;
    auto size = open_file();
    if (!size) return false;
    flushed_offset_ = *size;
    return HashExisting(*size, error);
  }
  const AlertLogPosition& c = *committed;
  std::string rotated = path + "." + std::to_string(c.seq);
  struct stat st;
  bool current_exists = ::stat(path.c_str(), &st) == 0;
  uint64_t current_size = current_exists ? static_cast<uint64_t>(st.st_size) : 0;
  if (Exists(rotated)) {
    // The committed file was rotated, and picket stopped before it had
    // committed the new file's position: the new file cannot hold alerts.
    if (current_size > 0)
      return refuse("the committed alerts are in " + rotated + ", and " + path + " has " +
                    std::to_string(current_size) + " bytes no commit accounts for");
    seq_ = c.seq + 1;
    auto size = open_file();
    return size.has_value();
  }
  if (current_size == 0 && c.offset > 0) {
    // Moved away or emptied by someone else: nothing to cut, nothing to
    // prove. A new sequence number keeps positions unambiguous.
    moved_ = true;
    seq_ = c.seq + 1;
    auto size = open_file();
    return size.has_value();
  }
  seq_ = c.seq;
  auto size = open_file();
  if (!size) return false;
  if (*size == 0) return true;  // c.offset == 0: nothing committed to it yet
  std::string found = "found device " + std::to_string(device_) + " inode " +
                      std::to_string(inode_) + ", " + std::to_string(*size) + " bytes";
  if (!c.has_identity) {
    if (*size != c.offset)
      return refuse("its committed position (" + std::to_string(c.offset) +
                    " bytes) was recorded by an older picket without the file's identity, and "
                    "the file now has " +
                    std::to_string(*size) + " bytes");
    flushed_offset_ = *size;
    return HashExisting(*size, error);
  }
  bool same_file = device_ == c.device && inode_ == c.inode;
  if (*size < c.offset)
    return refuse("it is shorter than the " + std::to_string(c.offset) +
                  " bytes this state directory committed to it (" + found +
                  "): it was cut or replaced");
  if (!same_file && *size != c.offset)
    return refuse("this state directory committed to device " + std::to_string(c.device) +
                  " inode " + std::to_string(c.inode) + " (" + std::to_string(c.offset) +
                  " bytes), " + found);
  if (!HashExisting(c.offset, error)) return false;
  XXH128_hash_t h = XXH3_128bits_digest(hash_.get());
  if (h.high64 != c.prefix_hash_high || h.low64 != c.prefix_hash_low)
    return refuse("its first " + std::to_string(c.offset) +
                  " bytes differ from those this state directory committed (checksum " +
                  Hex(h.high64) + Hex(h.low64) + ", committed " + Hex(c.prefix_hash_high) +
                  Hex(c.prefix_hash_low) + "; " + found + ")");
  flushed_offset_ = c.offset;
  if (*size == c.offset) return true;
  // The tail: alerts written before a crash whose state commit was lost,
  // and nothing else.
  simdjson::dom::parser parser;
  std::string carry;
  uint64_t line_no = 0;
  std::string bad;
  bool read_ok = ReadRange(fd_, c.offset, *size, [&](const char* data, size_t n) {
    carry.append(data, n);
    size_t start = 0, nl;
    while ((nl = carry.find('\n', start)) != std::string::npos) {
      ++line_no;
      if (!IsAlertLine(std::string_view(carry).substr(start, nl - start), parser)) {
        bad = "line " + std::to_string(line_no) + " after the committed position is not an alert";
        return false;
      }
      start = nl + 1;
    }
    carry.erase(0, start);
    return true;
  });
  if (!bad.empty())
    return refuse(bad + " (" + found + ", " + std::to_string(c.offset) + " committed)");
  if (!read_ok) {
    *error = Errno("cannot read alert file " + path);
    return false;
  }
  if (::ftruncate(fd_, static_cast<off_t>(c.offset)) != 0 || ::fsync(fd_) != 0) {
    *error = Errno("cannot cut uncommitted alerts from " + path);
    return false;
  }
  truncated_ = *size - c.offset;
  return true;
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
    if (fd_ != 1) XXH3_128bits_update(hash_.get(), buffer_.data(), buffer_.size());
    buffer_.clear();
    if (fd_ != 1 && ::fdatasync(fd_) != 0) {
      *error = Errno("cannot sync alerts to " + path_);
      return false;
    }
  }
  return true;
}

bool AlertLog::RotateIfNeeded(std::string* error, bool* rotated) {
  if (rotated) *rotated = false;
  if (fd_ == 1 || max_bytes_ == 0 || flushed_offset_ < max_bytes_ || !buffer_.empty()) return true;
  std::string rotated_path = path_ + "." + std::to_string(seq_);
  if (::rename(path_.c_str(), rotated_path.c_str()) != 0) {
    *error = Errno("cannot rotate " + path_);
    return false;
  }
  int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  struct stat st;
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    *error = Errno("cannot create " + path_);
    if (fd >= 0) ::close(fd);
    return false;
  }
  ::close(fd_);
  fd_ = fd;
  ++seq_;
  flushed_offset_ = 0;
  device_ = static_cast<uint64_t>(st.st_dev);
  inode_ = static_cast<uint64_t>(st.st_ino);
  XXH3_128bits_reset(hash_.get());
  SyncDirOf(path_);
  if (rotated) *rotated = true;
  return true;
}

}  // namespace picket::serve
