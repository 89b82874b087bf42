// ChunkedVector<T>: an append-only sequence kept in chunks of a fixed number
// of elements. Growing never moves or copies what is already stored (a
// std::vector that doubles copies everything and touches about twice the
// memory it ends up holding: fresh pages cost a fault each), and references
// to elements stay valid while the vector lives.
#pragma once
#include <cstddef>
#include <utility>
#include <vector>

namespace picket {

template <typename T, size_t kChunk = 4096>
class ChunkedVector {
  static_assert(kChunk > 0 && (kChunk & (kChunk - 1)) == 0, "kChunk must be a power of two");

 public:
  template <typename... Args>
  T& emplace_back(Args&&... args) {
    if (chunks_.empty() || chunks_.back().size() == kChunk) {
      chunks_.emplace_back();
      chunks_.back().reserve(kChunk);  // never reallocated: at most kChunk elements
    }
    ++size_;
    return chunks_.back().emplace_back(std::forward<Args>(args)...);
  }
  void push_back(const T& v) { emplace_back(v); }
  void push_back(T&& v) { emplace_back(std::move(v)); }

  T& operator[](size_t i) { return chunks_[i / kChunk][i % kChunk]; }
  const T& operator[](size_t i) const { return chunks_[i / kChunk][i % kChunk]; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  std::vector<std::vector<T>> chunks_;
  size_t size_ = 0;
};

}  // namespace picket
