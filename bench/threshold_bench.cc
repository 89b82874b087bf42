// threshold_bench: what a threshold rule costs (src/engine/threshold_unit).
// One command, one run:
//
//   build/bench/threshold_bench [--events N] [--groups G] [--held-groups H] [--per-group K]
//
// Figures:
//  1. throughput of a Detector holding one threshold rule (3 group fields,
//     value 15, from now-9m, like upstream's process-kill rule) over N kill
//     events spread over G groups, 1.2 KB each, read as `picket run` reads
//     (io::EventStream) with the memory record store; printed with the
//     parse-only baseline measured in the same rounds (a simdjson document
//     stream over the same buffer touching every root key, the method of
//     ../shared/tools/parse_only.cpp), best of five alternating rounds;
//  2. bytes per threshold group: H groups each holding K events (below the
//     value, so none alerts), as the memory record store counts them
//     (memory_bytes / groups), and the encoded record alone (its bytes and
//     its key), for K = 1 and K = --per-group.
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/detector.h"
#include "io/event_stream.h"
#include "rules/loader.h"
#include "state/memory_record_store.h"
#include "state/memory_store.h"

namespace {

using Clock = std::chrono::steady_clock;
using picket::TimeMs;

std::string ArgValue(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return fallback;
}

constexpr std::string_view kRule = R"([rule]
rule_id = "0b3c5f1e-7a2d-4c8b-9e6f-1a2b3c4d5e6f"
name = "Kill burst"
description = "Many kill events per host, executable and user."
type = "threshold"
language = "kuery"
index = ["logs-endpoint.events.*"]
from = "now-9m"
severity = "low"
risk_score = 21
timestamp_override = "event.ingested"
query = 'event.type:end and event.action:kill'
[rule.threshold]
field = ["host.id", "process.executable", "user.name"]
value = 15
)";

// A kill event of group g at `ms`, about 1.2 KB like the bench telemetry.
std::string KillEvent(size_t g, TimeMs ms, size_t seq) {
  std::string t = picket::FormatIso8601(ms);
  std::string host = "host-" + std::to_string(g % 997);
  std::string exe = "/usr/local/bin/worker-" + std::to_string(g / 997);
  return R"({"@timestamp":")" + t +
         R"(","agent":{"id":"8a4f500d","type":"endpoint","version":"8.15.0"},)"
         R"("event":{"action":"kill","category":["process"],"kind":"event","type":["end"],"id":"ev-)" +
         std::to_string(seq) + R"(","ingested":")" + t +
         R"(","dataset":"endpoint.events.process","module":"endpoint"},)"
         R"("host":{"id":")" +
         host + R"(","name":"mac-)" + host +
         R"(","os":{"type":"macos","name":"macOS","version":"14.4","family":"darwin"},"architecture":"arm64"},)"
         R"("process":{"name":"worker","pid":)" +
         std::to_string(4000 + seq % 1000) + R"(,"entity_id":"Ztl8z2vqcmFmZ3","executable":")" +
         exe +
         R"(","args":["worker","--stop","--all","--signal","9"],"command_line":"worker --stop --all --signal 9",)"
         R"("parent":{"name":"launchd","pid":1,"executable":"/sbin/launchd","entity_id":"Ztl8z2vqcmFmZ2"},)"
         R"("code_signature":{"exists":true,"signing_id":"com.example.worker","status":"trusted","team_id":"DJ3H93M7VJ","trusted":true}},)"
         R"("user":{"id":"501","name":"analyst"},)"
         R"("data_stream":{"dataset":"endpoint.events.process","namespace":"default","type":"logs"},)"
         R"("ecs":{"version":"8.11.0"},"elastic":{"agent":{"id":"8a4f500d-4d4c-4f7b-9d8e-0f1e2d3c4b5a"}},)"
         R"("message":"Endpoint process event: the worker stopped its children with signal 9 during a rolling restart of the fleet agents"})";
}

std::string Events(size_t n, size_t groups, TimeMs start, TimeMs step) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += KillEvent(i % groups, start + i * step, i) + "\n";
  return out;
}

struct Figures {
  double seconds = 0;
  uint64_t events = 0, alerts = 0;
};

Figures ParseOnly(const std::string& data) {
  simdjson::dom::parser parser;
  simdjson::dom::document_stream docs;
  Figures f;
  if (parser.parse_many(data).get(docs)) return f;
  size_t keys = 0;
  for (auto doc : docs) {
    simdjson::dom::object obj;
    if (doc.get(obj)) continue;
    for (auto field : obj) keys += field.key.size();
    ++f.events;
  }
  if (keys == 0) f.events = 0;
  return f;
}

