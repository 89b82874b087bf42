#include "state/redis_term_store.h"

#include <xxhash.h>

#include <chrono>
#include <cstring>

#include "state/redis_record_store.h"
#include "util/embedded.h"

namespace picket::state {

namespace {

std::string Hex128(std::string_view key) {
  XXH128_hash_t h = XXH3_128bits(key.data(), key.size());
  static const char kHex[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 0; i < 16; ++i) {
    uint64_t word = i < 8 ? h.high64 : h.low64;
    unsigned byte = static_cast<unsigned>(word >> (8 * (7 - (i % 8)))) & 0xff;
    out[2 * i] = kHex[byte >> 4];
    out[2 * i + 1] = kHex[byte & 15];
  }
  return out;
}

std::string_view OwnerBytes(const uint64_t& owner, char (&buf)[8]) {
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>((owner >> (8 * i)) & 0xff);
  return std::string_view(buf, 8);
}

int64_t GetInt64(const char* p) {
  uint64_t u = 0;
  for (int i = 7; i >= 0; --i) u = (u << 8) | static_cast<unsigned char>(p[i]);
  return static_cast<int64_t>(u);
}

}  // namespace

RedisTermStore::RedisTermStore(const RedisStoreOptions& options)
    : options_(options), script_(std::string(EmbeddedFile("src/state/lua/new_terms.lua"))) {}

RedisTermStore::~RedisTermStore() = default;

std::unique_ptr<RedisTermStore> RedisTermStore::Open(const RedisStoreOptions& options,
                                                     std::string* error) {
  if (options.prefix.empty() || options.prefix.find_first_of("{}") != std::string::npos) {
    *error = "the Redis key prefix must be non-empty and contain no '{' or '}'";
    return nullptr;
  }
  std::unique_ptr<RedisTermStore> store(new RedisTermStore(options));
  if (store->script_.source.empty()) {
    *error = "internal error: the new_terms Lua script is not embedded";
    return nullptr;
  }
  store->cluster_ = redis::Cluster::Connect(options.cluster, error);
  if (!store->cluster_) return nullptr;
  store->cluster_->BeginWrites();
  return store;
}

RecordStore* RedisTermStore::records() {
  if (!records_)
    records_ = std::make_unique<RedisRecordStore>(this, cluster_.get(), options_.prefix,
                                                  options_.record_grace_ms);
  return records_.get();
}

std::string RedisTermStore::RedisKey(std::string_view key) const {
  return options_.prefix + ":nt:{" + Hex128(key) + "}";
}

void RedisTermStore::SetEventOwner(uint64_t owner) { owner_ = owner ? owner : 1; }

RedisTermStore::Pending& RedisTermStore::PendingFor(std::string_view key, int64_t window_ms) {
  std::string tag = Hex128(key);
  auto [it, inserted] = pending_.try_emplace(tag);
  Pending& p = it->second;
  if (inserted) {
    p.redis_key = options_.prefix + ":nt:{" + tag + "}";
    p.window_ms = window_ms;
  }
  return p;
}

void RedisTermStore::Stage(std::string_view key, TimeMs t, int64_t window_ms, bool learn_only) {
  Pending& p = PendingFor(key, window_ms);
  if (p.sightings.empty()) staged_order_.push_back(&p);
  p.sightings.push_back(Sighting{t, owner_, learn_only});
}

void RedisTermStore::BuildCall(const Pending& p, redis::Call* call) const {
  call->slot = redis::KeySlot(p.redis_key);
  call->script = &script_;
  call->command.clear();
  redis::CommandWriter w(&call->command, 5 + 3 * p.sightings.size());
  w.Arg("EVALSHA").Arg(script_.sha1).Arg("1").Arg(p.redis_key).Arg(p.window_ms);
  char buf[8];
  for (const Sighting& s : p.sightings)
    w.Arg(s.t).Arg(OwnerBytes(s.owner, buf)).Arg(s.learn_only ? "1" : "0");
}

bool RedisTermStore::ReadAnswers(const redis::Reply& reply, Pending* p) {
  size_t n = p->sightings.size();
  if (reply.is_error()) {
    Fail("Redis refused the new_terms decision for " + p->redis_key + ": " + reply.str);
    return false;
  }
  if (reply.type != redis::Reply::Type::kArray || reply.elements.size() != 3 + 3 * n) {
    Fail("unexpected reply to the new_terms decision for " + p->redis_key + ": " +
         reply.Describe());
    return false;
  }
  for (const redis::Reply& e : reply.elements)
    if (e.type != redis::Reply::Type::kInteger) {
      Fail("unexpected reply to the new_terms decision for " + p->redis_key);
      return false;
    }
  const auto& e = reply.elements;
  bool existed = e[0].integer != 0;
  TermRecord before{e[1].integer, e[2].integer, e[2].integer + p->window_ms};
  p->answers.clear();
  p->answers.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    ObserveResult r;
    r.is_new = e[3 + 3 * i].integer != 0;
    r.existed = existed;
    if (existed) r.before = before;
    r.after =
        TermRecord{e[4 + 3 * i].integer, e[5 + 3 * i].integer, e[5 + 3 * i].integer + p->window_ms};
    p->answers.push_back(Answer{p->sightings[i], r});
    existed = true;
    before = r.after;
  }
  // The script writes the record when any sighting changed it.
  bool changed = !e[0].integer || p->answers.back().result.after.first_seen != e[1].integer ||
                 p->answers.back().result.after.last_seen != e[2].integer;
  for (const Answer& a : p->answers) changed = changed || a.result.is_new;
  if (changed) ++stats_.records_written;
  p->sightings.clear();
  p->next_answer = 0;
  stats_.sightings += n;
  return true;
}

