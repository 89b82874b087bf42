// A bounded queue of accepted `_bulk` requests between the HTTP threads and
// the single ingest worker, counted in events.
//
// TryPush refuses a request when it would take the queue past its capacity
// (the HTTP layer then answers 429 and the shipper retries later); a request
// larger than the whole capacity is still taken when the queue is empty, so
// that it cannot be refused forever. Once pushed, a request is never dropped:
// Close() stops new pushes, and the worker drains what is queued.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

namespace picket::serve {

struct BulkBatch;

class IngestQueue {
 public:
  explicit IngestQueue(size_t capacity_events) : capacity_(capacity_events) {}

  bool TryPush(std::shared_ptr<BulkBatch> batch, size_t events);
  // Blocks until something is queued or the queue is closed and empty
  // (returns false). Moves out queued batches, at least one, until their
  // events reach `max_events`.
  bool PopGroup(std::vector<std::shared_ptr<BulkBatch>>* out, size_t max_events);
  void Close();

  size_t depth_events() const;
  size_t capacity_events() const { return capacity_; }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::shared_ptr<BulkBatch>, size_t>> queue_;
  size_t depth_ = 0;
  bool closed_ = false;
};

}  // namespace picket::serve
