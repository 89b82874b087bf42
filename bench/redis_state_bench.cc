// redis_state_bench: what deciding against Redis Cluster costs the engine,
// per event and per matching event, with the memory store as the baseline in
// the same run. One command:
//
//   build/bench/redis_state_bench [--events N] [--hosts H] [--telemetry FILE]
//                                 [--upstream DIR] [--batch B] [--state redis://HOST:PORT,...]
//
// Without --state it starts a local cluster (scripts/redis-cluster.sh: 3
// masters, 3 replicas) and stops it at the end. Every upstream kuery rule
// (query + new_terms) runs over generated telemetry:
//   1. memory store, Process per event (baseline: what one node does alone);
//   2. Redis, batched (Match, Stage, ResolveStaged, Decide per batch of B);
//   3. Redis, batched, WAIT for one replica after each batch;
//   4. Redis, one event at a time (Process: one round trip per sighting);
// each with events/s and alerts (which must equal the baseline's). Then the
// counts behind the sizing estimate in docs/redis.md: events that matched a
// new_terms rule, sightings, script calls, round trips, records written
// (SET inside the script) per 1000 events and per matching event; the
// server time per script call (INFO commandstats); Redis memory per record.
#include <fmt/format.h>
#include <sched.h>
#include <simdjson.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "engine/detector.h"
#include "redis/cluster.h"
#include "rules/loader.h"
#include "state/memory_store.h"
#include "state/redis_term_store.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using picket::engine::Alert;
using picket::engine::Detector;
using picket::engine::DetectorOptions;
using picket::engine::EventRef;
using picket::engine::MatchResult;

std::string ArgValue(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return fallback;
}

struct Run {
  double seconds = 0;
  uint64_t alerts = 0;
  uint64_t round_trips = 0;
  uint64_t script_calls = 0;
  uint64_t sightings = 0;
  uint64_t records_written = 0;
  double redis_seconds = 0;  // in ResolveStaged (decisions) and WAIT
};

// Sums `field` of INFO `section` over every master.
double InfoSum(picket::redis::Cluster* cluster, const std::string& section,
               const std::string& field) {
  std::string command;
  picket::redis::AppendCommand(&command, {"INFO", section});
  std::vector<picket::redis::Reply> replies;
  std::string error;
  if (!cluster->RunOnMasters(command, &replies, &error)) return -1;
  double total = 0;
  for (const auto& r : replies) {
    size_t at = r.str.find(field);
    if (at == std::string::npos) continue;
    total += std::atof(r.str.c_str() + at + field.size());
  }
  return total;
}

// calls= and usec= of one command in INFO commandstats, summed over masters.
std::pair<double, double> CommandStats(picket::redis::Cluster* cluster, const std::string& name) {
  std::string command;
  picket::redis::AppendCommand(&command, {"INFO", "commandstats"});
  std::vector<picket::redis::Reply> replies;
  std::string error;
  double calls = 0, usec = 0;
  if (!cluster->RunOnMasters(command, &replies, &error)) return {-1, -1};
  for (const auto& r : replies) {
    size_t at = r.str.find("cmdstat_" + name + ":calls=");
    if (at == std::string::npos) continue;
    calls += std::atof(r.str.c_str() + at + name.size() + 15);  // "cmdstat_" NAME ":calls="
    size_t u = r.str.find("usec=", at);
    if (u != std::string::npos) usec += std::atof(r.str.c_str() + u + 5);
  }
  return {calls, usec};
}

}  // namespace

