// Which HTTP connections are open, from which client, and which of them are
// idle: the bookkeeping behind serve's connection caps. Thread-safe; holds
// no sockets (the server closes what Admit names).
//
// Policy: at most `max_total` connections, and at most `max_per_client`
// from one client address. A new connection over either cap takes the place
// of the longest-idle connection in its scope (the client's own for the
// per-client cap, any for the total), which is closed: an idle keep-alive
// connection holds no request, and its client simply reconnects. Only when
// every connection in that scope is busy (in the middle of a request or
// waiting for its answer) is the new one refused. So idle connections can
// never lock out a client, and busy ones are bounded by the request
// deadline.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace picket::serve {

class ConnectionRegistry {
 public:
  ConnectionRegistry(size_t max_total, size_t max_per_client)
      : max_total_(max_total), max_per_client_(max_per_client) {}

  struct Admission {
    bool admitted = false;
    uint64_t id = 0;                // of the new connection, when admitted
    std::vector<uint64_t> evicted;  // idle connections to close now
    std::string refusal;            // why, when not admitted
  };
  // Registers a connection from `client` (busy until MarkIdle).
  Admission Admit(const std::string& client);
  void MarkIdle(uint64_t id, bool idle);
  void Remove(uint64_t id);  // no-op for an evicted id

  size_t open() const;
  size_t open_from(const std::string& client) const;

 private:
  struct Entry {
    std::string client;
    bool idle = false;
    uint64_t idle_since = 0;  // tick of the last MarkIdle(true)
  };
  // The longest-idle connection, of `client` ("" = any); 0 when none.
  uint64_t OldestIdle(const std::string* client) const;
  void Erase(uint64_t id);

  const size_t max_total_, max_per_client_;
  mutable std::mutex mu_;
  std::map<uint64_t, Entry> entries_;
  std::map<std::string, size_t> per_client_;
  uint64_t next_id_ = 1;
  uint64_t tick_ = 0;
};

}  // namespace picket::serve
