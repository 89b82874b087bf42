#include "redis/cluster.h"

#include <openssl/sha.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <thread>

namespace picket::redis {

namespace {

using Clock = std::chrono::steady_clock;

bool ParsePort(std::string_view text, int* port) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *port);
  return ec == std::errc() && ptr == text.data() + text.size() && *port > 0 && *port < 65536;
}

// "MOVED 3999 127.0.0.1:6381" / "ASK ..." -> slot and address.
bool ParseRedirect(std::string_view message, int* slot, std::string* host, int* port) {
  size_t a = message.find(' ');
  if (a == std::string_view::npos) return false;
  size_t b = message.find(' ', a + 1);
  if (b == std::string_view::npos) return false;
  std::string_view slot_text = message.substr(a + 1, b - a - 1);
  auto [ptr, ec] = std::from_chars(slot_text.data(), slot_text.data() + slot_text.size(), *slot);
  if (ec != std::errc() || *slot < 0 || *slot >= kSlotCount) return false;
  std::string_view address = message.substr(b + 1);
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || !ParsePort(address.substr(colon + 1), port)) return false;
  *host = std::string(address.substr(0, colon));
  if (host->size() > 2 && host->front() == '[' && host->back() == ']')
    *host = host->substr(1, host->size() - 2);
  return true;
}

// Errors after which the same call, sent again a little later (and maybe
// elsewhere), can succeed.
bool IsTransient(std::string_view code) {
  return code == "TRYAGAIN" || code == "CLUSTERDOWN" || code == "LOADING" || code == "MASTERDOWN" ||
         code == "READONLY" || code == "BUSY";
}

}  // namespace

std::string HostPort::ToString() const {
  return host.find(':') != std::string::npos ? "[" + host + "]:" + std::to_string(port)
                                             : host + ":" + std::to_string(port);
}

bool ParseHostPorts(std::string_view text, std::vector<HostPort>* out, std::string* error) {
  out->clear();
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    HostPort hp;
    size_t colon = item.rfind(':');
    if (colon == std::string_view::npos || colon == 0 ||
        !ParsePort(item.substr(colon + 1), &hp.port)) {
      *error = "expected HOST:PORT, got \"" + std::string(item) + "\"";
      return false;
    }
    hp.host = std::string(item.substr(0, colon));
    if (hp.host.size() > 2 && hp.host.front() == '[' && hp.host.back() == ']')
      hp.host = hp.host.substr(1, hp.host.size() - 2);
    out->push_back(std::move(hp));
  }
  if (out->empty()) {
    *error = "no HOST:PORT given";
    return false;
  }
  return true;
}

Script::Script(std::string src) : source(std::move(src)) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(source.data()), source.size(), digest);
  static const char kHex[] = "0123456789abcdef";
  for (unsigned char b : digest) {
    sha1.push_back(kHex[b >> 4]);
    sha1.push_back(kHex[b & 15]);
  }
}

Cluster::Cluster(const ClusterOptions& options) : options_(options) { slots_.fill(-1); }

Cluster::~Cluster() = default;

std::unique_ptr<Cluster> Cluster::Connect(const ClusterOptions& options, std::string* error) {
  std::unique_ptr<Cluster> cluster(new Cluster(options));
  if (options.seeds.empty()) {
    *error = "no Redis node given";
    return nullptr;
  }
  if (options.connect.tls.enabled) {
    cluster->tls_ = TlsContext::Create(options.connect.tls, error);
    if (!cluster->tls_) return nullptr;
  }
  for (const HostPort& seed : options.seeds) cluster->NodeIndex(seed.host, seed.port);
  auto deadline = Clock::now() + std::chrono::milliseconds(options.retry_timeout_ms);
  int backoff = options.backoff_min_ms;
  for (;;) {
    if (cluster->Refresh(error)) return cluster;
    if (Clock::now() + std::chrono::milliseconds(backoff) >= deadline) return nullptr;
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff));
    backoff = std::min(backoff * 2, options.backoff_max_ms);
  }
}

int Cluster::NodeIndex(const std::string& host, int port) {
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].address.port == port && nodes_[i].address.host == host)
      return static_cast<int>(i);
  Node node;
  node.address = HostPort{host, port};
  node.name = node.address.ToString();
  nodes_.push_back(std::move(node));
  return static_cast<int>(nodes_.size() - 1);
}

