#include "io/event_stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include "io/byte_source.h"
#include "io/file_window.h"
#include "io/json_value_end.h"

namespace picket::io {
namespace {

// Bytes asked of the source at a time.
constexpr size_t kReadChunk = 1u << 20;
// Lines are parsed as one simdjson document stream per batch of about this
// many bytes (measured: 1 MiB parses faster than 256 KiB or 4 MiB batches,
// and than one parse per line). A line longer than a batch is parsed alone.
constexpr size_t kBatchBytes = 1u << 20;
// After a bad line, the rest of its batch is parsed in batches of this size.
constexpr size_t kRetryBatchBytes = 64u << 10;
// Plain files at least this large are parsed from mapped windows of this
// many bytes (mapped file pages count in the resident size while mapped).
constexpr size_t kMapMinBytes = 1u << 20;
constexpr size_t kWindowBytes = 8u << 20;
// With keep_windows: larger windows (the SIGBUS handler of file_window.h
// has a fixed number of slots), at most this many kept (up to 3 GB; the
// rest is read in windows that are unmapped as usual).
constexpr size_t kKeptWindowBytes = 64u << 20;
constexpr size_t kMaxKeptWindows = 48;
static_assert(kMaxKeptWindows + 8 <= FileWindow::kMaxLiveWindows);

bool HasEventExtension(const std::string& name) {
  std::string n = name;
  if (n.size() > 3 && n.compare(n.size() - 3, 3, ".gz") == 0) n.resize(n.size() - 3);
  for (const char* ext : {".ndjson", ".jsonl", ".json"}) {
    size_t len = strlen(ext);
    if (n.size() > len && n.compare(n.size() - len, len, ext) == 0) return true;
  }
  return false;
}

bool IsWholeJsonFile(const std::string& path) {
  auto ends = [&](const char* suffix) {
    size_t n = strlen(suffix);
    return path.size() > n && path.compare(path.size() - n, n, suffix) == 0;
  };
  return ends(".json") || ends(".json.gz");
}

// Bytes a line may have around its JSON text: a blank line has only these.
inline bool IsLineSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }
inline bool IsJsonSpace(char c) { return IsLineSpace(c) || c == '\n'; }

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

std::string TooLong(size_t limit) {
  return "line longer than " + std::to_string(limit) + " bytes, skipped";
}

}  // namespace

std::string InputError::ToString() const {
  return (where.source ? *where.source : std::string("?")) + ":" + std::to_string(where.line) +
         ": " + reason;
}

struct EventStream::Impl {
  simdjson::dom::parser parser;
  StreamOptions options;
  // Bytes read and not yet consumed, with simdjson padding after the used
  // part: [0, cap - SIMDJSON_PADDING) usable.
  std::unique_ptr<char[]> buf;
  size_t cap = 0;
  std::string raw;  // an array element re-serialised
  // keep_windows: the files whose windows are kept, each with a duplicate
  // of its descriptor (to fstat it later) and its state when opened.
  struct KeptFile {
    std::string path;
    int fd = -1;
    struct stat at_open;
    std::vector<std::unique_ptr<FileWindow>> windows;
  };
  std::vector<KeptFile> kept;
  size_t kept_windows = 0;
  struct stat opened;   // the file ReadMapped reads, when ReadFile opened it
  bool stable = false;  // the lines being parsed are in a kept window

  ~Impl() {
    for (KeptFile& f : kept)
      if (f.fd >= 0) ::close(f.fd);
  }

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
#ifdef SIMDJSON_THREADS_ENABLED
  // One core: document streams parse their next batch in this thread, not
  // in a helper thread.
  impl_->parser.threaded = false;
#endif
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
    on_error({where, TooLong(im.options.max_line_bytes)});
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
  return on_event(Event{doc, original, where, im.stable});
}

