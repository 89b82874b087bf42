// TextArena: copies of many short byte strings kept for the arena's life
// (`hunt --eql` keeps every event that matched a stage until the sequences
// are printed). Add() copies the bytes into large blocks and returns a view
// that stays valid until the arena is destroyed: no allocation per string
// and nothing moved when more are added (a std::vector<std::string> pays a
// malloc per event).
//
// Blocks are 2 MiB-aligned and offered to the kernel as transparent huge
// pages (madvise MADV_HUGEPAGE; a hint, ignored where THP is off): filling
// tens of MB of fresh memory otherwise takes one page fault per 4 KiB, which
// measured as much CPU as the copy itself in `hunt --eql`.
#pragma once
#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>
#include <vector>

namespace picket {

class TextArena {
 public:
  static constexpr size_t kHugePage = size_t{2} << 20;

  explicit TextArena(size_t block_bytes = size_t{4} << 20) : block_bytes_(block_bytes) {}

  std::string_view Add(std::string_view text) {
    if (text.empty()) return {};
    if (text.size() > left_) NewBlock(std::max(block_bytes_, text.size()));
    std::memcpy(next_, text.data(), text.size());
    std::string_view view(next_, text.size());
    next_ += text.size();
    left_ -= text.size();
    return view;
  }

 private:
  struct Free {
    void operator()(char* p) const { std::free(p); }
  };

  // A long string gets a block of its own; sizes round up to whole huge pages
  // (aligned_alloc wants a multiple of the alignment).
  void NewBlock(size_t size) {
    size = (size + kHugePage - 1) & ~(kHugePage - 1);
    char* p = static_cast<char*>(std::aligned_alloc(kHugePage, size));
    if (!p) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    madvise(p, size, MADV_HUGEPAGE);
#endif
    blocks_.emplace_back(p);
    next_ = p;
    left_ = size;
  }

  size_t block_bytes_;
  std::vector<std::unique_ptr<char, Free>> blocks_;
  char* next_ = nullptr;
  size_t left_ = 0;
};

}  // namespace picket
