// sequence_bench: the streaming sequence matcher alone (src/eql/sequence_stream)
// — events per second through `sequence by host.id with maxspan=5m [A] [B]`
// on the memory and RocksDB record stores, and the bytes a pending sequence
// costs. One command, one run:
//
//   build/bench/sequence_bench [--events N] [--hosts H] [--pending P] [--dir DIR]
//                              [--only memory|rocksdb|bytes]
//
// Input: events that already matched stage A or B (the matching stage, which
// picks them out of the whole stream, is measured by run_bench), one join
// key each (host.id), 10 ms apart, each with a 1.2 KB payload (an Elastic
// Defend process event). Figures:
//   1. stream throughput, memory store and RocksDB (committed every 64 MiB,
//      as `picket run --state-dir`), lookback 9m;
//   2. bytes per pending sequence: P keys each holding one sequence waiting
//      at stage B, as the memory store counts them (records + payloads), and
//      the encoded record alone (what a key costs without its event body).
// The baseline for (1) is a loop that only copies each payload into a
// string and hashes it, so the figure says what the matcher adds.
#include <xxhash.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "eql/sequence_key.h"
#include "eql/sequence_stream.h"
#include "state/memory_record_store.h"
#include "state/rocksdb_store.h"

namespace {

using Clock = std::chrono::steady_clock;
using picket::TimeMs;
namespace eql = picket::eql;

std::string ArgValue(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return fallback;
}

std::string Payload(size_t i, const std::string& host) {
  std::string p =
      R"({"@timestamp":"2026-11-28T10:00:00.000Z","agent":{"id":"8a4f500d","type":"endpoint","version":"8.15.0"},)"
      R"("event":{"action":"exec","category":["process"],"kind":"event","type":["start"],"id":")";
  p += std::to_string(i);
  p +=
      R"("},"host":{"id":")" + host + R"(","name":"mac-)" + host +
      R"(","os":{"type":"macos","name":"macOS","version":"14.4"}},)"
      R"J("process":{"name":"python3.11","pid":4242,"entity_id":"Ztl8z2vqcmFmZ3",)J"
      R"J("executable":"/Library/Frameworks/Python.framework/Versions/3.11/bin/python3.11",)J"
      R"J("args":["python3","-c","import torch; torch.load('model.pt')"],)J"
      R"J("command_line":"python3 -c import torch; torch.load('model.pt')",)J"
      R"("parent":{"name":"zsh","pid":4100,"executable":"/bin/zsh","entity_id":"Ztl8z2vqcmFmZ2"},)"
      R"("code_signature":{"exists":true,"signing_id":"org.python.python","status":"trusted","team_id":"DJ3H93M7VJ","trusted":true}},)"
      R"("user":{"id":"501","name":"analyst"},"data_stream":{"dataset":"endpoint.events.process","namespace":"default","type":"logs"},)"
      R"("ecs":{"version":"8.11.0"},"message":"Endpoint process event"})";
  return p;
}

eql::SequencePlan Plan() {
  eql::SequenceSpec spec;
  spec.stages = {{}, {}};
  spec.key_count = 1;
  spec.maxspan_ms = 5 * 60 * 1000;
  return eql::SequencePlan(spec);
}

struct Input {
  std::vector<std::string> payloads, keys;
  std::vector<uint64_t> stages;
  std::vector<TimeMs> times;
};

Input MakeInput(size_t events, size_t hosts, uint64_t seed) {
  Input in;
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i < events; ++i) {
    std::string host = "host-" + std::to_string(rng() % hosts);
    in.payloads.push_back(Payload(i, host));
    std::string key;
    eql::AppendKeyString(&key, host);
    in.keys.push_back(key);
    in.stages.push_back(rng() % 2 ? 1 : 2);  // stage A or B
    in.times.push_back(1800000000000 + static_cast<TimeMs>(i) * 10);
  }
  return in;
}

struct Result {
  double seconds = 0;
  uint64_t sequences = 0;
};

