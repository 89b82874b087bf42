// Windows of a regular file mapped read-only, so that large event files are
// parsed where the page cache holds them instead of being copied out by
// read() first (measured: the copy costs about as much as a tenth of the
// parse).
//
// A file that shrinks while it is mapped (a log truncated in place) would
// kill the process with SIGBUS when a page past its new end is touched. A
// process-wide SIGBUS handler, installed on first use, finds the window the
// faulting address belongs to, puts zero pages in place of the rest of the
// window and marks it truncated; the reader checks truncated() and reports
// the file as changed instead of crashing. A SIGBUS outside every window is
// passed to the handler that was there before (or the default action).
//
// One FileWindow maps one window at a time; windows of different objects
// (threads) are independent (at most kMaxLiveWindows at once; Map refuses
// more, and the caller then reads the file instead).
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace picket::io {

class FileWindow {
 public:
  static constexpr size_t kMaxLiveWindows = 64;

  explicit FileWindow(int fd) : fd_(fd) {}
  ~FileWindow() { Unmap(); }
  FileWindow(const FileWindow&) = delete;
  FileWindow& operator=(const FileWindow&) = delete;

  // Maps bytes [offset, offset + length) of the file, replacing the previous
  // window; returns a pointer to the byte at `offset`, or null (errno set)
  // when the file cannot be mapped. Bytes after the window's end up to its
  // page boundary are readable (zeros past the file's end).
  const char* Map(uint64_t offset, size_t length);
  void Unmap();

  // True when a page of the current window was found past the file's end
  // (the file shrank since it was measured); its bytes read as zeros.
  bool truncated() const;

  // Readable bytes after offset + length of the last Map: to the end of its
  // last page.
  size_t slack() const { return slack_; }

 private:
  int fd_;
  char* base_ = nullptr;  // page-aligned start of the mapping
  size_t size_ = 0;       // mapped bytes (whole pages)
  size_t slack_ = 0;
  int slot_ = -1;  // in the handler's table of live windows
};

}  // namespace picket::io
