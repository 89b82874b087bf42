// Reads NDJSON events from files, directories (recursively: .ndjson, .jsonl,
// .json and their .gz) and stdin ("-"), parses each line with simdjson and
// hands over the parsed document together with its exact bytes.
//
// Malformed lines (bad JSON, not an object, invalid UTF-8, too deep, longer
// than the line limit) are reported through on_error with source:line and a
// reason, counted, and skipped; reading goes on with the next line. Lines
// are parsed in batches (one simdjson document stream per ~1 MiB), with the
// same result as parsing each line alone. gzip is recognised by content, not
// by name. Memory is bounded by the line limit, whatever the input's size
// (unless StreamOptions::keep_windows asks to keep mapped files).
//
// A .json file may instead hold a top-level array of objects, read element
// by element (memory bounded by the largest element, which the line limit
// also caps; an element's line is the line it starts on, its bytes are
// re-serialised compactly), or one JSON object over several lines (at most
// the line limit); otherwise it is read as NDJSON.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "event/document.h"

namespace picket::io {

class ByteSource;

struct SourceLine {
  const std::string* source = nullptr;  // file name, or "-" for stdin
  uint64_t line = 0;                    // 1-based
};

// Valid only during the on_event call: the document and the bytes are reused
// (except raw when `stable`, see StreamOptions::keep_windows).
struct Event {
  event::Json doc;
  std::string_view raw;  // the line exactly as read, without its newline
  SourceLine where;
  bool stable = false;  // raw stays valid until the stream is destroyed
};

// Like Event, valid only during the on_error call (where.source points at
// the reader's copy of the name); keep ToString() to hold on to it.
struct InputError {
  SourceLine where;
  std::string reason;
  std::string ToString() const;  // "file:line: reason"
};

struct StreamOptions {
  size_t max_line_bytes = 64u << 20;  // longer lines are skipped and reported
  size_t max_depth = 1024;            // JSON nesting limit
  // Parse each line alone instead of batches of lines as a document stream:
  // the reference that batched reading is tested against (same events, same
  // problems), and slower.
  bool line_by_line = false;
  // Keep the mapped windows of files read in place (plain files of at
  // least 1 MiB, not stdin, not gzip, not .json) until the stream is
  // destroyed, up to a few GB: their events' raw bytes then stay valid
  // (Event::stable), and a consumer that keeps events (hunt --eql) need not
  // copy them. The bytes are the file's pages: KeptFilesUnchanged() tells
  // whether they are still the bytes that were read. Mapped pages count in
  // the process's resident size.
  bool keep_windows = false;
};

struct StreamStats {
  uint64_t lines = 0;      // non-empty lines
  uint64_t events = 0;     // parsed objects handed to on_event
  uint64_t malformed = 0;  // reported through on_error
  uint64_t streamed = 0;   // events taken from a batch's document stream (the
                           // rest were parsed line by line)
  uint64_t bytes = 0;
  uint64_t files = 0;
};

// Expands files and directories into a sorted list of input files; "-"
// stays as is. Returns false with *error for a path that does not exist.
bool ExpandInputs(const std::vector<std::string>& paths, std::vector<std::string>* files,
                  std::string* error);

class EventStream {
 public:
  using OnEvent = std::function<bool(const Event&)>;  // false stops reading
  using OnError = std::function<void(const InputError&)>;

  explicit EventStream(StreamOptions options = {});
  ~EventStream();

  // Reads one input (a file or "-"). Returns false with *error when the
  // input cannot be opened or read (a hard I/O error, not a bad line).
  bool ReadFile(const std::string& path, const OnEvent& on_event, const OnError& on_error,
                std::string* error);
  // Parses a buffer of NDJSON lines (used by HTTP ingest and tests).
  bool ReadBuffer(std::string_view data, const std::string& source, const OnEvent& on_event,
                  const OnError& on_error);

  const StreamStats& stats() const { return stats_; }

  // With keep_windows: true when every file whose windows are kept is as it
  // was opened (same size, modification and change times, and no page
  // found past its end), so the stable events' bytes are those that were
  // read; otherwise false with *changed naming the first file that moved.
  bool KeptFilesUnchanged(std::string* changed) const;

 private:
  bool ReadLines(ByteSource* source, const std::string& path, size_t len, uint64_t line_no,
                 const OnEvent& on_event, const OnError& on_error, std::string* error);
  bool ReadMapped(int fd, uint64_t begin, uint64_t size, const std::string& path,
                  const OnEvent& on_event, const OnError& on_error, std::string* error,
                  bool* mapped);
  bool ReadJsonFile(ByteSource* source, const std::string& path, const OnEvent& on_event,
                    const OnError& on_error, std::string* error);
  bool ReadJsonArray(ByteSource* source, const std::string& path, size_t len, size_t pos,
                     const OnEvent& on_event, const OnError& on_error, std::string* error);
  bool ReadMore(ByteSource* source, const std::string& path, size_t* len, bool* eof,
                std::string* error);
  bool FillUntil(ByteSource* source, const std::string& path, size_t* len, bool* eof,
                 const std::function<bool()>& enough, std::string* error);
  bool ParseLines(const char* data, size_t len, size_t batch, const std::string* source,
                  uint64_t* line_no, const OnEvent& on_event, const OnError& on_error);
  bool ParseBatch(const char* data, size_t len, bool retry, const std::string* source,
                  uint64_t* line_no, const OnEvent& on_event, const OnError& on_error);
  bool HandleLine(std::string_view line, SourceLine where, const OnEvent& on_event,
                  const OnError& on_error);
  struct Impl;
  Impl* impl_;
  StreamStats stats_;
};

}  // namespace picket::io