// Parses the complete lines data[0, len) (the last one may lack its '\n'
// only at the end of the input), followed by SIMDJSON_PADDING readable
// bytes, in batches of about `batch` bytes. A line longer than a batch is
// parsed alone.
bool EventStream::ParseLines(const char* data, size_t len, size_t batch, const std::string* source,
                             uint64_t* line_no, const OnEvent& on_event, const OnError& on_error) {
  size_t pos = 0;
  while (pos < len) {
    size_t end = len;
    if (len - pos > batch) {
      const void* nl = memrchr(data + pos, '\n', batch);
      if (nl) {
        end = static_cast<const char*>(nl) - data + 1;
      } else {  // one line longer than a batch: alone
        nl = memchr(data + pos + batch, '\n', len - pos - batch);
        end = nl ? static_cast<const char*>(nl) - data + 1 : len;
        uint64_t line = (*line_no)++;
        size_t line_end = nl ? end - 1 : end;
        if (!HandleLine(std::string_view(data + pos, line_end - pos), SourceLine{source, line},
                        on_event, on_error))
          return false;
        pos = end;
        continue;
      }
    }
    if (!ParseBatch(data + pos, end - pos, batch > kRetryBatchBytes, source, line_no, on_event,
                    on_error))
      return false;
    pos = end;
  }
  return true;
}

// One batch of lines as a simdjson document stream (one stage-1 pass over
// the batch instead of one per line). A document is taken from the stream
// only when it is exactly the JSON text of the next non-blank line (spaces,
// tabs and CRs around it) and an object, i.e. when parsing that line alone
// gives the same document. The first line where that fails (bad JSON stops
// a stream, anywhere in its batch for a stage-1 error such as bad UTF-8; a
// document may span lines) is parsed alone, which reports its problem with
// its line; the rest of the batch goes on in small batches (`retry`), so
// that a bad line costs line-by-line parsing of at most a small batch, and
// the bytes before it at most a second stage-1 pass. So the result is the
// same as HandleLine on every line, in order.
bool EventStream::ParseBatch(const char* data, size_t len, bool retry, const std::string* source,
                             uint64_t* line_no, const OnEvent& on_event, const OnError& on_error) {
  Impl& im = *impl_;
  simdjson::dom::document_stream docs;
  bool streaming = !im.options.line_by_line &&
                   im.parser
                           .parse_many(reinterpret_cast<const uint8_t*>(data), len,
                                       std::max(len, simdjson::dom::MINIMAL_BATCH_SIZE))
                           .get(docs) == simdjson::SUCCESS;
  simdjson::dom::document_stream::iterator it, docs_end;
  if (streaming) {
    it = docs.begin();
    docs_end = docs.end();
  }
  const size_t max_line = im.options.max_line_bytes;
  size_t pos = 0;
  while (pos < len) {
    const void* nl = memchr(data + pos, '\n', len - pos);
    size_t end = nl ? static_cast<const char*>(nl) - data : len;
    SourceLine where{source, (*line_no)++};
    if (streaming) {
      size_t first = pos;
      while (first < end && IsLineSpace(data[first])) ++first;
      if (first == end) {  // blank
        stats_.bytes += end - pos + 1;
        pos = end + 1;
        continue;
      }
      simdjson::dom::element doc;
      if (it != docs_end && end - pos <= max_line && (*it).get(doc) == simdjson::SUCCESS &&
          it.current_index() == first && doc.type() == simdjson::dom::element_type::OBJECT) {
        size_t doc_end = first + it.source().size();
        size_t rest = doc_end;
        while (rest < end && IsLineSpace(data[rest])) ++rest;
        if (doc_end <= end && rest == end) {
          stats_.bytes += end - pos + 1;
          ++stats_.lines;
          ++stats_.events;
          ++stats_.streamed;
          if (!on_event(Event{doc, std::string_view(data + pos, end - pos), where, im.stable}))
            return false;
          ++it;
          pos = end + 1;
          continue;
        }
      }
      streaming = false;  // this line alone, then the rest
      if (!HandleLine(std::string_view(data + pos, end - pos), where, on_event, on_error))
        return false;
      pos = end + 1;
      if (retry && pos < len)
        return ParseLines(data + pos, len - pos, kRetryBatchBytes, source, line_no, on_event,
                          on_error);
      continue;
    }
    if (!HandleLine(std::string_view(data + pos, end - pos), where, on_event, on_error))
      return false;
    pos = end + 1;
  }
  return true;
}

bool EventStream::ReadBuffer(std::string_view data, const std::string& source,
                             const OnEvent& on_event, const OnError& on_error) {
  Impl& im = *impl_;
  uint64_t line_no = 1;
  size_t pos = 0;
  while (pos < data.size()) {
    // Complete lines of about a batch, copied after the padding they need.
    size_t end = data.size();
    if (end - pos > kBatchBytes) {
      const void* nl = memrchr(data.data() + pos, '\n', kBatchBytes);
      if (!nl) nl = memchr(data.data() + pos + kBatchBytes, '\n', end - pos - kBatchBytes);
      if (nl) end = static_cast<const char*>(nl) - data.data() + 1;
    }
    im.Reserve(end - pos);
    memcpy(im.buf.get(), data.data() + pos, end - pos);
    if (!ParseLines(im.buf.get(), end - pos, kBatchBytes, &source, &line_no, on_event, on_error))
      return false;
    pos = end;
  }
  return true;
}