Connection* Cluster::Connect(int node, std::string* error) {
  Node& n = nodes_[node];
  if (n.conn) return n.conn.get();
  ++stats_.connects;
  n.conn = Connection::Open(n.address.host, n.address.port, options_.connect, tls_.get(), error);
  if (!n.conn) {
    ++stats_.connect_failures;
    return nullptr;
  }
  n.generation = next_generation_++;
  return n.conn.get();
}

void Cluster::Drop(int node) { nodes_[node].conn.reset(); }

bool Cluster::LoadSlots(int node, std::string* error) {
  Connection* conn = Connect(node, error);
  if (!conn) return false;
  Reply reply;
  if (!conn->Call({"CLUSTER", "SLOTS"}, &reply, error)) {
    Drop(node);
    return false;
  }
  if (reply.is_error()) {
    if (reply.str.find("cluster support disabled") != std::string::npos) {
      standalone_ = true;
      slots_.fill(static_cast<int16_t>(node));
      return true;
    }
    *error = "CLUSTER SLOTS on " + nodes_[node].name + ": " + reply.str;
    return false;
  }
  if (reply.type != Reply::Type::kArray) {
    *error = "CLUSTER SLOTS on " + nodes_[node].name + ": unexpected " + reply.Describe();
    return false;
  }
  std::array<int16_t, kSlotCount> slots;
  slots.fill(-1);
  for (const Reply& range : reply.elements) {
    // [start, end, [host, port, id, ...] (master), replicas...]
    if (range.type != Reply::Type::kArray || range.elements.size() < 3 ||
        range.elements[0].type != Reply::Type::kInteger ||
        range.elements[1].type != Reply::Type::kInteger ||
        range.elements[2].type != Reply::Type::kArray || range.elements[2].elements.size() < 2) {
      *error = "CLUSTER SLOTS on " + nodes_[node].name + ": malformed slot range";
      return false;
    }
    int64_t start = range.elements[0].integer, end = range.elements[1].integer;
    const Reply& master = range.elements[2];
    if (start < 0 || end >= kSlotCount || start > end ||
        master.elements[1].type != Reply::Type::kInteger) {
      *error = "CLUSTER SLOTS on " + nodes_[node].name + ": malformed slot range";
      return false;
    }
    // An empty or "?" host means "the address you reached me on".
    std::string host = master.elements[0].str;
    if (host.empty() || host == "?") host = nodes_[node].address.host;
    int index = NodeIndex(host, static_cast<int>(master.elements[1].integer));
    for (int64_t s = start; s <= end; ++s) slots[s] = static_cast<int16_t>(index);
  }
  standalone_ = false;
  slots_ = slots;
  return true;
}

bool Cluster::Refresh(std::string* error) {
  ++stats_.refreshes;
  // Masters of the current map first (they know the newest epoch), then
  // every other node known, seeds included.
  std::vector<int> order;
  for (int16_t n : slots_)
    if (n >= 0 && std::find(order.begin(), order.end(), n) == order.end()) order.push_back(n);
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (std::find(order.begin(), order.end(), static_cast<int>(i)) == order.end())
      order.push_back(static_cast<int>(i));
  std::string last;
  for (int node : order) {
    if (LoadSlots(node, &last)) return true;
  }
  *error = "no Redis node gave the cluster's slot map (last error: " + last + ")";
  return false;
}

void Cluster::BeginWrites() { written_.clear(); }

void Cluster::NoteWrite(int node) {
  uint64_t generation = nodes_[node].generation;
  auto [it, inserted] = written_.emplace(node, generation);
  if (!inserted && it->second != generation) it->second = 0;
}

