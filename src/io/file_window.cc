#include "io/file_window.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>

namespace picket::io {
namespace {

// The live windows, as the SIGBUS handler sees them. A slot is claimed with
// `used`, then `size` and `base` are published; the handler reads base and
// size only (async-signal-safe: plain atomics and mmap).
struct LiveWindow {
  std::atomic<bool> used{false};
  std::atomic<char*> base{nullptr};
  std::atomic<size_t> size{0};
  std::atomic<bool> hit{false};
};
LiveWindow g_live[FileWindow::kMaxLiveWindows];
struct sigaction g_previous;
size_t g_page = 4096;

void OnSigbus(int sig, siginfo_t* info, void* context) {
  char* addr = static_cast<char*>(info->si_addr);
  for (LiveWindow& w : g_live) {
    char* base = w.base.load(std::memory_order_acquire);
    size_t size = w.size.load(std::memory_order_acquire);
    if (base == nullptr || addr < base || addr >= base + size) continue;
    // Zero pages from the faulting page to the window's end: the access is
    // retried and reads zeros; the reader sees the flag.
    char* page = base + (static_cast<size_t>(addr - base) & ~(g_page - 1));
    void* zero = mmap(page, static_cast<size_t>(base + size - page), PROT_READ,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (zero != MAP_FAILED) {
      w.hit.store(true, std::memory_order_release);
      return;
    }
    break;
  }
  // Not a window of ours: whatever was there before.
  if (g_previous.sa_flags & SA_SIGINFO) {
    if (g_previous.sa_sigaction) {
      g_previous.sa_sigaction(sig, info, context);
      return;
    }
  } else if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(sig);
    return;
  }
  signal(SIGBUS, SIG_DFL);
  // A fault repeats when the handler returns and then takes the default
  // action; a signal sent by kill() has to be raised again.
  if (info->si_code <= 0) raise(SIGBUS);
}

void InstallHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    long page = sysconf(_SC_PAGESIZE);
    if (page > 0) g_page = static_cast<size_t>(page);
    struct sigaction action = {};
    action.sa_sigaction = OnSigbus;
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    sigaction(SIGBUS, &action, &g_previous);
  });
}

}  // namespace

const char* FileWindow::Map(uint64_t offset, size_t length) {
  Unmap();
  InstallHandler();
  for (int i = 0; i < static_cast<int>(kMaxLiveWindows) && slot_ < 0; ++i) {
    bool expected = false;
    if (g_live[i].used.compare_exchange_strong(expected, true)) slot_ = i;
  }
  if (slot_ < 0) {
    errno = EMFILE;
    return nullptr;
  }
  uint64_t aligned = offset & ~static_cast<uint64_t>(g_page - 1);
  size_t lead = static_cast<size_t>(offset - aligned);
  size_t size = (lead + length + g_page - 1) & ~(g_page - 1);
  // MAP_POPULATE maps the window's cached pages in one call instead of one
  // fault per 16 pages (a 394 MB file: ~6k faults); pages past a shrunken
  // file's end are left unmapped, so the touch below still finds them.
  void* p =
      mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd_, static_cast<off_t>(aligned));
  if (p == MAP_FAILED) {
    g_live[slot_].used.store(false);
    slot_ = -1;
    return nullptr;
  }
  base_ = static_cast<char*>(p);
  size_ = size;
  slack_ = size - lead - length;
  LiveWindow& w = g_live[slot_];
  w.hit.store(false, std::memory_order_relaxed);
  w.size.store(size, std::memory_order_release);
  w.base.store(base_, std::memory_order_release);
  // Read ahead of the parser (a cold file), and touch every page now: a
  // file truncated since it was measured is found here, before a byte of
  // the window is parsed, rather than half-way through a line.
  madvise(base_, size_, MADV_WILLNEED);
  volatile char sink = 0;
  for (size_t at = 0; at < size_; at += g_page) sink = sink + base_[at];
  return base_ + lead;
}

void FileWindow::Unmap() {
  if (!base_) return;
  LiveWindow& w = g_live[slot_];
  w.base.store(nullptr, std::memory_order_release);
  w.size.store(0, std::memory_order_release);
  munmap(base_, size_);
  w.used.store(false, std::memory_order_release);
  base_ = nullptr;
  size_ = 0;
  slot_ = -1;
}

bool FileWindow::truncated() const {
  return slot_ >= 0 && g_live[slot_].hit.load(std::memory_order_acquire);
}

}  // namespace picket::io