// Lines from `source`, after the `len` bytes already in the buffer (read
// from it by the caller, which also counted `line_no`).
bool EventStream::ReadLines(ByteSource* source, const std::string& path, size_t len,
                            uint64_t line_no, const OnEvent& on_event, const OnError& on_error,
                            std::string* error) {
  Impl& im = *impl_;
  const size_t max_line = im.options.max_line_bytes;
  size_t start = 0;       // start of the first unconsumed line in the buffer
  size_t scanned = 0;     // bytes from start already known to hold no '\n'
  bool skipping = false;  // inside an over-long line, dropping its bytes
  bool eof = false;
  while (true) {
    if (skipping) {
      const void* nl = memchr(im.buf.get() + start, '\n', len - start);
      stats_.bytes += (nl ? static_cast<const char*>(nl) + 1 - im.buf.get() : len) - start;
      if (!nl) {
        start = len;
        if (eof) ++stats_.bytes;  // counted as if it ended with '\n', as any last line
      } else {
        skipping = false;
        start = static_cast<const char*>(nl) + 1 - im.buf.get();
        ++line_no;
      }
      scanned = 0;
    }
    if (!skipping) {
      // Every complete line (and at the end, a last one without '\n').
      size_t end = len;
      if (!eof) {
        const void* nl = memrchr(im.buf.get() + start + scanned, '\n', len - start - scanned);
        end = nl ? static_cast<const char*>(nl) + 1 - im.buf.get() : start;
      }
      if (end > start) {
        if (!ParseLines(im.buf.get() + start, end - start, kBatchBytes, &path, &line_no, on_event,
                        on_error))
          return true;
        start = end;
      }
      scanned = len - start;
      if (eof) break;
      // The partial line [start, len) is too long: report it once and drop
      // its bytes up to its newline.
      if (len - start > max_line) {
        ++stats_.lines;
        ++stats_.malformed;
        on_error({SourceLine{&path, line_no}, TooLong(max_line)});
        stats_.bytes += len - start;
        start = len;
        scanned = 0;
        skipping = true;
      }
    } else if (eof) {
      break;
    }
    // Compact, then read more.
    if (start > 0) {
      memmove(im.buf.get(), im.buf.get() + start, len - start);
      len -= start;
      start = 0;
    }
    if (!ReadMore(source, path, &len, &eof, error)) return false;
  }
  return true;
}

// Appends a chunk of the source to the buffer's `*len` bytes; *eof at its
// end; false on a read error.
bool EventStream::ReadMore(ByteSource* source, const std::string& path, size_t* len, bool* eof,
                           std::string* error) {
  Impl& im = *impl_;
  im.Reserve(*len + kReadChunk);
  ssize_t n = source->Read(im.buf.get() + *len, kReadChunk, error);
  if (n < 0) {
    *error = path + ": " + *error;
    return false;
  }
  if (n == 0) *eof = true;
  *len += static_cast<size_t>(n);
  return true;
}

// Reads into the buffer (after `*len` bytes) until `enough` says so or the
// input ends; false on a read error.
bool EventStream::FillUntil(ByteSource* source, const std::string& path, size_t* len, bool* eof,
                            const std::function<bool()>& enough, std::string* error) {
  while (!*eof && !enough())
    if (!ReadMore(source, path, len, eof, error)) return false;
  return true;
}