bool Cluster::Run(std::span<Call* const> calls, std::string* error) {
  ++stats_.runs;
  auto deadline = Clock::now() + std::chrono::milliseconds(options_.retry_timeout_ms);
  std::vector<Call*> pending(calls.begin(), calls.end());
  for (Call* c : pending) {
    c->redirects = 0;
    c->ask_node = -1;
  }
  // Scripts to load on a node before its next pipeline (after NOSCRIPT).
  std::map<int, std::vector<const Script*>> to_load;
  int backoff = options_.backoff_min_ms;
  std::string last_error;
  bool first = true;
  while (!pending.empty()) {
    if (!first) stats_.retries += pending.size();
    first = false;
    // Route.
    std::map<int, std::vector<Call*>> by_node;
    std::vector<Call*> next;
    bool transient = false, refresh = false;
    for (Call* c : pending) {
      int node = c->ask_node >= 0 ? c->ask_node : slots_[c->slot];
      if (node < 0) {
        last_error = "slot " + std::to_string(c->slot) + " is not served by any node";
        next.push_back(c);
        transient = refresh = true;
        continue;
      }
      by_node[node].push_back(c);
    }
    // Write every node's pipeline, then read them all.
    std::vector<int> sent;
    for (auto& [node, group] : by_node) {
      std::string out;
      auto loads = to_load.find(node);
      size_t script_loads = 0;
      if (loads != to_load.end()) {
        for (const Script* s : loads->second) AppendCommand(&out, {"SCRIPT", "LOAD", s->source});
        script_loads = loads->second.size();
      }
      for (Call* c : group) {
        if (c->ask_node >= 0) AppendCommand(&out, {"ASKING"});
        out += c->command;
      }
      std::string err;
      Connection* conn = Connect(node, &err);
      if (conn && !conn->Send(out, &err)) {
        Drop(node);
        conn = nullptr;
      }
      if (!conn) {
        last_error = err;
        next.insert(next.end(), group.begin(), group.end());
        transient = refresh = true;
        continue;
      }
      if (std::any_of(group.begin(), group.end(), [](const Call* c) { return c->writes; }))
        NoteWrite(node);
      stats_.commands += group.size() + script_loads;
      sent.push_back(node);
    }
    for (int node : sent) {
      std::vector<Call*>& group = by_node[node];
      Connection* conn = nodes_[node].conn.get();
      std::string err;
      bool broken = false;
      auto loads = to_load.find(node);
      if (loads != to_load.end()) {
        for (size_t i = 0; i < loads->second.size() && !broken; ++i) {
          Reply r;
          if (!conn->Receive(&r, &err))
            broken = true;
          else if (r.is_error())
            err = "SCRIPT LOAD on " + nodes_[node].name + ": " + r.str;
          else
            ++stats_.script_loads;
        }
        to_load.erase(loads);
      }
      for (size_t i = 0; i < group.size(); ++i) {
        Call* c = group[i];
        if (broken) {
          next.push_back(c);
          continue;
        }
        bool asking = c->ask_node >= 0;
        c->ask_node = -1;
        // ASKING's own reply (+OK); should it be an error, the command's
        // reply tells what to do next.
        Reply ask_reply;
        if (asking && !conn->Receive(&ask_reply, &err)) {
          broken = true;
          next.push_back(c);
          continue;
        }
        if (!conn->Receive(&c->reply, &err)) {
          broken = true;
          next.push_back(c);
          continue;
        }
        std::string_view code = c->reply.error_code();
        if (code == "MOVED" || code == "ASK") {
          int slot = 0, port = 0;
          std::string host;
          if (!ParseRedirect(c->reply.str, &slot, &host, &port)) continue;  // final: odd error
          if (++c->redirects > options_.max_redirects) {
            last_error = "too many redirects for slot " + std::to_string(slot);
            continue;  // final: the reply stays the redirect error
          }
          int target = NodeIndex(host, port);
          if (code == "MOVED") {
            ++stats_.moved;
            slots_[slot] = static_cast<int16_t>(target);
            refresh = true;
          } else {
            ++stats_.asked;
            c->ask_node = target;
          }
          next.push_back(c);
        } else if (code == "NOSCRIPT" && c->script) {
          auto& list = to_load[node];
          if (std::find(list.begin(), list.end(), c->script) == list.end())
            list.push_back(c->script);
          next.push_back(c);
        } else if (IsTransient(code)) {
          last_error = nodes_[node].name + ": " + c->reply.str;
          transient = true;
          if (code != "TRYAGAIN" && code != "LOADING" && code != "BUSY") refresh = true;
          next.push_back(c);
        }
        // Anything else (a value, or an error the caller must see) is final.
      }
      ++stats_.round_trips;
      if (broken) {
        last_error = err;
        Drop(node);
        transient = refresh = true;
      }
    }
    pending.swap(next);
    if (pending.empty()) break;
    if (Clock::now() >= deadline) {
      ++stats_.failures;
      *error = "Redis did not complete " + std::to_string(pending.size()) + " of " +
               std::to_string(calls.size()) + " calls within " +
               std::to_string(options_.retry_timeout_ms) + " ms: " + last_error;
      return false;
    }
    if (transient) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::min<int64_t>(backoff, left.count())));
      backoff = std::min(backoff * 2, options_.backoff_max_ms);
    }
    if (refresh) {
      std::string err;
      if (!Refresh(&err)) last_error = err;
    }
  }
  return true;
}

