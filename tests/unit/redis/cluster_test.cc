// The cluster client (src/redis/cluster.h) against a real local Redis
// Cluster: routing and pipelining, MOVED after a slot moves, ASK during a
// migration, NOSCRIPT, a killed connection, WAIT, a master killed (its
// replica takes over), a plain non-cluster server, TLS and ACL users.
#include "redis/cluster.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "redis/redis_helpers.h"

namespace picket::redis {
namespace {

using testing::LocalCluster;

std::unique_ptr<Call> MakeCall(std::initializer_list<std::string_view> args, std::string_view key) {
  auto call = std::make_unique<Call>();
  call->slot = KeySlot(key);
  AppendCommand(&call->command, args);
  return call;
}

bool RunAll(Cluster* cluster, std::vector<std::unique_ptr<Call>>& calls, std::string* error) {
  std::vector<Call*> raw;
  for (auto& c : calls) raw.push_back(c.get());
  return cluster->Run(raw, error);
}

// A unique key prefix per test, so tests sharing the cluster never meet.
std::string Prefix() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string("test:") + info->name() + ":" + std::to_string(getpid()) + ":";
}

TEST(Cluster, LoadsTheSlotMapAndPipelinesOneRoundTripPerMaster) {
  LocalCluster* local = LocalCluster::Shared();
  ASSERT_NE(local, nullptr);
  std::string error;
  auto cluster = Cluster::Connect(local->Options(), &error);
  ASSERT_NE(cluster, nullptr) << error;
  EXPECT_FALSE(cluster->standalone());
  EXPECT_EQ(cluster->Masters().size(), 3u);

  std::string prefix = Prefix();
  std::vector<std::unique_ptr<Call>> sets, gets;
  for (int i = 0; i < 1000; ++i) {
    std::string key = prefix + std::to_string(i);
    sets.push_back(MakeCall({"SET", key, "v" + std::to_string(i)}, key));
    gets.push_back(MakeCall({"GET", key}, key));
  }
  uint64_t trips = cluster->stats().round_trips;
  ASSERT_TRUE(RunAll(cluster.get(), sets, &error)) << error;
  EXPECT_EQ(cluster->stats().round_trips - trips, 3u);  // 1000 keys, 3 masters
  ASSERT_TRUE(RunAll(cluster.get(), gets, &error)) << error;
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(gets[i]->reply.str, "v" + std::to_string(i));
  // The keys really are spread: each master holds some.
  for (int i = 0; i < 3; ++i) {
    Reply n = local->Command(local->ports()[i], {"DBSIZE"});
    EXPECT_GT(n.integer, 200) << local->ports()[i];
  }
}

TEST(Cluster, ErrorsOtherThanRedirectsAreTheCallersReply) {
  LocalCluster* local = LocalCluster::Shared();
  std::string error;
  auto cluster = Cluster::Connect(local->Options(), &error);
  ASSERT_NE(cluster, nullptr) << error;
  std::string key = Prefix() + "list";
  std::vector<std::unique_ptr<Call>> calls;
  calls.push_back(MakeCall({"RPUSH", key, "a"}, key));
  calls.push_back(MakeCall({"INCR", key}, key));  // WRONGTYPE
  ASSERT_TRUE(RunAll(cluster.get(), calls, &error)) << error;
  EXPECT_EQ(calls[0]->reply.integer, 1);
  EXPECT_EQ(calls[1]->reply.error_code(), "WRONGTYPE");
}

TEST(Cluster, FollowsMovedWhenASlotChangesMaster) {
  auto local = LocalCluster::Start();
  ASSERT_NE(local, nullptr);
  std::string error;
  auto cluster = Cluster::Connect(local->Options(), &error);
  ASSERT_NE(cluster, nullptr) << error;
  std::string key = "moving-key";
  int slot = KeySlot(key);
  auto set = MakeCall({"SET", key, "1"}, key);
  ASSERT_TRUE(cluster->Run(set.get(), &error)) << error;

  // Move the (now non-empty) slot to another master the way redis-cli
  // --cluster reshard does: IMPORTING, MIGRATING, MIGRATE, SETSLOT NODE.
  int from = local->MasterOf(slot);
  int to = 0;
  for (int i = 0; i < 3; ++i)
    if (local->ports()[i] != from) to = local->ports()[i];
  std::string from_id = local->Command(from, {"CLUSTER", "MYID"}).str;
  std::string to_id = local->Command(to, {"CLUSTER", "MYID"}).str;
  std::string s = std::to_string(slot);
  ASSERT_FALSE(local->Command(to, {"CLUSTER", "SETSLOT", s, "IMPORTING", from_id}).is_error());
  ASSERT_FALSE(local->Command(from, {"CLUSTER", "SETSLOT", s, "MIGRATING", to_id}).is_error());

  // Mid-migration: a key that is not on the source yet is asked of the
  // target (ASK), and the key still on the source is served there.
  auto get_old = MakeCall({"GET", key}, key);
  ASSERT_TRUE(cluster->Run(get_old.get(), &error)) << error;
  EXPECT_EQ(get_old->reply.str, "1");
  uint64_t asked = cluster->stats().asked;
  // "{moving-key}x" hashes like "moving-key": same slot, not on the source.
  std::string other = "{moving-key}x";
  ASSERT_EQ(KeySlot(other), slot);
  auto set_new = MakeCall({"SET", other, "2"}, other);
  ASSERT_TRUE(cluster->Run(set_new.get(), &error)) << error;
  EXPECT_EQ(set_new->reply.str, "OK");
  EXPECT_EQ(cluster->stats().asked - asked, 1u);
  EXPECT_EQ(local->Command(to, {"ASKING"}).str, "OK");

  Reply migrated = local->Command(
      from, {"MIGRATE", "127.0.0.1", std::to_string(to), "", "0", "5000", "KEYS", key});
  ASSERT_FALSE(migrated.is_error()) << migrated.str;
  for (int port : {from, to})
    ASSERT_FALSE(local->Command(port, {"CLUSTER", "SETSLOT", s, "NODE", to_id}).is_error());
  for (int i = 0; i < 6; ++i)
    local->Command(local->ports()[i], {"CLUSTER", "SETSLOT", s, "NODE", to_id});

  uint64_t moved = cluster->stats().moved;
  auto get = MakeCall({"GET", key}, key);
  auto get_other = MakeCall({"GET", other}, other);
  std::vector<Call*> both{get.get(), get_other.get()};
  ASSERT_TRUE(cluster->Run(both, &error)) << error;
  EXPECT_EQ(get->reply.str, "1");
  EXPECT_EQ(get_other->reply.str, "2");
  EXPECT_GE(cluster->stats().moved - moved, 1u);
  // The map was refreshed: the next call goes straight to the new master.
  moved = cluster->stats().moved;
  auto again = MakeCall({"GET", key}, key);
  ASSERT_TRUE(cluster->Run(again.get(), &error)) << error;
  EXPECT_EQ(cluster->stats().moved, moved);
}

TEST(Cluster, LoadsAScriptOnNoscriptAndRetries) {
  LocalCluster* local = LocalCluster::Shared();
  std::string error;
  auto cluster = Cluster::Connect(local->Options(), &error);
  ASSERT_NE(cluster, nullptr) << error;
  Script script("return 'picket-test-' .. KEYS[1] .. '-" + Prefix() + "'");
  for (int i = 0; i < 3; ++i) local->Command(local->ports()[i], {"SCRIPT", "FLUSH"});
  std::vector<std::unique_ptr<Call>> calls;
  for (int i = 0; i < 30; ++i) {
    std::string key = Prefix() + std::to_string(i);
    auto call = MakeCall({"EVALSHA", script.sha1, "1", key}, key);
    call->script = &script;
    calls.push_back(std::move(call));
  }
  uint64_t loads = cluster->stats().script_loads;
  ASSERT_TRUE(RunAll(cluster.get(), calls, &error)) << error;
  for (int i = 0; i < 30; ++i)
    EXPECT_EQ(calls[i]->reply.str, "picket-test-" + Prefix() + std::to_string(i) + "-" + Prefix());
  EXPECT_EQ(cluster->stats().script_loads - loads, 3u);  // once per master
  loads = cluster->stats().script_loads;
  ASSERT_TRUE(RunAll(cluster.get(), calls, &error)) << error;
  EXPECT_EQ(cluster->stats().script_loads, loads);
}

TEST(Cluster, ReconnectsAfterItsConnectionIsKilled) {
  LocalCluster* local = LocalCluster::Shared();
  std::string error;
  auto cluster = Cluster::Connect(local->Options(), &error);
  ASSERT_NE(cluster, nullptr) << error;
  std::string key = Prefix() + "k";
  auto set = MakeCall({"SET", key, "1"}, key);
  ASSERT_TRUE(cluster->Run(set.get(), &error)) << error;
  int port = local->MasterOf(KeySlot(key));
  // Kill our own connection to that master only (the id asked on it, routed
  // like the key): other tests share the cluster and run at the same time.
  auto id = MakeCall({"CLIENT", "ID"}, key);
  ASSERT_TRUE(cluster->Run(id.get(), &error)) << error;
  Reply killed = local->Command(port, {"CLIENT", "KILL", "ID", std::to_string(id->reply.integer)});
  ASSERT_EQ(killed.integer, 1) << killed.Describe();
  uint64_t connects = cluster->stats().connects;
  auto get = MakeCall({"GET", key}, key);
  ASSERT_TRUE(cluster->Run(get.get(), &error)) << error;
  EXPECT_EQ(get->reply.str, "1");
  EXPECT_GE(cluster->stats().connects - connects, 1u);
}

TEST(Cluster, WaitConfirmsReplicationOnTheWritingConnections) {
  LocalCluster* local = LocalCluster::Shared();
  std::string error;
  auto cluster = Cluster::Connect(local->Options(), &error);
  ASSERT_NE(cluster, nullptr) << error;
  cluster->BeginWrites();
  std::vector<std::unique_ptr<Call>> calls;
  for (int i = 0; i < 50; ++i) {
    std::string key = Prefix() + std::to_string(i);
    calls.push_back(MakeCall({"SET", key, "x"}, key));
  }
  ASSERT_TRUE(RunAll(cluster.get(), calls, &error)) << error;
  EXPECT_TRUE(cluster->WaitReplicas(1, 2000, &error)) << error;
  // Two replicas per master do not exist: WAIT answers 1 after its timeout.
  EXPECT_FALSE(cluster->WaitReplicas(2, 100, &error));
  EXPECT_NE(error.find("of 2 replicas acknowledged"), std::string::npos) << error;
  // A connection replaced after the writes cannot vouch for them.
  std::string key = Prefix() + "0";
  auto id = MakeCall({"CLIENT", "ID"}, key);  // our connection only (tests share the cluster)
  ASSERT_TRUE(cluster->Run(id.get(), &error)) << error;
  local->Command(local->MasterOf(KeySlot(key)),
                 {"CLIENT", "KILL", "ID", std::to_string(id->reply.integer)});
  auto get = MakeCall({"GET", key}, key);
  ASSERT_TRUE(cluster->Run(get.get(), &error)) << error;
  EXPECT_FALSE(cluster->WaitReplicas(1, 1000, &error));
  EXPECT_NE(error.find("connection was lost"), std::string::npos) << error;
}

TEST(Cluster, RidesThroughAMasterFailover) {
  auto local = LocalCluster::Start();
  ASSERT_NE(local, nullptr);
  ClusterOptions options = local->Options();
  options.retry_timeout_ms = 20000;
  std::string error;
  auto cluster = Cluster::Connect(options, &error);
  ASSERT_NE(cluster, nullptr) << error;
  std::vector<std::unique_ptr<Call>> sets;
  for (int i = 0; i < 300; ++i) {
    std::string key = "f" + std::to_string(i);
    sets.push_back(MakeCall({"SET", key, std::to_string(i)}, key));
  }
  cluster->BeginWrites();
  ASSERT_TRUE(RunAll(cluster.get(), sets, &error)) << error;
  ASSERT_TRUE(cluster->WaitReplicas(1, 2000, &error)) << error;

  int victim = local->MasterOf(KeySlot("f0"));
  local->Kill(victim);
  // Reads of every key: those of the dead master wait for its replica's
  // promotion (node timeout 1 s), then find the acknowledged writes there.
  std::vector<std::unique_ptr<Call>> gets;
  for (int i = 0; i < 300; ++i) {
    std::string key = "f" + std::to_string(i);
    gets.push_back(MakeCall({"GET", key}, key));
  }
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(RunAll(cluster.get(), gets, &error)) << error;
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (int i = 0; i < 300; ++i) EXPECT_EQ(gets[i]->reply.str, std::to_string(i));
  EXPECT_GE(cluster->stats().retries, 1u);
  EXPECT_LT(seconds, 20.0);
  EXPECT_NE(local->MasterOf(KeySlot("f0")), victim);
}

TEST(Cluster, GivesUpAfterItsRetryTimeoutWhenNothingAnswers) {
  auto local = LocalCluster::Start();
  ASSERT_NE(local, nullptr);
  ClusterOptions options = local->Options();
  options.retry_timeout_ms = 1500;
  std::string error;
  auto cluster = Cluster::Connect(options, &error);
  ASSERT_NE(cluster, nullptr) << error;
  for (int port : local->ports()) local->Kill(port);
  auto get = MakeCall({"GET", "x"}, "x");
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(cluster->Run(get.get(), &error));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_NE(error.find("within 1500 ms"), std::string::npos) << error;
  EXPECT_NE(error.find("cannot connect"), std::string::npos) << error;
  EXPECT_LT(seconds, 5.0);
  EXPECT_GE(cluster->stats().failures, 1u);
  // And a client that cannot reach any seed at start says so.
  auto none = Cluster::Connect(options, &error);
  EXPECT_EQ(none, nullptr);
  EXPECT_NE(error.find("slot map"), std::string::npos) << error;
}

TEST(Cluster, ServesEverySlotFromAPlainRedisServer) {
  char tmpl[] = "/tmp/picket_redis_plain_XXXXXX";
  std::string dir = mkdtemp(tmpl);
  int port = 0;
  pid_t pid = -1;
  for (int attempt = 0; attempt < 20 && pid < 0; ++attempt) {
    port = 20000 + (getpid() * 7 + attempt * 131) % 9000;
    std::string command = "redis-server --port " + std::to_string(port) +
                          " --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --dir " +
                          dir + " --pidfile " + dir + "/pid --logfile " + dir + "/log";
    if (std::system(command.c_str()) != 0) continue;
    for (int i = 0; i < 100 && pid < 0; ++i) {
      std::ifstream in(dir + "/pid");
      if (in >> pid) break;
      pid = -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ASSERT_GT(pid, 0);
  ClusterOptions options;
  options.seeds.push_back(HostPort{"127.0.0.1", port});
  std::string error;
  std::unique_ptr<Cluster> cluster;
  for (int i = 0; i < 50 && !cluster; ++i) {
    cluster = Cluster::Connect(options, &error);
    if (!cluster) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(cluster, nullptr) << error;
  EXPECT_TRUE(cluster->standalone());
  std::vector<std::unique_ptr<Call>> calls;
  for (int i = 0; i < 100; ++i) {
    std::string key = "plain" + std::to_string(i);
    calls.push_back(MakeCall({"SET", key, "1"}, key));
  }
  ASSERT_TRUE(RunAll(cluster.get(), calls, &error)) << error;
  EXPECT_EQ(calls[99]->reply.str, "OK");
  kill(pid, SIGTERM);
  for (int i = 0; i < 200 && kill(pid, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::filesystem::remove_all(dir);
}

TEST(Cluster, TlsAndAclUser) {
  char tmpl[] = "/tmp/picket_redis_pw_XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "pic-ket pw\n", 11), 11);
  close(fd);
  auto local = LocalCluster::Start({"--tls", "--user", "picket", "--password-file", tmpl});
  ASSERT_NE(local, nullptr);
  ClusterOptions options = local->Options();
  options.retry_timeout_ms = 1000;
  options.connect.user = "picket";
  options.connect.password = "pic-ket pw";
  std::string error;
  auto cluster = Cluster::Connect(options, &error);
  ASSERT_NE(cluster, nullptr) << error;
  std::vector<std::unique_ptr<Call>> calls;
  for (int i = 0; i < 20; ++i) {
    std::string key = "picket:tls:" + std::to_string(i);
    calls.push_back(MakeCall({"SET", key, "1"}, key));
  }
  std::string outside = "elsewhere";
  calls.push_back(MakeCall({"SET", outside, "1"}, outside));
  ASSERT_TRUE(RunAll(cluster.get(), calls, &error)) << error;
  EXPECT_EQ(calls[0]->reply.str, "OK");
  // The user may touch picket's keys only.
  EXPECT_EQ(calls[20]->reply.error_code(), "NOPERM");

  ClusterOptions wrong = options;
  wrong.connect.password = "nope";
  EXPECT_EQ(Cluster::Connect(wrong, &error), nullptr);
  EXPECT_NE(error.find("WRONGPASS"), std::string::npos) << error;

  ClusterOptions untrusted = options;
  untrusted.connect.tls.ca_file.clear();  // system CAs do not know the test CA
  EXPECT_EQ(Cluster::Connect(untrusted, &error), nullptr);
  EXPECT_NE(error.find("certificate"), std::string::npos) << error;

  ClusterOptions plain = options;
  plain.connect.tls.enabled = false;
  plain.connect.io_timeout_ms = 500;
  EXPECT_EQ(Cluster::Connect(plain, &error), nullptr);
  unlink(tmpl);
}

TEST(Cluster, ParsesHostPortLists) {
  std::vector<HostPort> out;
  std::string error;
  ASSERT_TRUE(ParseHostPorts("127.0.0.1:7000,redis-2:7001,[::1]:7002", &out, &error)) << error;
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[1].host, "redis-2");
  EXPECT_EQ(out[1].port, 7001);
  EXPECT_EQ(out[2].host, "::1");
  EXPECT_EQ(out[2].ToString(), "[::1]:7002");
  EXPECT_FALSE(ParseHostPorts("host", &out, &error));
  EXPECT_FALSE(ParseHostPorts("host:0", &out, &error));
  EXPECT_FALSE(ParseHostPorts("host:99999", &out, &error));
  EXPECT_FALSE(ParseHostPorts("a:1,,b:2", &out, &error));
  EXPECT_FALSE(ParseHostPorts("", &out, &error));
}

}  // namespace
}  // namespace picket::redis