int main(int argc, char** argv) {
  fs::path exe = fs::canonical("/proc/self/exe");
  fs::path source_dir = exe.parent_path();
  while (source_dir.has_parent_path() && source_dir != source_dir.parent_path() &&
         !fs::exists(source_dir / "bench/gen_telemetry.py"))
    source_dir = source_dir.parent_path();
  std::string events = ArgValue(argc, argv, "--events", "100000");
  std::string hosts = ArgValue(argc, argv, "--hosts", "2000");
  std::string telemetry = ArgValue(argc, argv, "--telemetry", "");
  size_t batch = std::stoul(ArgValue(argc, argv, "--batch", "1000"));
  std::string url = ArgValue(argc, argv, "--state", "");
  std::string upstream =
      ArgValue(argc, argv, "--upstream",
               (source_dir.parent_path() / "shared/upstream/detection-rules").string());

  if (telemetry.empty()) {
    telemetry = (fs::temp_directory_path() / ("picket_redis_bench_" + events + ".ndjson")).string();
    std::string cmd = "/usr/bin/python3 " + (source_dir / "bench/gen_telemetry.py").string() +
                      " --events " + events + " --hosts " + hosts + " --out " + telemetry +
                      " --seed 1 > /dev/null";
    if (std::system(cmd.c_str()) != 0) {
      fprintf(stderr, "redis_state_bench: cannot generate telemetry: %s\n", cmd.c_str());
      return 2;
    }
  }
  std::vector<std::string> lines;
  {
    std::ifstream in(telemetry);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) lines.push_back(std::move(line));
  }
  if (lines.empty()) {
    fprintf(stderr, "redis_state_bench: no telemetry in %s\n", telemetry.c_str());
    return 2;
  }

  // The cluster: given, or a local one for this run.
  std::string cluster_dir;
  if (url.empty()) {
    cluster_dir =
        (fs::temp_directory_path() / fmt::format("picket_redis_bench_{}", getpid())).string();
    std::string cmd = "bash " + (source_dir / "scripts/redis-cluster.sh").string() + " start " +
                      cluster_dir + " > /dev/null";
    // Redis must not share the core this process may be pinned to
    // (taskset): its servers get every core.
    cpu_set_t mine, all;
    sched_getaffinity(0, sizeof mine, &mine);
    CPU_ZERO(&all);
    for (int c = 0; c < CPU_SETSIZE; ++c) CPU_SET(c, &all);
    sched_setaffinity(0, sizeof all, &all);
    int started = std::system(cmd.c_str());
    sched_setaffinity(0, sizeof mine, &mine);
    if (started != 0) {
      fprintf(stderr, "redis_state_bench: cannot start a local Redis Cluster\n");
      return 2;
    }
    std::ifstream in(cluster_dir + "/url");
    std::getline(in, url);
  }
  auto stop_cluster = [&] {
    if (cluster_dir.empty()) return;
    std::string cmd = "bash " + (source_dir / "scripts/redis-cluster.sh").string() + " stop " +
                      cluster_dir + " > /dev/null; rm -rf " + cluster_dir;
    if (std::system(cmd.c_str()) != 0)
      fprintf(stderr, "redis_state_bench: cannot stop %s\n", cluster_dir.c_str());
  };
  picket::state::RedisStoreOptions store_options;
  std::string error;
  std::string hostports = url.substr(url.find("://") + 3);
  if (!picket::redis::ParseHostPorts(hostports, &store_options.cluster.seeds, &error)) {
    fprintf(stderr, "redis_state_bench: %s\n", error.c_str());
    stop_cluster();
    return 2;
  }

  auto types = picket::event::FieldTypes::BuiltIn();
  picket::rules::LoadOptions load;
  load.skip_deprecated_dir = true;
  picket::rules::RuleSet set = picket::rules::LoadRules(
      {upstream + "/rules", upstream + "/rules_building_block"}, *types, load);
  std::vector<std::shared_ptr<const picket::rules::Rule>> rules(set.rules.begin(), set.rules.end());
  size_t new_terms_rules = 0;
  for (const auto& r : rules) new_terms_rules += r->type == picket::rules::RuleType::kNewTerms;
  printf("telemetry: %s, %zu events; %zu rules (%zu new_terms); batch %zu; Redis %s\n",
         telemetry.c_str(), lines.size(), rules.size(), new_terms_rules, batch, url.c_str());

  DetectorOptions options;
  options.alert_time = 1780000000000;
  simdjson::dom::parser parser;

  // 1. Baseline.
  Run base;
  uint64_t matching_events = 0;
  {
    picket::state::MemoryTermStore memory;
    Detector detector(rules, &memory, options);
    auto start = Clock::now();
    for (const std::string& line : lines) {
      EventRef ref;
      if (parser.parse(line).get(ref.doc) != simdjson::SUCCESS) continue;
      ref.raw = line;
      detector.Process(ref, false, [&](const Alert&) { ++base.alerts; });
    }
    base.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    for (size_t i = 0; i < rules.size(); ++i)
      if (rules[i]->type == picket::rules::RuleType::kNewTerms)
        matching_events += detector.stats()[i].matched;
  }

  // A fresh key prefix per run, so runs do not see each other's records.
  int run_number = 0;
  auto open_store = [&](int wait_replicas) {
    picket::state::RedisStoreOptions o = store_options;
    o.prefix = fmt::format("bench{}-{}", getpid(), run_number++);
    o.wait_replicas = wait_replicas;
    std::string err;
    auto store = picket::state::RedisTermStore::Open(o, &err);
    if (!store) fprintf(stderr, "redis_state_bench: %s\n", err.c_str());
    return store;
  };
  auto batched = [&](int wait_replicas, Run* run) {
    auto store = open_store(wait_replicas);
    if (!store) return false;
    store->set_latency_observer([run](double s) { run->redis_seconds += s; });
    Detector detector(rules, store.get(), options);
    picket::engine::EventMatcher* matcher = detector.AddMatcher();
    std::vector<MatchResult> matches(batch);
    uint64_t trips = store->cluster_stats().round_trips;
    auto start = Clock::now();
    for (size_t begin = 0; begin < lines.size(); begin += batch) {
      size_t end = std::min(lines.size(), begin + batch);
      for (size_t i = begin; i < end; ++i) {
        EventRef ref;
        if (parser.parse(lines[i]).get(ref.doc) != simdjson::SUCCESS) continue;
        ref.raw = lines[i];
        matcher->Match(ref, &matches[i - begin]);
        if (!matches[i - begin].matched.empty()) detector.Stage(ref, matches[i - begin], false);
      }
      std::string err;
      if (!detector.ResolveStaged(&err)) {
        fprintf(stderr, "redis_state_bench: %s\n", err.c_str());
        return false;
      }
      for (size_t i = begin; i < end; ++i) {
        if (matches[i - begin].matched.empty()) continue;
        EventRef ref;
        if (parser.parse(lines[i]).get(ref.doc) != simdjson::SUCCESS) continue;
        ref.raw = lines[i];
        detector.Decide(ref, matches[i - begin], false, [&](const Alert&) { ++run->alerts; });
      }
      auto wait_start = Clock::now();
      bool synced = store->Sync(&err);
      run->redis_seconds += std::chrono::duration<double>(Clock::now() - wait_start).count();
      if (!synced) {
        fprintf(stderr, "redis_state_bench: %s\n", err.c_str());
        return false;
      }
    }
    run->seconds = std::chrono::duration<double>(Clock::now() - start).count();
    run->round_trips = store->cluster_stats().round_trips - trips;
    run->script_calls = store->stats().script_calls;
    run->sightings = store->stats().sightings;
    run->records_written = store->stats().records_written;
    return true;
  };

  auto print = [&](const char* label, const Run& r) {
    printf("%-44s %9.0f events/s  %6llu alerts%s", label, lines.size() / r.seconds,
           static_cast<unsigned long long>(r.alerts), r.alerts == base.alerts ? "" : "  MISMATCH");
    if (r.round_trips)
      printf("  %7.2f round trips/1000 events", 1000.0 * r.round_trips / lines.size());
    printf("\n");
  };
  print("memory store, Process (baseline)", base);

  auto probe = open_store(0);
  if (!probe) {
    stop_cluster();
    return 2;
  }
  picket::redis::Cluster* cluster = probe->cluster();
  double keys_before = InfoSum(cluster, "keyspace", "keys=");
  double memory_before = InfoSum(cluster, "memory", "used_memory:");
  auto [eval_calls_before, eval_usec_before] = CommandStats(cluster, "evalsha");
  double cpu_before =
      InfoSum(cluster, "cpu", "used_cpu_user:") + InfoSum(cluster, "cpu", "used_cpu_sys:");

  Run redis;
  if (!batched(0, &redis)) {
    stop_cluster();
    return 1;
  }
  print(fmt::format("Redis, batches of {}", batch).c_str(), redis);
  double keys_after = InfoSum(cluster, "keyspace", "keys=");
  double memory_after = InfoSum(cluster, "memory", "used_memory:");
  auto [eval_calls_after, eval_usec_after] = CommandStats(cluster, "evalsha");
  double cpu_after =
      InfoSum(cluster, "cpu", "used_cpu_user:") + InfoSum(cluster, "cpu", "used_cpu_sys:");

  Run waited;
  if (batched(1, &waited))
    print(fmt::format("Redis, batches of {}, WAIT 1 replica", batch).c_str(), waited);

  // One round trip per sighting: only a slice, it is slow.
  Run single;
  {
    auto store = open_store(0);
    if (store) {
      Detector detector(rules, store.get(), options);
      size_t n = std::min<size_t>(lines.size(), 20000);
      uint64_t trips = store->cluster_stats().round_trips;
      auto start = Clock::now();
      for (size_t i = 0; i < n; ++i) {
        EventRef ref;
        if (parser.parse(lines[i]).get(ref.doc) != simdjson::SUCCESS) continue;
        ref.raw = lines[i];
        detector.Process(ref, false, [&](const Alert&) { ++single.alerts; });
      }
      single.seconds = std::chrono::duration<double>(Clock::now() - start).count();
      single.round_trips = store->cluster_stats().round_trips - trips;
      printf("%-44s %9.0f events/s  (first %zu events)  %7.2f round trips/1000 events\n",
             "Redis, one event at a time", n / single.seconds, n, 1000.0 * single.round_trips / n);
    }
  }

  double per_k = 1000.0 / lines.size();
  double records = keys_after - keys_before;
  double sets = redis.records_written;
  double evals = eval_calls_after - eval_calls_before;
  printf("\nper 1000 events (batched run):\n");
  printf("  events matching a new_terms rule   %8.1f\n", matching_events * per_k);
  printf("  sightings decided                  %8.1f\n", redis.sightings * per_k);
  printf("  script calls (EVALSHA, one per key per batch) %8.1f\n", redis.script_calls * per_k);
  printf("  records written (SET in the script) %8.1f\n", sets * per_k);
  printf("  new records (keys)                 %8.1f\n", records * per_k);
  printf("  round trips                        %8.2f\n", redis.round_trips * per_k);
  if (matching_events)
    printf("per matching event: %.2f sightings, %.2f script calls, %.2f records written\n",
           double(redis.sightings) / matching_events, double(redis.script_calls) / matching_events,
           sets / matching_events);
  if (evals > 0)
    printf(
        "server time per script call: %.1f us in the script (INFO commandstats), %.1f us of "
        "master CPU in all (INFO cpu, network included)\n",
        (eval_usec_after - eval_usec_before) / evals, 1e6 * (cpu_after - cpu_before) / evals);
  (void)memory_before;
  (void)memory_after;
  // Memory per record, from enough records for the growth to dwarf the
  // buffers: 200k combinations decided in batches of 1000.
  {
    auto store = open_store(0);
    if (store) {
      double before = InfoSum(store->cluster(), "memory", "used_memory:");
      double keys0 = InfoSum(store->cluster(), "keyspace", "keys=");
      auto [calls0, usec0] = CommandStats(store->cluster(), "evalsha");
      double cpu0 = InfoSum(store->cluster(), "cpu", "used_cpu_user:") +
                    InfoSum(store->cluster(), "cpu", "used_cpu_sys:");
      auto start = Clock::now();
      std::string err;
      for (int b = 0; b < 200; ++b) {
        for (int i = 0; i < 1000; ++i) {
          store->SetEventOwner(b * 1000 + i + 1);
          store->Stage(fmt::format("rule-uuid-0123456789abcdef|host-{}|/usr/bin/tool{}", b, i),
                       1780000000000, 7 * 24 * 3600 * 1000LL, false);
        }
        if (!store->ResolveStaged(&err)) break;
      }
      double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      double grown = InfoSum(store->cluster(), "memory", "used_memory:") - before;
      double added = InfoSum(store->cluster(), "keyspace", "keys=") - keys0;
      auto [calls1, usec1] = CommandStats(store->cluster(), "evalsha");
      double cpu1 = InfoSum(store->cluster(), "cpu", "used_cpu_user:") +
                    InfoSum(store->cluster(), "cpu", "used_cpu_sys:");
      if (calls1 > calls0)
        printf(
            "200k new records in batches of 1000: %.0f decisions/s from one client; per "
            "script call %.1f us in the script, %.1f us of master CPU in all\n",
            (calls1 - calls0) / seconds, (usec1 - usec0) / (calls1 - calls0),
            1e6 * (cpu1 - cpu0) / (calls1 - calls0));
      if (added > 0)
        printf(
            "Redis memory per new_terms record: %.0f bytes (used_memory growth over %.0f "
            "records, masters only; replicas hold as much again)\n",
            grown / added, added);
    }
  }
  double batches = double((lines.size() + batch - 1) / batch);
  printf("time in Redis per batch of %zu events: %.2f ms; with WAIT 1 replica: %.2f ms\n", batch,
         1000.0 * redis.redis_seconds / batches, 1000.0 * waited.redis_seconds / batches);
  stop_cluster();
  return redis.alerts == base.alerts && waited.alerts == base.alerts ? 0 : 1;
}
