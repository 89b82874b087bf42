// The durable alert sink: alerts as NDJSON lines in a file rotated by size,
// or on stdout.
//
// Contract (file mode):
//  * Append buffers; Flush writes the buffer and fdatasyncs. After Flush
//    returns true every appended alert is on disk, and position() names the
//    end of what is on disk: (file sequence number, byte offset).
//  * The caller records position() in the state store in the same atomic
//    commit as the state changes that produced the alerts. On restart, Open
//    is given that committed position and cuts off anything written after it
//    (alerts whose state changes were lost in a crash); re-sending the
//    unacknowledged events then writes them again, once.
//  * The current file is `path`; rotation (only between commits, via
//    RotateIfNeeded) renames it to `path.<seq>` and starts `path` afresh
//    with seq + 1.
// Stdout mode ("-") flushes stdout; nothing can be cut off after a crash,
// so a replay may repeat alerts (with the same ids).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace picket::serve {

struct AlertLogPosition {
  uint64_t seq = 0;
  uint64_t offset = 0;
  std::string Encode() const;  // 16 bytes
  static std::optional<AlertLogPosition> Decode(std::string_view bytes);
};

class AlertLog {
 public:
  // `max_bytes` = rotate when the current file reaches it (0 = never).
  static std::unique_ptr<AlertLog> Open(const std::string& path, uint64_t max_bytes,
                                        const std::optional<AlertLogPosition>& committed,
                                        std::string* error);
  ~AlertLog();

  void Append(std::string_view alert_json);  // one line; the newline is added
  bool Flush(std::string* error);
  AlertLogPosition position() const { return {seq_, flushed_offset_}; }
  bool RotateIfNeeded(std::string* error);

  bool is_stdout() const { return fd_ == 1; }
  const std::string& path() const { return path_; }
  // The file that holds sequence number `seq`: path() when current, else
  // path().<seq>.
  std::string FileForSeq(uint64_t seq) const;
  // Bytes cut off at Open (uncommitted alerts of a crashed run).
  uint64_t truncated_at_open() const { return truncated_; }

 private:
  AlertLog() = default;
  std::string path_;
  uint64_t max_bytes_ = 0;
  int fd_ = -1;
  uint64_t seq_ = 0;
  uint64_t flushed_offset_ = 0;
  uint64_t truncated_ = 0;
  std::string buffer_;
};

}  // namespace picket::serve
