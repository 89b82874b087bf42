// Per-file resource accounting for one top-level scan: the memory the scanner
// holds (read-in input that is not a file mapping, decompressed data, archive
// members, the pickle machine's values, stack and memo) and the wall-clock
// deadline.
//
// Contract: Charge() adds bytes and returns false once the total passes the
// limit (the caller stops and reports `inconclusive`; the charge is kept so
// that every later Charge fails too). Release() gives bytes back. Expired()
// reads the clock and stays true once the deadline passed. Not thread-safe:
// one budget per file being scanned.
#pragma once
#include <algorithm>
#include <chrono>
#include <cstdint>

namespace picket::scan {

class ResourceBudget {
 public:
  using Clock = std::chrono::steady_clock;

  ResourceBudget(uint64_t memory_limit, Clock::time_point deadline)
      : limit_(memory_limit), deadline_(deadline) {}
  ResourceBudget(const ResourceBudget&) = delete;
  ResourceBudget& operator=(const ResourceBudget&) = delete;

  bool Charge(uint64_t bytes) {
    used_ += bytes;
    peak_ = std::max(peak_, used_);
    if (used_ > limit_) memory_exhausted_ = true;
    return !memory_exhausted_;
  }
  void Release(uint64_t bytes) { used_ -= std::min(used_, bytes); }
  uint64_t Available() const { return used_ >= limit_ ? 0 : limit_ - used_; }
  uint64_t limit() const { return limit_; }
  uint64_t peak() const { return peak_; }
  bool memory_exhausted() const { return memory_exhausted_; }

  bool Expired() {
    if (!expired_ && Clock::now() > deadline_) expired_ = true;
    return expired_;
  }
  Clock::time_point deadline() const { return deadline_; }

 private:
  uint64_t limit_;
  uint64_t used_ = 0;
  uint64_t peak_ = 0;
  bool memory_exhausted_ = false;
  bool expired_ = false;
  Clock::time_point deadline_;
};

// Gives back what was charged for one buffer when it goes out of scope.
class ChargedBytes {
 public:
  explicit ChargedBytes(ResourceBudget* budget) : budget_(budget) {}
  ~ChargedBytes() {
    if (budget_) budget_->Release(bytes_);
  }
  ChargedBytes(const ChargedBytes&) = delete;
  ChargedBytes& operator=(const ChargedBytes&) = delete;
  // Charges the growth from the previous total to `total`; false when over.
  bool GrowTo(uint64_t total) {
    if (!budget_ || total <= bytes_) return budget_ == nullptr || !budget_->memory_exhausted();
    bool ok = budget_->Charge(total - bytes_);
    bytes_ = total;
    return ok;
  }

  ResourceBudget* budget() const { return budget_; }

 private:
  ResourceBudget* budget_;
  uint64_t bytes_ = 0;
};

}  // namespace picket::scan