bool RedisTermStore::ResolveStaged(std::string* error) {
  // Answers of the previous batch are not asked for any more.
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.sightings.empty())
      it = pending_.erase(it);
    else
      ++it;
  }
  if (!ok()) {
    *error = failure_;
    staged_order_.clear();
    pending_.clear();
    return false;
  }
  if (staged_order_.empty()) return true;
  auto start = std::chrono::steady_clock::now();
  std::vector<redis::Call> calls(staged_order_.size());
  std::vector<redis::Call*> raw(calls.size());
  for (size_t i = 0; i < calls.size(); ++i) {
    BuildCall(*staged_order_[i], &calls[i]);
    raw[i] = &calls[i];
  }
  ++stats_.batches;
  stats_.script_calls += calls.size();
  std::string err;
  bool good = cluster_->Run(raw, &err);
  if (!good) Fail(err);
  for (size_t i = 0; good && i < calls.size(); ++i)
    good = ReadAnswers(calls[i].reply, staged_order_[i]);
  staged_order_.clear();
  if (latency_observer_)
    latency_observer_(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (!good) {
    pending_.clear();  // nothing of this batch was decided for sure
    *error = failure_;
    return false;
  }
  return true;
}

ObserveResult RedisTermStore::Observe(std::string_view key, TimeMs t, int64_t window_ms,
                                      bool learn_only) {
  std::string tag = Hex128(key);
  auto it = pending_.find(tag);
  if (it != pending_.end() && it->second.next_answer < it->second.answers.size()) {
    Pending& p = it->second;
    const Answer& a = p.answers[p.next_answer];
    if (a.sighting.t == t && a.sighting.owner == owner_ && a.sighting.learn_only == learn_only) {
      ++p.next_answer;
      return a.result;
    }
  }
  if (!ok()) return ObserveResult{};  // the group is lost anyway; decide nothing
  // Not staged (or not in the staged order): decide this one sighting now.
  // It runs after whatever was resolved for the key, which is its order in
  // the event stream unless staging and evaluation disagree.
  ++stats_.unstaged;
  Pending single;
  single.redis_key = options_.prefix + ":nt:{" + tag + "}";
  single.window_ms = window_ms;
  single.sightings.push_back(Sighting{t, owner_, learn_only});
  auto start = std::chrono::steady_clock::now();
  redis::Call call;
  BuildCall(single, &call);
  ++stats_.script_calls;
  std::string err;
  bool good = cluster_->Run(&call, &err);
  if (!good) Fail(err);
  if (good) good = ReadAnswers(call.reply, &single);
  if (latency_observer_)
    latency_observer_(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return good ? single.answers[0].result : ObserveResult{};
}

std::optional<TermRecord> RedisTermStore::Get(std::string_view key) const {
  std::string redis_key = RedisKey(key);
  redis::Call get, expiry;
  get.slot = expiry.slot = redis::KeySlot(redis_key);
  get.writes = expiry.writes = false;
  redis::AppendCommand(&get.command, {"GET", redis_key});
  redis::AppendCommand(&expiry.command, {"PEXPIRETIME", redis_key});
  redis::Call* calls[] = {&get, &expiry};
  std::string err;
  if (!cluster_->Run(calls, &err)) return std::nullopt;
  if (get.reply.type != redis::Reply::Type::kString || get.reply.str.size() != 24)
    return std::nullopt;
  const char* p = get.reply.str.data();
  return TermRecord{GetInt64(p), GetInt64(p + 8), expiry.reply.integer};
}

bool RedisTermStore::Sync(std::string* error) {
  if (!ok()) {
    *error = failure_;
    return false;
  }
  if (options_.wait_replicas > 0 &&
      !cluster_->WaitReplicas(options_.wait_replicas, options_.wait_timeout_ms, error)) {
    Fail(*error);
    return false;
  }
  cluster_->BeginWrites();
  return true;
}

void RedisTermStore::Fail(const std::string& error) {
  if (failure_.empty()) {
    failure_ = error;
    ++stats_.failures;
  }
}

bool RedisTermStore::RefreshSize(std::string* error) {
  std::string command;
  redis::AppendCommand(&command, {"DBSIZE"});
  std::vector<redis::Reply> replies;
  if (!cluster_->RunOnMasters(command, &replies, error)) return false;
  size_t total = 0;
  for (const redis::Reply& r : replies)
    if (r.type == redis::Reply::Type::kInteger && r.integer > 0) total += r.integer;
  size_ = total;
  return true;
}

}  // namespace picket::state