// A .json file: a top-level array of events (read element by element), one
// JSON object (possibly on many lines), or NDJSON lines under a .json name.
bool EventStream::ReadJsonFile(ByteSource* source, const std::string& path, const OnEvent& on_event,
                               const OnError& on_error, std::string* error) {
  Impl& im = *impl_;
  size_t len = 0;
  bool eof = false;
  size_t first = 0;  // first non-space byte
  auto found_text = [&] {
    while (first < len && IsJsonSpace(im.buf[first])) ++first;
    return first < len;
  };
  if (!FillUntil(source, path, &len, &eof, found_text, error)) return false;
  if (first < len && im.buf[first] == '[')
    return ReadJsonArray(source, path, len, first, on_event, on_error, error);
  if (first == len || im.buf[first] != '{')
    return ReadLines(source, path, len, 1, on_event, on_error, error);
  // An object: NDJSON if its first line is a JSON text alone; else one
  // document over several lines (pretty-printed), up to the line limit.
  const size_t max_line = im.options.max_line_bytes;
  size_t line_end = first;
  auto line_complete = [&] {
    const void* nl = memchr(im.buf.get() + line_end, '\n', len - line_end);
    line_end = nl ? static_cast<const char*>(nl) - im.buf.get() : len;
    return nl != nullptr || len - first > max_line;
  };
  if (!FillUntil(source, path, &len, &eof, line_complete, error)) return false;
  simdjson::dom::element doc;
  if (im.parser.parse(im.buf.get() + first, line_end - first, false).get(doc) == simdjson::SUCCESS)
    return ReadLines(source, path, len, 1, on_event, on_error, error);
  if (!FillUntil(
          source, path, &len, &eof, [&] { return len - first > max_line; }, error))
    return false;
  size_t last = len;
  while (last > first && IsJsonSpace(im.buf[last - 1])) --last;
  if (eof &&
      im.parser.parse(im.buf.get() + first, last - first, false).get(doc) == simdjson::SUCCESS &&
      doc.type() == simdjson::dom::element_type::OBJECT) {
    stats_.bytes += len;
    ++stats_.lines;
    ++stats_.events;
    uint64_t line = 1 + std::count(im.buf.get(), im.buf.get() + first, '\n');
    on_event(Event{doc, std::string_view(im.buf.get(), last), SourceLine{&path, line}});
    return true;
  }
  // Not one document: its lines are reported one by one.
  return ReadLines(source, path, len, 1, on_event, on_error, error);
}

// The elements of a top-level JSON array, each cut out (JsonValueEnd) and
// parsed on its own, so that memory stays bounded by the largest element
// (and the line limit). An element's line is the line it starts on; its
// bytes are re-serialised compactly (an element may span lines).
bool EventStream::ReadJsonArray(ByteSource* source, const std::string& path, size_t len, size_t pos,
                                const OnEvent& on_event, const OnError& on_error,
                                std::string* error) {
  Impl& im = *impl_;
  const size_t max_size = im.options.max_line_bytes;
  uint64_t line = 1 + std::count(im.buf.get(), im.buf.get() + pos, '\n');
  stats_.bytes += pos + 1;
  ++pos;  // '['
  bool eof = false;
  uint64_t index = 0;  // elements seen
  enum class State { kFirst, kValue, kAfter, kDone } state = State::kFirst;
  auto report = [&](uint64_t at, std::string reason) {
    ++stats_.malformed;
    on_error({SourceLine{&path, at}, std::move(reason)});
  };
  // Makes room: drops consumed bytes and reads more; false on a read error.
  auto refill = [&](size_t keep_from) {
    memmove(im.buf.get(), im.buf.get() + keep_from, len - keep_from);
    len -= keep_from;
    pos -= keep_from;
    return ReadMore(source, path, &len, &eof, error);
  };
  JsonValueEnd value_end;
  while (state != State::kDone) {
    // Whitespace between tokens.
    while (pos < len && IsJsonSpace(im.buf[pos])) {
      line += im.buf[pos] == '\n';
      ++pos;
      ++stats_.bytes;
    }
    if (pos == len) {
      if (eof) {
        report(line,
               "unterminated JSON array: the input ends after element " + std::to_string(index));
        return true;
      }
      if (!refill(pos)) return false;
      continue;
    }
    char c = im.buf[pos];
    if (state == State::kAfter) {
      ++pos;
      ++stats_.bytes;
      if (c == ',') {
        state = State::kValue;
      } else if (c == ']') {
        state = State::kDone;
      } else {
        report(line, "expected ',' or ']' after array element " + std::to_string(index));
        --pos;  // read it as the next element
        --stats_.bytes;
        state = State::kValue;
      }
      continue;
    }
    if (c == ']' && state != State::kAfter) {
      if (state == State::kValue)
        report(line, "',' before ']' after array element " + std::to_string(index));
      ++pos;
      ++stats_.bytes;
      break;
    }
    // An element: find its end, reading more as needed.
    ++index;
    ++stats_.lines;
    const uint64_t element_line = line;
    size_t start = pos;
    bool too_long = false;
    value_end.Reset();
    while (true) {
      size_t used = value_end.Scan(im.buf.get() + pos, len - pos);
      line += std::count(im.buf.get() + pos, im.buf.get() + pos + used, '\n');
      pos += used;
      if (value_end.done() || eof) break;
      if (pos - start > max_size) {  // keep no more of it
        too_long = true;
        stats_.bytes += pos - start;
        start = pos;
      }
      if (!refill(start)) return false;
      start = 0;
    }
    stats_.bytes += pos - start;
    state = State::kAfter;
    if (too_long || pos - start > max_size) {
      report(element_line, "array element " + std::to_string(index) + " longer than " +
                               std::to_string(max_size) + " bytes, skipped");
      continue;
    }
    simdjson::dom::element doc;
    auto err = im.parser.parse(im.buf.get() + start, pos - start, false).get(doc);
    if (err) {
      report(element_line, "array element " + std::to_string(index) + ": " +
                               DescribeJsonError(err, im.options.max_depth));
      continue;
    }
    if (doc.type() != simdjson::dom::element_type::OBJECT) {
      report(element_line, "array element " + std::to_string(index) + " is not a JSON object");
      continue;
    }
    ++stats_.events;
    im.raw = simdjson::minify(doc);
    if (!on_event(Event{doc, im.raw, SourceLine{&path, element_line}})) return true;
  }
  // After the array: only whitespace.
  while (true) {
    while (pos < len && IsJsonSpace(im.buf[pos])) {
      line += im.buf[pos] == '\n';
      ++pos;
      ++stats_.bytes;
    }
    if (pos < len) {
      report(line, "text after the top-level JSON array, ignored");
      return true;
    }
    if (eof) return true;
    if (!refill(pos)) return false;
  }
}