Figures RunThreshold(const std::string& data,
                     const std::shared_ptr<const picket::rules::Rule>& rule,
                     picket::state::MemoryRecordStore* records) {
  picket::state::MemoryTermStore terms;
  picket::engine::DetectorOptions options;
  options.alert_time = 1780000000000;
  options.apply_max_signals = false;
  picket::engine::Detector detector({rule}, picket::engine::StateStores{&terms, records}, options);
  picket::io::EventStream stream;
  Figures f;
  stream.ReadBuffer(
      data, "bench",
      [&](const picket::io::Event& e) {
        picket::engine::EventRef ref;
        ref.doc = e.doc;
        ref.raw = e.raw;
        ref.source = "bench";
        ref.line = e.where.line;
        detector.Process(ref, false, [&](const picket::engine::Alert&) { ++f.alerts; });
        return true;
      },
      [](const picket::io::InputError&) {});
  f.events = stream.stats().events;
  return f;
}

void Print(const char* name, const Figures& f, size_t bytes, double baseline_seconds) {
  printf("%-40s %10.0f events/s %8.1f MB/s %7.3f s %7llu alerts", name, f.events / f.seconds,
         bytes / f.seconds / 1e6, f.seconds, static_cast<unsigned long long>(f.alerts));
  if (baseline_seconds > 0) printf("  %5.1f%% of parse-only", 100.0 * baseline_seconds / f.seconds);
  printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = std::stoul(ArgValue(argc, argv, "--events", "200000"));
  size_t groups = std::stoul(ArgValue(argc, argv, "--groups", "2000"));
  size_t held_groups = std::stoul(ArgValue(argc, argv, "--held-groups", "20000"));
  size_t per_group = std::stoul(ArgValue(argc, argv, "--per-group", "10"));
  std::vector<picket::rules::LoadIssue> errors, warnings;
  auto rule = picket::rules::LoadRuleText(
      kRule, "bench:threshold.toml", *picket::event::FieldTypes::BuiltIn(), {}, &errors, &warnings);
  if (!rule) {
    fprintf(stderr, "threshold_bench: %s\n", errors.empty() ? "" : errors[0].ToString().c_str());
    return 2;
  }
  const TimeMs start = 1772323200000;

  // 1. Throughput: N events 10 ms apart over G groups (each group's events
  // are G * 10 ms apart: with the default 2000 groups, 20 s, so every group
  // reaches 15 within 9 minutes and alerts again and again).
  std::string data = Events(n, groups, start, 10);
  printf("events: %zu (%.1f MB), %zu groups, 1 threshold rule (3 fields, value 15, from now-9m)\n",
         n, data.size() / 1e6, groups);
  Figures best_base, best;
  for (int round = 0; round < 5; ++round)
    for (int which = 0; which < 2; ++which) {
      picket::state::MemoryRecordStore records;
      auto t0 = Clock::now();
      Figures f = which == 0 ? ParseOnly(data) : RunThreshold(data, rule, &records);
      f.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
      Figures& slot = which == 0 ? best_base : best;
      if (round == 0 || f.seconds < slot.seconds) slot = f;
    }
  Print("parse only (baseline, same rounds)", best_base, data.size(), 0);
  Print("threshold rule, memory record store", best, data.size(), best_base.seconds);

  // 2. Bytes per group.
  for (size_t k : {size_t{1}, per_group}) {
    picket::state::MemoryRecordStore records;
    // All within one second: nothing expires, nothing reaches 15.
    std::string held = Events(held_groups * k, held_groups, start, 0);
    RunThreshold(held, rule, &records);
    size_t record_bytes = 0, key_bytes = 0, count = 0;
    records.Scan("", [&](std::string_view key, std::string_view value, TimeMs) {
      if (value.size() > 8) {  // group records (the watermark record is 8 bytes)
        record_bytes += value.size();
        key_bytes += key.size();
        ++count;
      }
    });
    printf(
        "%zu groups holding %zu event(s) each: %.1f bytes per group in the memory store "
        "(encoded record %.1f + key %.1f)\n",
        count, k, static_cast<double>(records.memory_bytes()) / count,
        static_cast<double>(record_bytes) / count, static_cast<double>(key_bytes) / count);
  }
  return 0;
}
