#include "redis/redis_helpers.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace picket::redis::testing {

namespace {

std::string ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string Quote(const std::string& s) { return "'" + s + "'"; }

}  // namespace

std::unique_ptr<LocalCluster> LocalCluster::Start(const std::vector<std::string>& args,
                                                  int node_timeout_ms) {
  std::unique_ptr<LocalCluster> cluster(new LocalCluster());
  char tmpl[] = "/tmp/picket_redis_test_XXXXXX";
  const char* made = mkdtemp(tmpl);
  if (!made) {
    ADD_FAILURE() << "mkdtemp failed";
    return nullptr;
  }
  cluster->dir_ = made;
  cluster->owned_ = true;
  std::string command =
      "bash " + Quote(std::string(PICKET_SOURCE_DIR) + "/scripts/redis-cluster.sh") + " start " +
      Quote(cluster->dir_) + " --node-timeout " + std::to_string(node_timeout_ms);
  for (const std::string& a : args) command += " " + Quote(a);
  command += " >/dev/null";
  if (std::system(command.c_str()) != 0) {
    ADD_FAILURE() << "cannot start a local Redis Cluster (" << command
                  << "); is redis-server installed? (scripts/install-deps.sh)";
    return nullptr;  // the destructor stops whatever did start
  }
  std::istringstream ports(ReadFirstLine(cluster->dir_ + "/ports"));
  for (int p; ports >> p;) cluster->ports_.push_back(p);
  cluster->tls_ = std::filesystem::exists(cluster->dir_ + "/tls");
  if (std::filesystem::exists(cluster->dir_ + "/admin.pass"))
    cluster->admin_password_ = ReadFirstLine(cluster->dir_ + "/admin.pass");
  return cluster;
}

LocalCluster* LocalCluster::Shared() {
  static std::unique_ptr<LocalCluster> shared = [] {
    const char* dir = std::getenv("PICKET_TEST_REDIS_DIR");
    if (dir && *dir && std::filesystem::exists(std::string(dir) + "/ports")) {
      std::unique_ptr<LocalCluster> c(new LocalCluster());
      c->dir_ = dir;
      std::istringstream ports(ReadFirstLine(c->dir_ + "/ports"));
      for (int p; ports >> p;) c->ports_.push_back(p);
      return c;
    }
    return Start();
  }();
  return shared.get();
}

LocalCluster::~LocalCluster() {
  if (!owned_) return;
  std::string command = "bash " +
                        Quote(std::string(PICKET_SOURCE_DIR) + "/scripts/redis-cluster.sh") +
                        " stop " + Quote(dir_) + " >/dev/null 2>&1";
  if (std::system(command.c_str()) == 0) std::filesystem::remove_all(dir_);
}

ClusterOptions LocalCluster::Options() const {
  ClusterOptions options;
  for (size_t i = 0; i < 3 && i < ports_.size(); ++i)
    options.seeds.push_back(HostPort{"127.0.0.1", ports_[i]});
  if (tls_) {
    options.connect.tls.enabled = true;
    options.connect.tls.ca_file = dir_ + "/tls/ca.crt";
  }
  return options;
}

Reply LocalCluster::Command(int port, const std::vector<std::string>& args) const {
  ConnectOptions options = Options().connect;
  if (!admin_password_.empty()) {
    options.user = "admin";
    options.password = admin_password_;
  }
  std::string error;
  std::shared_ptr<TlsContext> tls;
  if (tls_) tls = TlsContext::Create(options.tls, &error);
  auto conn = Connection::Open("127.0.0.1", port, options, tls.get(), &error);
  Reply reply;
  if (!conn) {
    reply.type = Reply::Type::kError;
    reply.str = "CONNECT " + error;
    return reply;
  }
  std::vector<std::string_view> views(args.begin(), args.end());
  std::string out;
  AppendCommand(&out, views);
  if (!conn->Send(out, &error) || !conn->Receive(&reply, &error)) {
    reply = Reply();
    reply.type = Reply::Type::kError;
    reply.str = "IO " + error;
  }
  return reply;
}

int LocalCluster::MasterOf(int slot) const {
  for (int port : ports_) {
    Reply slots = Command(port, {"CLUSTER", "SLOTS"});
    if (slots.type != Reply::Type::kArray) continue;
    for (const Reply& range : slots.elements)
      if (range.elements.size() >= 3 && range.elements[0].integer <= slot &&
          slot <= range.elements[1].integer)
        return static_cast<int>(range.elements[2].elements[1].integer);
  }
  return 0;
}

void LocalCluster::Kill(int port) const {
  std::string pid_text = ReadFirstLine(dir_ + "/" + std::to_string(port) + "/redis.pid");
  pid_t pid = static_cast<pid_t>(std::atol(pid_text.c_str()));
  ASSERT_GT(pid, 0) << "no pid file for " << port;
  if (kill(pid, SIGKILL) != 0) return;  // already dead
  for (int i = 0; i < 200 && kill(pid, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

bool LocalCluster::WaitHealthy(int timeout_ms, int promoted_port) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    bool ok = true;
    for (int port : ports_) {
      Reply info = Command(port, {"CLUSTER", "INFO"});
      if (info.is_error() && info.str.rfind("CONNECT", 0) == 0) continue;  // a killed node
      if (info.str.find("cluster_state:ok") == std::string::npos) ok = false;
    }
    if (ok && promoted_port) {
      Reply role = Command(promoted_port, {"ROLE"});
      ok = role.type == Reply::Type::kArray && !role.elements.empty() &&
           role.elements[0].str == "master";
    }
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::unique_ptr<state::RedisTermStore> OpenSharedStore(const std::string& prefix) {
  state::RedisStoreOptions options;
  options.cluster = LocalCluster::Shared()->Options();
  options.prefix = prefix;
  std::string error;
  auto store = state::RedisTermStore::Open(options, &error);
  EXPECT_NE(store, nullptr) << error;
  return store;
}

}  // namespace picket::redis::testing
