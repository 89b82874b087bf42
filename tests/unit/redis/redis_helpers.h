// Local Redis Clusters for tests, started with scripts/redis-cluster.sh
// (3 masters, 3 replicas on loopback ports, private directory).
//
// Shared(): the cluster of this test run. Under ctest it is the fixture's
// (PICKET_TEST_REDIS_DIR, started once for every redis test); run by hand,
// the first test to ask starts one and it is stopped when the process exits.
// Tests that kill or reconfigure nodes Start() their own.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "redis/cluster.h"
#include "state/redis_term_store.h"

namespace picket::redis::testing {

class LocalCluster {
 public:
  // Extra arguments go to `redis-cluster.sh start` (--tls, --user, ...).
  static std::unique_ptr<LocalCluster> Start(const std::vector<std::string>& args = {},
                                             int node_timeout_ms = 1000);
  static LocalCluster* Shared();
  ~LocalCluster();

  const std::string& dir() const { return dir_; }
  const std::vector<int>& ports() const { return ports_; }
  // Options reaching the cluster (seeds = the first three ports).
  ClusterOptions Options() const;
  // Runs one command on one node through a direct connection (as admin
  // when the cluster has ACL users).
  Reply Command(int port, const std::vector<std::string>& args) const;
  // The port of the master serving `slot`, asked of any live node.
  int MasterOf(int slot) const;
  // kill -9 of one node.
  void Kill(int port) const;
  // Waits until every live node reports cluster_state:ok and `port` (if
  // given) is a master.
  bool WaitHealthy(int timeout_ms, int promoted_port = 0) const;

 private:
  LocalCluster() = default;
  std::string dir_;
  std::vector<int> ports_;
  bool owned_ = false;
  bool tls_ = false;
  std::string admin_password_;
};

// A store on the Shared() cluster under `prefix` (a test failure when it
// cannot open: null).
std::unique_ptr<state::RedisTermStore> OpenSharedStore(const std::string& prefix);

}  // namespace picket::redis::testing
