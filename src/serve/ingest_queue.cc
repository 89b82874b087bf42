#include "serve/ingest_queue.h"

#include "serve/ingest_worker.h"

namespace picket::serve {

bool IngestQueue::TryPush(std::shared_ptr<BulkBatch> batch, size_t events) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return false;
    if (held_ > 0 && held_ + events > capacity_) return false;
    batch->seq = next_seq_++;
    batch->events = events;
    waiting_.push_back(std::move(batch));
    held_ += events;
  }
  cv_.notify_one();
  return true;
}

bool IngestQueue::PopForMatching(std::shared_ptr<BulkBatch>* out) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return closed_ || !waiting_.empty(); });
  if (waiting_.empty()) return false;
  *out = std::move(waiting_.front());
  waiting_.pop_front();
  return true;
}

void IngestQueue::Release(size_t events) {
  std::lock_guard<std::mutex> lock(mu_);
  held_ -= std::min(events, held_);
}

void IngestQueue::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

size_t IngestQueue::depth_events() const {
  std::lock_guard<std::mutex> lock(mu_);
  return held_;
}

}  // namespace picket::serve
