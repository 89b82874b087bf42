#include "io/event_stream.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

namespace picket::io {
namespace {

constexpr size_t kReadChunk = 4u << 20;

bool HasEventExtension(const std::string& name) {
  std::string n = name;
  if (n.size() > 3 && n.compare(n.size() - 3, 3, ".gz") == 0) n.resize(n.size() - 3);
  for (const char* ext : {".ndjson", ".jsonl", ".json"}) {
    size_t len = strlen(ext);
    if (n.size() > len && n.compare(n.size() - len, len, ext) == 0) return true;
  }
  return false;
}

std::string DescribeJsonError(simdjson::error_code code, size_t max_depth) {
  switch (code) {
    case simdjson::UTF8_ERROR:
      return "invalid UTF-8 in JSON text";
    case simdjson::DEPTH_ERROR:
      return "JSON nested deeper than " + std::to_string(max_depth) + " levels";
    case simdjson::CAPACITY:
      return "JSON document too large";
    case simdjson::UNCLOSED_STRING:
      return "malformed JSON: unclosed string";
    case simdjson::UNESCAPED_CHARS:
      return "malformed JSON: unescaped control character in string";
    case simdjson::STRING_ERROR:
      return "malformed JSON: bad string escape";
    case simdjson::NUMBER_ERROR:
      return "malformed JSON: bad number";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
      return "malformed JSON: bad literal";
    case simdjson::EMPTY:
      return "malformed JSON: empty document";
    default:
      return std::string("malformed JSON: ") + simdjson::error_message(code);
  }
}

// A byte source: a plain file descriptor, or gzip-decompressed bytes from it
// (detected by the gzip magic, concatenated members allowed).
class ByteSource {
 public:
  explicit ByteSource(int fd) : fd_(fd) {}
  ~ByteSource() {
    if (inflating_) inflateEnd(&zs_);
  }

  // Appends up to `want` bytes to `out`; returns bytes added, 0 at end, -1 on
  // error (with *error).
  ssize_t Read(char* out, size_t want, std::string* error) {
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

 private:
  ssize_t RawFill(std::string* error) {
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

  static constexpr size_t kRawSize = 1u << 20;
  int fd_;
  std::unique_ptr<char[]> raw_;
  size_t raw_pos_ = 0, raw_len_ = 0;
  bool sniffed_ = false, inflating_ = false, member_done_ = true;
  z_stream zs_;
};

}  // namespace

std::string InputError::ToString() const {
  return (where.source ? *where.source : std::string("?")) + ":" + std::to_string(where.line) +
         ": " + reason;
}

struct EventStream::Impl {
  simdjson::dom::parser parser;
  StreamOptions options;
  // Line buffer with simdjson padding after the used part.
  std::unique_ptr<char[]> buf;
  size_t cap = 0;

