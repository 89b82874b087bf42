// The bounded queue of accepted `_bulk` requests between the HTTP threads
// and the ingest pipeline (ingest_worker.h), counted in events.
//
// Capacity counts every event the pipeline holds: waiting, being matched,
// or waiting for its decision and commit, until its request is answered
// (Release). TryPush refuses a request that would take it past capacity (the
// HTTP layer then answers 429 and the shipper retries later); a request
// larger than the whole capacity is still taken when nothing is held, so
// that it cannot be refused forever. Requests are numbered in the order
// they are taken (BulkBatch::seq): decisions follow that order whatever
// thread matched them. Once pushed, a request is never dropped: Close()
// stops new pushes, and the pipeline drains what is queued.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>

namespace picket::serve {

struct BulkBatch;

class IngestQueue {
 public:
  explicit IngestQueue(size_t capacity_events) : capacity_(capacity_events) {}

  // Sets batch->seq and batch->events when taken.
  bool TryPush(std::shared_ptr<BulkBatch> batch, size_t events);
  // Blocks until a request is waiting (moved to *out, in arrival order) or
  // the queue is closed and empty (returns false).
  bool PopForMatching(std::shared_ptr<BulkBatch>* out);
  // A request was answered: its events no longer count.
  void Release(size_t events);
  void Close();

  size_t depth_events() const;  // held, as above
  size_t capacity_events() const { return capacity_; }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<BulkBatch>> waiting_;
  size_t held_ = 0;
  uint64_t next_seq_ = 0;
  bool closed_ = false;
};

}  // namespace picket::serve