// Reads file bytes [from, from + n) to dst; false when fewer exist (the file
// shrank) or on a read error (errno set).
static bool ReadAt(int fd, char* dst, uint64_t from, size_t n) {
  while (n > 0) {
    ssize_t got = pread(fd, dst, n, static_cast<off_t>(from));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    dst += got;
    from += static_cast<uint64_t>(got);
    n -= static_cast<size_t>(got);
  }
  return true;
}

// NDJSON lines of a plain file from `begin` to `size`, parsed in place in
// mapped windows: each window's complete lines (ending at least
// SIMDJSON_PADDING bytes before the window's readable end) are parsed where
// they are; the next window starts at the first line not parsed. A line
// that does not fit in a window, and the file's last bytes when its last
// page leaves no padding, are copied to the buffer. *mapped is false (and
// nothing was read) when the file cannot be mapped.
bool EventStream::ReadMapped(int fd, uint64_t begin, uint64_t size, const std::string& path,
                             const OnEvent& on_event, const OnError& on_error, std::string* error,
                             bool* mapped) {
  Impl& im = *impl_;
  const size_t pad = simdjson::SIMDJSON_PADDING;
  const size_t max_line = im.options.max_line_bytes;
  auto window = std::make_unique<FileWindow>(fd);
  uint64_t off = begin;
  uint64_t line_no = 1;
  *mapped = true;
  auto fail = [&](const char* what) {
    *error = path + ": " + what;
    return false;
  };
  const char* kShrank = "the file shrank while it was read (truncated by another process?)";
  // keep_windows: this file's windows are kept, with a duplicate of its
  // descriptor to tell later whether it changed (stdin cannot be kept: it
  // may be a file that is not ours to look at again).
  Impl::KeptFile* kept = nullptr;
  if (im.options.keep_windows && path != "-" && im.kept_windows < kMaxKeptWindows) {
    int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dup >= 0) {
      kept = &im.kept.emplace_back();
      kept->path = path;
      kept->fd = dup;
      kept->at_open = im.opened;
    }
  }
  while (off < size) {
    const bool keeping = kept && im.kept_windows < kMaxKeptWindows;
    const size_t want = static_cast<size_t>(
        std::min<uint64_t>(size - off, keeping ? kKeptWindowBytes : kWindowBytes));
    const char* p = window->Map(off, want);
    if (!p) {
      if (off == begin) {
        *mapped = false;
        return false;
      }
      return fail(strerror(errno));
    }
    if (window->truncated()) return fail(kShrank);
    const bool last = off + want == size;
    size_t end = 0;  // bytes of the window parsed in place
    if (last && window->slack() >= pad) {
      end = want;
    } else if (want > pad) {
      const void* nl = memrchr(p, '\n', want - pad);
      end = nl ? static_cast<const char*>(nl) - p + 1 : 0;
    }
    if (end > 0) {
      im.stable = keeping;
      const bool go_on = ParseLines(p, end, kBatchBytes, &path, &line_no, on_event, on_error);
      im.stable = false;
      const bool shrank = window->truncated();
      if (keeping) {  // its events' bytes are in it: kept, whatever comes next
        kept->windows.push_back(std::move(window));
        ++im.kept_windows;
        window = std::make_unique<FileWindow>(fd);
      }
      if (!go_on) return true;
      if (shrank) return fail(kShrank);
      off += end;
      if (!last || end == want) continue;
      // The file's last bytes, without room for padding after them.
      im.Reserve(want - end);
      if (!ReadAt(fd, im.buf.get(), off, want - end)) return fail(kShrank);
      if (!ParseLines(im.buf.get(), want - end, kBatchBytes, &path, &line_no, on_event, on_error))
        return true;
      off += want - end;
      continue;
    }
    // A line longer than a window (or the last bytes of a small last
    // window): find its end, then parse it from the buffer or skip it.
    window->Unmap();
    im.Reserve(kReadChunk);
    uint64_t nl_off = size;  // its '\n', or the file's end
    auto find_newline = [&](uint64_t from, uint64_t stop) {
      for (nl_off = size; from < stop;) {
        size_t n = static_cast<size_t>(std::min<uint64_t>(stop - from, kReadChunk));
        if (!ReadAt(fd, im.buf.get(), from, n)) return false;
        if (const void* nl = memchr(im.buf.get(), '\n', n)) {
          nl_off = from + static_cast<uint64_t>(static_cast<const char*>(nl) - im.buf.get());
          return true;
        }
        from += n;
      }
      return true;
    };
    const uint64_t stop = std::min<uint64_t>(size, off + max_line + 1);
    if (!find_newline(off, stop)) return fail(kShrank);
    if (nl_off - off > max_line) {
      ++stats_.lines;
      ++stats_.malformed;
      on_error({SourceLine{&path, line_no}, TooLong(max_line)});
      if (!find_newline(stop, size)) return fail(kShrank);
      stats_.bytes += nl_off - off + 1;
      off = std::min(nl_off + 1, size);
      ++line_no;
      continue;
    }
    const size_t n = static_cast<size_t>(std::min(nl_off + 1, size) - off);
    im.Reserve(n);
    if (!ReadAt(fd, im.buf.get(), off, n)) return fail(kShrank);
    if (!ParseLines(im.buf.get(), n, kBatchBytes, &path, &line_no, on_event, on_error)) return true;
    off += n;
  }
  return true;
}