  void Reserve(size_t need) {
    if (need + simdjson::SIMDJSON_PADDING <= cap) return;
    size_t ncap = std::max(need + simdjson::SIMDJSON_PADDING, cap * 2);
    std::unique_ptr<char[]> nbuf(new char[ncap]);
    if (cap) memcpy(nbuf.get(), buf.get(), cap - simdjson::SIMDJSON_PADDING);
    buf = std::move(nbuf);
    cap = ncap;
  }
};

EventStream::EventStream(StreamOptions options) : impl_(new Impl) {
  impl_->options = options;
  // Capacity grows on demand; only the depth limit is fixed here.
  if (impl_->parser.allocate(1u << 16, options.max_depth) != simdjson::SUCCESS)
    impl_->parser = simdjson::dom::parser();
}

EventStream::~EventStream() { delete impl_; }

bool ExpandInputs(const std::vector<std::string>& paths, std::vector<std::string>* files,
                  std::string* error) {
  namespace fs = std::filesystem;
  for (const auto& path : paths) {
    if (path == "-") {
      files->push_back(path);
      continue;
    }
    std::error_code ec;
    auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      *error = path + ": no such file or directory";
      return false;
    }
    if (fs::is_directory(status)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(
               path, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file() && HasEventExtension(it->path().filename().string()))
          found.push_back(it->path().string());
      }
      if (ec) {
        *error = path + ": " + ec.message();
        return false;
      }
      std::sort(found.begin(), found.end());
      files->insert(files->end(), found.begin(), found.end());
    } else {
      files->push_back(path);
    }
  }
  return true;
}

// Trims, skips blank lines, enforces the line limit, parses and dispatches one
// line. `line` must be followed by SIMDJSON_PADDING readable bytes. Returns
// false when on_event asks to stop.
bool EventStream::HandleLine(std::string_view line, SourceLine where, const OnEvent& on_event,
                             const OnError& on_error) {
  Impl& im = *impl_;
  stats_.bytes += line.size() + 1;
  const std::string_view original = line;
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
    line.remove_suffix(1);
  size_t lead = 0;
  while (lead < line.size() && (line[lead] == ' ' || line[lead] == '\t')) ++lead;
  if (lead == line.size()) return true;  // blank lines are not events
  ++stats_.lines;
  if (line.size() > im.options.max_line_bytes) {
    ++stats_.malformed;
    on_error({where,
              "line longer than " + std::to_string(im.options.max_line_bytes) + " bytes, skipped"});
    return true;
  }
  simdjson::dom::element doc;
  auto err = im.parser.parse(line.data(), line.size(), false).get(doc);
  if (err) {
    ++stats_.malformed;
    on_error({where, DescribeJsonError(err, im.options.max_depth)});
    return true;
  }
  if (doc.type() != simdjson::dom::element_type::OBJECT) {
    ++stats_.malformed;
    on_error({where, "not a JSON object"});
    return true;
  }
  ++stats_.events;
  return on_event(Event{doc, original, where});
}

bool EventStream::ReadBuffer(std::string_view data, const std::string& source,
                             const OnEvent& on_event, const OnError& on_error) {
  Impl& im = *impl_;
  uint64_t line_no = 0;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t end = data.find('\n', pos);
    if (end == std::string_view::npos) end = data.size();
    ++line_no;
    std::string_view line = data.substr(pos, end - pos);
    pos = end + 1;
    im.Reserve(line.size());
    memcpy(im.buf.get(), line.data(), line.size());
    if (!HandleLine(std::string_view(im.buf.get(), line.size()), SourceLine{&source, line_no},
                    on_event, on_error))
      return false;
  }
  return true;
}

namespace {
bool IsWholeJsonFile(const std::string& path) {
  auto ends = [&](const char* suffix) {
    size_t n = strlen(suffix);
    return path.size() > n && path.compare(path.size() - n, n, suffix) == 0;
  };
  return ends(".json") || ends(".json.gz");
}
constexpr size_t kMaxWholeJsonBytes = 1u << 30;
}  // namespace

