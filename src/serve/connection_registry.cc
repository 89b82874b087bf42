#include "serve/connection_registry.h"

namespace picket::serve {

uint64_t ConnectionRegistry::OldestIdle(const std::string* client) const {
  uint64_t best = 0, best_since = UINT64_MAX;
  for (const auto& [id, e] : entries_) {
    if (!e.idle || (client && e.client != *client)) continue;
    if (e.idle_since < best_since) {
      best = id;
      best_since = e.idle_since;
    }
  }
  return best;
}

void ConnectionRegistry::Erase(uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  auto c = per_client_.find(it->second.client);
  if (c != per_client_.end() && --c->second == 0) per_client_.erase(c);
  entries_.erase(it);
}

ConnectionRegistry::Admission ConnectionRegistry::Admit(const std::string& client) {
  std::lock_guard<std::mutex> lock(mu_);
  Admission a;
  auto count = per_client_.find(client);
  if (count != per_client_.end() && count->second >= max_per_client_) {
    uint64_t victim = OldestIdle(&client);
    if (!victim) {
      a.refusal = "too many connections from " + client + " (" + std::to_string(count->second) +
                  " open, all busy; --max-client-connections " + std::to_string(max_per_client_) +
                  ")";
      return a;
    }
    a.evicted.push_back(victim);
    Erase(victim);
  }
  if (entries_.size() >= max_total_) {
    uint64_t victim = OldestIdle(nullptr);
    if (!victim) {
      a.refusal = "too many connections (" + std::to_string(entries_.size()) +
                  " open, all busy; --max-connections " + std::to_string(max_total_) + ")";
      return a;
    }
    a.evicted.push_back(victim);
    Erase(victim);
  }
  a.admitted = true;
  a.id = next_id_++;
  entries_[a.id] = Entry{client, false, 0};
  ++per_client_[client];
  return a;
}

void ConnectionRegistry::MarkIdle(uint64_t id, bool idle) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  it->second.idle = idle;
  if (idle) it->second.idle_since = ++tick_;
}

void ConnectionRegistry::Remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  Erase(id);
}

size_t ConnectionRegistry::open() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

size_t ConnectionRegistry::open_from(const std::string& client) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = per_client_.find(client);
  return it == per_client_.end() ? 0 : it->second;
}

}  // namespace picket::serve