bool EventStream::ReadFile(const std::string& path, const OnEvent& on_event,
                           const OnError& on_error, std::string* error) {
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
  const bool json = IsWholeJsonFile(path);
  struct stat st;
  off_t begin = lseek(fd, 0, SEEK_CUR);
  unsigned char magic[2] = {0, 0};
  if (!json && begin >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
      st.st_size - begin >= static_cast<off_t>(kMapMinBytes) && pread(fd, magic, 2, begin) == 2 &&
      !(magic[0] == 0x1f && magic[1] == 0x8b)) {
    impl_->opened = st;
    bool mapped = false;
    bool ok = ReadMapped(fd, static_cast<uint64_t>(begin), static_cast<uint64_t>(st.st_size), path,
                         on_event, on_error, error, &mapped);
    if (mapped) return ok;
  }
  ByteSource source(fd);
  if (json) return ReadJsonFile(&source, path, on_event, on_error, error);
  return ReadLines(&source, path, 0, 1, on_event, on_error, error);
}

bool EventStream::KeptFilesUnchanged(std::string* changed) const {
  auto same_time = [](const timespec& a, const timespec& b) {
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
  };
  for (const Impl::KeptFile& f : impl_->kept) {
    struct stat now;
    bool same = fstat(f.fd, &now) == 0 && now.st_size == f.at_open.st_size &&
                same_time(now.st_mtim, f.at_open.st_mtim) &&
                same_time(now.st_ctim, f.at_open.st_ctim);
    for (const auto& w : f.windows) same = same && !w->truncated();
    if (!same) {
      *changed = f.path;
      return false;
    }
  }
  return true;
}

}  // namespace picket::io