// A .json file may be one JSON document (an object, or an array of objects,
// as exports often are) or NDJSON with a .json name. Try the whole document
// first; if it is not valid JSON, read it as lines.
bool EventStream::ReadWholeJson(const std::string& path, void* source_ptr, const OnEvent& on_event,
                                const OnError& on_error, std::string* error) {
  auto* source = static_cast<ByteSource*>(source_ptr);
  std::string content;
  char chunk[1 << 16];
  while (true) {
    ssize_t n = source->Read(chunk, sizeof(chunk), error);
    if (n < 0) {
      *error = path + ": " + *error;
      return false;
    }
    if (n == 0) break;
    content.append(chunk, static_cast<size_t>(n));
    if (content.size() > kMaxWholeJsonBytes) {
      *error = path + ": .json file larger than 1 GiB; use NDJSON";
      return false;
    }
  }
  simdjson::dom::parser whole;
  simdjson::padded_string padded(content);
  simdjson::dom::element doc;
  if (whole.parse(padded).get(doc) != simdjson::SUCCESS ||
      (doc.type() != simdjson::dom::element_type::OBJECT &&
       doc.type() != simdjson::dom::element_type::ARRAY))
    return ReadBuffer(content, path, on_event, on_error);
  stats_.bytes += content.size();
  if (doc.type() == simdjson::dom::element_type::OBJECT) {
    ++stats_.lines;
    ++stats_.events;
    on_event(Event{doc,
                   std::string_view(content).substr(0, content.find_last_not_of(" \t\r\n") + 1),
                   SourceLine{&path, 1}});
    return true;
  }
  // An array: each element is an event; its bytes are re-serialised compactly.
  uint64_t index = 0;
  std::string raw;
  simdjson::dom::array items = doc.get_array().value_unsafe();
  for (simdjson::dom::element item : items) {
    ++index;
    ++stats_.lines;
    SourceLine where{&path, index};
    if (item.type() != simdjson::dom::element_type::OBJECT) {
      ++stats_.malformed;
      on_error({where, "array element " + std::to_string(index) + " is not a JSON object"});
      continue;
    }
    ++stats_.events;
    raw = simdjson::minify(item);
    if (!on_event(Event{item, raw, where})) break;
  }
  return true;
}

bool EventStream::ReadFile(const std::string& path, const OnEvent& on_event,
                           const OnError& on_error, std::string* error) {
  Impl& im = *impl_;
  int fd = 0;
  if (path != "-") {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      *error = path + ": " + strerror(errno);
      return false;
    }
  }
  struct Closer {
    int fd;
    ~Closer() {
      if (fd > 0) ::close(fd);
    }
  } closer{fd};
  ++stats_.files;
  ByteSource source(fd);
  if (IsWholeJsonFile(path)) return ReadWholeJson(path, &source, on_event, on_error, error);
  const size_t max_line = im.options.max_line_bytes;
  size_t len = 0;      // bytes in buffer
  size_t start = 0;    // start of the current line in buffer
  size_t scanned = 0;  // bytes of the current line already searched for '\n'
  uint64_t line_no = 1;
  bool skipping = false;  // inside an over-long line
  bool eof = false;

  auto handle_line = [&](size_t b, size_t e) -> bool {
    return HandleLine(std::string_view(im.buf.get() + b, e - b), SourceLine{&path, line_no},
                      on_event, on_error);
  };

  im.Reserve(kReadChunk);
  while (true) {
    // Find complete lines in [start + scanned, len).
    while (true) {
      char* base = im.buf.get();
      char* nl = static_cast<char*>(memchr(base + start + scanned, '\n', len - start - scanned));
      if (!nl) {
        scanned = len - start;
        break;
      }
      size_t end = nl - base;
      if (skipping) {
        skipping = false;
      } else if (!handle_line(start, end)) {
        return true;
      }
      start = end + 1;
      scanned = 0;
      ++line_no;
    }
    if (eof) break;
    // The current partial line [start, len) is too long: report it once and
    // drop its bytes until its newline.
    if (!skipping && len - start > max_line) {
      ++stats_.lines;
      ++stats_.malformed;
      on_error({SourceLine{&path, line_no},
                "line longer than " + std::to_string(max_line) + " bytes, skipped"});
      skipping = true;
    }
    if (skipping) {
      stats_.bytes += len - start;
      start = len;
      scanned = 0;
    }
    // Compact, then read more.
    if (start > 0) {
      memmove(im.buf.get(), im.buf.get() + start, len - start);
      len -= start;
      start = 0;
    }
    im.Reserve(len + kReadChunk);
    ssize_t n = source.Read(im.buf.get() + len, kReadChunk, error);
    if (n < 0) {
      *error = path + ": " + *error;
      return false;
    }
    if (n == 0) {
      eof = true;
      if (len > start && !skipping) {
        // A last line without a newline.
        if (!handle_line(start, len)) return true;
        ++line_no;
      } else if (skipping) {
        stats_.bytes += len - start;
      }
      start = len;
      scanned = 0;
      continue;
    }
    len += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace picket::io
