// A small Redis Cluster client: routes commands by key slot, pipelines them
// per master node, and rides through redirects and failovers.
//
//  * Slot map: from CLUSTER SLOTS, asked of any reachable node (the masters
//    known, then the seeds). A server without cluster support (a plain
//    redis-server) serves every slot itself.
//  * Run(calls): the calls are grouped by the master that serves their
//    slot, each group is written as one pipeline, all groups are in flight at
//    once, then the replies are read: one round trip per master touched.
//    MOVED updates the map (and schedules a refresh) and re-sends the call
//    to the node named; ASK re-sends it once to the importing node after
//    ASKING; NOSCRIPT loads the call's script on that node and re-sends.
//    Connection failures, timeouts, CLUSTERDOWN, TRYAGAIN, LOADING,
//    MASTERDOWN and READONLY are retried with exponential backoff and a
//    slot-map refresh until `retry_timeout_ms` has passed; then Run fails.
//    Calls must be independent of each other: a call that is retried may
//    run after calls that followed it (order per key is the caller's job;
//    picket sends at most one call per key per Run).
//  * A call whose reply was lost (connection cut) is sent again, so a call
//    may execute twice: only idempotent commands belong here (picket's
//    state scripts are: a re-run of the same sighting decides the same).
//  * WaitReplicas: WAIT on every master written since BeginWrites (calls
//    not marked read-only), on the very connections that carried the
//    writes; if one of them was replaced in between, nothing vouches for the
//    earlier writes and it fails.
//
// Not thread-safe; one thread drives a Cluster. stats() may be read from any
// thread.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "redis/connection.h"
#include "redis/resp.h"
#include "redis/slot.h"

namespace picket::redis {

struct HostPort {
  std::string host;
  int port = 0;
  std::string ToString() const;
};

struct ClusterOptions {
  std::vector<HostPort> seeds;
  ConnectOptions connect;
  // How long Run keeps retrying (reconnects, failovers) before it fails.
  int retry_timeout_ms = 5000;
  int backoff_min_ms = 20;
  int backoff_max_ms = 500;
  int max_redirects = 16;  // per call and Run
};

// A Lua script sent by EVALSHA; its SHA1 is computed once.
struct Script {
  explicit Script(std::string source);
  std::string source;
  std::string sha1;  // 40 lowercase hex digits
};

struct Call {
  uint16_t slot = 0;
  std::string command;             // one command, RESP-encoded
  const Script* script = nullptr;  // set when `command` is EVALSHA of it
  bool writes = true;              // false for reads: WaitReplicas need not cover them
  Reply reply;                     // after a successful Run: never a redirect

  // Run's bookkeeping.
  int redirects = 0;
  int ask_node = -1;
};

struct ClusterStats {
  std::atomic<uint64_t> runs{0};
  std::atomic<uint64_t> round_trips{0};  // one pipeline to one node, written and read
  std::atomic<uint64_t> commands{0};
  std::atomic<uint64_t> moved{0};
  std::atomic<uint64_t> asked{0};
  std::atomic<uint64_t> retries{0};   // calls re-sent after a failure
  std::atomic<uint64_t> connects{0};  // connections opened (first and re-)
  std::atomic<uint64_t> connect_failures{0};
  std::atomic<uint64_t> refreshes{0};  // slot map loads
  std::atomic<uint64_t> script_loads{0};
  std::atomic<uint64_t> failures{0};  // Runs / Waits that gave up
};

class Cluster {
 public:
  // Loads the slot map from the seeds. Fails when no seed answers within
  // options.retry_timeout_ms.
  static std::unique_ptr<Cluster> Connect(const ClusterOptions& options, std::string* error);
  ~Cluster();

  bool Run(std::span<Call* const> calls, std::string* error);
  bool Run(Call* call, std::string* error) { return Run(std::span<Call* const>(&call, 1), error); }

  void BeginWrites();
  // WAIT `replicas` `timeout_ms` on each master written since BeginWrites.
  // False when a master acknowledges fewer replicas or cannot be asked.
  bool WaitReplicas(int replicas, int timeout_ms, std::string* error);

  // Calls `command` (RESP-encoded) on every master, e.g. DBSIZE. Replies in
  // master order; false if one cannot be reached.
  bool RunOnMasters(const std::string& command, std::vector<Reply>* replies, std::string* error);

  // Every key matching the glob `match` on every master (SCAN, all of its
  // iterations). Keys written meanwhile may or may not be listed.
  bool ScanMasters(const std::string& match, std::vector<std::string>* keys, std::string* error);

  bool standalone() const { return standalone_; }
  std::vector<std::string> Masters() const;
  const ClusterStats& stats() const { return stats_; }

 private:
  struct Node {
    HostPort address;
    std::string name;  // host:port
    std::unique_ptr<Connection> conn;
    uint64_t generation = 0;  // of conn
  };

  explicit Cluster(const ClusterOptions& options);
  int NodeIndex(const std::string& host, int port);
  Connection* Connect(int node, std::string* error);
  void Drop(int node);
  bool Refresh(std::string* error);
  bool LoadSlots(int node, std::string* error);
  void NoteWrite(int node);

  ClusterOptions options_;
  std::shared_ptr<TlsContext> tls_;
  std::vector<Node> nodes_;
  std::array<int16_t, kSlotCount> slots_;
  bool standalone_ = false;
  uint64_t next_generation_ = 1;
  // Per node written since BeginWrites: the connection generation, or 0 if
  // the writes went over more than one connection.
  std::map<int, uint64_t> written_;
  ClusterStats stats_;
};

// Parses "host:port[,host:port...]" (IPv6 as [addr]:port).
bool ParseHostPorts(std::string_view text, std::vector<HostPort>* out, std::string* error);

}  // namespace picket::redis