bool Cluster::WaitReplicas(int replicas, int timeout_ms, std::string* error) {
  std::string command;
  AppendCommand(&command, {"WAIT", std::to_string(replicas), std::to_string(timeout_ms)});
  // All WAITs in flight at once; each blocks its own connection. A WAIT
  // sent is always answered and read below, even when another node already
  // failed the group: a reply left unread would be taken as the answer to
  // the connection's next command.
  std::vector<int> asked;
  bool ok = true;
  for (auto [node, generation] : written_) {
    Node& n = nodes_[node];
    if (generation == 0 || !n.conn || n.generation != generation) {
      *error = "cannot confirm replication of writes to " + n.name +
               ": its connection was lost after they were sent";
      ok = false;
      break;
    }
    std::string err;
    if (!n.conn->Send(command, &err)) {
      Drop(node);
      *error = "WAIT on " + n.name + ": " + err;
      ok = false;
      break;
    }
    asked.push_back(node);
  }
  for (int node : asked) {
    Node& n = nodes_[node];
    Reply reply;
    std::string err;
    ++stats_.round_trips;
    ++stats_.commands;
    if (!n.conn->Receive(&reply, &err)) {
      Drop(node);
      if (ok) *error = "WAIT on " + n.name + ": " + err;
      ok = false;
    } else if (reply.type != Reply::Type::kInteger || reply.integer < replicas) {
      if (ok)
        *error = "WAIT on " + n.name + ": " + reply.Describe() + " of " + std::to_string(replicas) +
                 " replicas acknowledged within " + std::to_string(timeout_ms) + " ms";
      ok = false;
    }
  }
  if (!ok) ++stats_.failures;
  return ok;
}

bool Cluster::RunOnMasters(const std::string& command, std::vector<Reply>* replies,
                           std::string* error) {
  replies->clear();
  std::vector<int> masters;
  for (int16_t n : slots_)
    if (n >= 0 && std::find(masters.begin(), masters.end(), n) == masters.end())
      masters.push_back(n);
  for (int node : masters) {
    Connection* conn = Connect(node, error);
    Reply reply;
    if (!conn || !conn->Send(command, error) || !conn->Receive(&reply, error)) {
      Drop(node);
      return false;
    }
    ++stats_.round_trips;
    replies->push_back(std::move(reply));
  }
  return true;
}

bool Cluster::ScanMasters(const std::string& match, std::vector<std::string>* keys,
                          std::string* error) {
  std::vector<int> masters;
  for (int16_t n : slots_)
    if (n >= 0 && std::find(masters.begin(), masters.end(), n) == masters.end())
      masters.push_back(n);
  for (int node : masters) {
    std::string cursor = "0";
    do {
      Connection* conn = Connect(node, error);
      Reply reply;
      if (!conn || !conn->Call({"SCAN", cursor, "MATCH", match, "COUNT", "1000"}, &reply, error)) {
        Drop(node);
        return false;
      }
      ++stats_.round_trips;
      if (reply.type != Reply::Type::kArray || reply.elements.size() != 2 ||
          reply.elements[1].type != Reply::Type::kArray) {
        *error = "SCAN on " + nodes_[node].name + ": " +
                 (reply.is_error() ? reply.str : "unexpected " + reply.Describe());
        return false;
      }
      cursor = reply.elements[0].str;
      for (Reply& key : reply.elements[1].elements) keys->push_back(std::move(key.str));
    } while (cursor != "0");
  }
  return true;
}

std::vector<std::string> Cluster::Masters() const {
  std::vector<std::string> out;
  std::vector<int16_t> seen;
  for (int16_t n : slots_)
    if (n >= 0 && std::find(seen.begin(), seen.end(), n) == seen.end()) {
      seen.push_back(n);
      out.push_back(nodes_[n].name);
    }
  return out;
}

}  // namespace picket::redis