Result Feed(const eql::SequencePlan& plan, picket::state::RecordStore* store, const Input& in) {
  eql::StreamOptions options{.lookback_ms = 9 * 60 * 1000};
  eql::SequenceStream stream(&plan, store, "rule-uuid", options);
  Result r;
  auto emit = [&](eql::StreamSequence&&) { ++r.sequences; };
  auto start = Clock::now();
  for (size_t i = 0; i < in.payloads.size(); ++i) {
    eql::StreamEvent e;
    e.id = XXH3_64bits(in.payloads[i].data(), in.payloads[i].size());
    e.ordinal.time = in.times[i];
    e.ordinal.index = "logs-endpoint.events.process-default";
    e.window_time = in.times[i];
    e.payload = in.payloads[i];
    eql::KeyedMatch m{in.keys[i], in.stages[i], false};
    stream.Add(e, std::span(&m, 1), emit);
    if (i % 4096 == 0)
      if (auto t = stream.ExpiryThreshold()) store->Expire(*t);
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return r;
}

double Baseline(const Input& in) {
  auto start = Clock::now();
  uint64_t sink = 0;
  std::string copy;
  for (const std::string& p : in.payloads) {
    copy.assign(p);
    sink += XXH3_64bits(copy.data(), copy.size());
  }
  double s = std::chrono::duration<double>(Clock::now() - start).count();
  if (sink == 42) std::printf(" ");
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  size_t events = std::stoul(ArgValue(argc, argv, "--events", "200000"));
  size_t hosts = std::stoul(ArgValue(argc, argv, "--hosts", "500"));
  size_t pending = std::stoul(ArgValue(argc, argv, "--pending", "100000"));
  std::string only = ArgValue(argc, argv, "--only", "");  // memory | rocksdb | bytes
  std::string dir =
      ArgValue(argc, argv, "--dir",
               (std::filesystem::temp_directory_path() / "picket_sequence_bench").string());
  eql::SequencePlan plan = Plan();

  Input in = MakeInput(events, hosts, 1);
  std::printf("sequence_bench: %zu events (stage A or B), %zu hosts, 1.2 KB payloads\n", events,
              hosts);
  double best_base = 1e9, best_mem = 1e9;
  uint64_t sequences = 0;
  for (int round = 0; round < 3 && (only.empty() || only == "memory"); ++round) {
    best_base = std::min(best_base, Baseline(in));
    picket::state::MemoryRecordStore memory;
    Result r = Feed(plan, &memory, in);
    best_mem = std::min(best_mem, r.seconds);
    sequences = r.sequences;
  }
  std::printf("  baseline (copy + hash each payload): %8.0f events/s\n", events / best_base);
  std::printf("  stream, memory store:                %8.0f events/s  (%llu sequences)\n",
              events / best_mem, static_cast<unsigned long long>(sequences));
  if (only.empty() || only == "rocksdb") {
    std::filesystem::remove_all(dir);
    std::string error;
    picket::state::RocksDbOptions options;
    options.auto_commit_bytes = 64u << 20;
    auto db = picket::state::RocksDbTermStore::Open(dir, options, &error);
    if (!db) {
      std::fprintf(stderr, "sequence_bench: %s\n", error.c_str());
      return 2;
    }
    Result r = Feed(plan, db->records(), in);
    if (!db->Sync(&error)) std::fprintf(stderr, "sequence_bench: %s\n", error.c_str());
    std::printf("  stream, RocksDB records:             %8.0f events/s  (%llu sequences)\n",
                events / r.seconds, static_cast<unsigned long long>(r.sequences));
    db.reset();
    std::filesystem::remove_all(dir);
  }

  // Bytes per pending sequence: one A per key, nothing completes.
  if (only.empty() || only == "bytes") {
    picket::state::MemoryRecordStore memory;
    eql::StreamOptions options{.lookback_ms = 9 * 60 * 1000};
    eql::SequenceStream stream(&plan, &memory, "rule-uuid", options);
    for (size_t i = 0; i < pending; ++i) {
      std::string host = "host-" + std::to_string(i);
      std::string payload = Payload(i, host);
      std::string key;
      eql::AppendKeyString(&key, host);
      eql::StreamEvent e;
      e.id = i + 1;
      e.ordinal.time = 1800000000000 + static_cast<TimeMs>(i);
      e.ordinal.index = "logs-endpoint.events.process-default";
      e.window_time = e.ordinal.time;
      e.payload = payload;
      eql::KeyedMatch m{key, 1, false};
      stream.Add(e, std::span(&m, 1), nullptr);
    }
    eql::SequenceStream::Census census = stream.TakeCensus();
    double n = static_cast<double>(census.pending);
    std::printf("  pending sequences: %lld (records %lld)\n",
                static_cast<long long>(census.pending), static_cast<long long>(census.records));
    std::printf("  bytes per pending sequence, memory store (record + event body): %.0f\n",
                memory.memory_bytes() / n);
    std::printf("    of which the encoded record: %.0f, the event body: %.0f\n",
                census.record_bytes / n, census.payload_bytes / n);
  }
  return 0;
}
