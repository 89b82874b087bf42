// The durable alert sink: alerts as NDJSON lines in a file rotated by size,
// or on stdout.
//
// Contract (file mode):
//  * Append buffers; Flush writes the buffer and fdatasyncs. After Flush
//    returns true every appended alert is on disk, and position() names the
//    end of what is on disk and the file it is in: (file sequence number,
//    byte offset, device and inode, XXH3-128 of the bytes before offset).
//  * The caller records position() in the state store in the same atomic
//    commit as the state changes that produced the alerts. On restart, Open
//    is given that committed position and cuts off anything written after it
//    (alerts whose state changes were lost in a crash); re-sending the
//    unacknowledged events then writes them again, once.
//  * Open cuts a file only when it can prove that picket wrote it: same
//    device and inode as committed, the committed prefix unchanged (its
//    checksum), and every line after it an alert (a JSON object with
//    kibana.alert.uuid; the last line may be incomplete). Anything else —
//    another file at the path, an edited prefix, foreign lines, a file
//    shorter than the committed offset, a position recorded by an older
//    picket without identity when there is something to cut — makes Open
//    fail with a message saying what differs; nothing is changed on disk.
//  * The current file is `path`; rotation (only between commits, via
//    RotateIfNeeded) renames it to `path.<seq>` and starts `path` afresh
//    with seq + 1. The caller commits the new position at once, so that
//    the new file's identity is on record before any alert is written to
//    it. A committed file that is missing or empty (moved away, rotated by
//    another tool) holds nothing to cut: Open starts a new file with the
//    next sequence number and says so (moved_at_open()).
// Stdout mode ("-") flushes stdout; nothing can be cut off after a crash,
// so a replay may repeat alerts (with the same ids).
#pragma once
#include <xxhash.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace picket::serve {

struct AlertLogPosition {
  uint64_t seq = 0;
  uint64_t offset = 0;
  // Identity of the file (seq) and of its first `offset` bytes. A position
  // decoded from an older picket's 16-byte record has none (has_identity).
  uint64_t device = 0, inode = 0;
  uint64_t prefix_hash_high = 0, prefix_hash_low = 0;
  bool has_identity = false;

  std::string Encode() const;  // 48 bytes
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
  void AppendLines(std::string_view lines) { buffer_.append(lines); }  // each ends in '\n'
  bool Flush(std::string* error);
  bool has_pending() const { return !buffer_.empty(); }  // appended, not yet flushed
  // Forgets the alerts appended since the last Flush (a group that cannot
  // be acknowledged: its events will be sent again).
  void DiscardPending() { buffer_.clear(); }
  AlertLogPosition position() const;
  // Rotates when the current file has reached max_bytes; *rotated says
  // whether it did (the caller then commits position()).
  bool RotateIfNeeded(std::string* error, bool* rotated = nullptr);

  bool is_stdout() const { return fd_ == 1; }
  const std::string& path() const { return path_; }
  // The file that holds sequence number `seq`: path() when current, else
  // path().<seq>.
  std::string FileForSeq(uint64_t seq) const;
  // Bytes cut off at Open (uncommitted alerts of a crashed run).
  uint64_t truncated_at_open() const { return truncated_; }
  // Set when the committed file was missing or empty at Open and a new
  // sequence number was started.
  bool moved_at_open() const { return moved_; }

 private:
  AlertLog();
  bool OpenCurrent(const std::optional<AlertLogPosition>& committed, std::string* error);
  bool HashExisting(uint64_t size, std::string* error);

  std::string path_;
  uint64_t max_bytes_ = 0;
  int fd_ = -1;
  uint64_t seq_ = 0;
  uint64_t flushed_offset_ = 0;
  uint64_t device_ = 0, inode_ = 0;
  uint64_t truncated_ = 0;
  bool moved_ = false;
  std::string buffer_;
  // XXH3-128 of the current file's flushed bytes, kept as they are written.
  std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> hash_;
};

}  // namespace picket::serve
