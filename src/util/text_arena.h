// TextArena: copies of many short byte strings kept for the arena's life
// (`hunt --eql` keeps every event that matched a stage until the sequences
// are printed). Add() copies the bytes into large blocks and returns a view
// that stays valid until the arena is destroyed: no allocation per string
// and nothing moved when more are added (a std::vector<std::string> pays a
// malloc per event).
#pragma once
#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace picket {

class TextArena {
 public:
  explicit TextArena(size_t block_bytes = size_t{4} << 20) : block_bytes_(block_bytes) {}

  std::string_view Add(std::string_view text) {
    if (text.empty()) return {};
    if (text.size() > left_) {
      size_t size = std::max(block_bytes_, text.size());  // a long string gets a block of its own
      blocks_.push_back(std::make_unique_for_overwrite<char[]>(size));
      next_ = blocks_.back().get();
      left_ = size;
    }
    std::memcpy(next_, text.data(), text.size());
    std::string_view view(next_, text.size());
    next_ += text.size();
    left_ -= text.size();
    return view;
  }

 private:
  size_t block_bytes_;
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* next_ = nullptr;
  size_t left_ = 0;
};

}  // namespace picket
