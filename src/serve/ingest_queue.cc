#include "serve/ingest_queue.h"

namespace picket::serve {

bool IngestQueue::TryPush(std::shared_ptr<BulkBatch> batch, size_t events) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return false;
    if (!queue_.empty() && depth_ + events > capacity_) return false;
    queue_.emplace_back(std::move(batch), events);
    depth_ += events;
  }
  cv_.notify_one();
  return true;
}

bool IngestQueue::PopGroup(std::vector<std::shared_ptr<BulkBatch>>* out, size_t max_events) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return closed_ || !queue_.empty(); });
  if (queue_.empty()) return false;
  size_t taken = 0;
  while (!queue_.empty() && (taken == 0 || taken + queue_.front().second <= max_events)) {
    taken += queue_.front().second;
    depth_ -= queue_.front().second;
    out->push_back(std::move(queue_.front().first));
    queue_.pop_front();
  }
  return true;
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
  return depth_;
}

}  // namespace picket::serve
