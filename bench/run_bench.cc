// run_bench: throughput of `picket run` against the parse-only baseline, and
// memory per tracked new-terms combination. One command, one run, one core:
//
//   build/bench/run_bench [--events N] [--hosts H] [--telemetry FILE] [--upstream DIR]
//                         [--only parse|bundled|upstream|memory]
//
// It generates telemetry with bench/gen_telemetry.py (unless --telemetry is
// given), loads it into memory, then times, each over the same bytes (each
// run figure best of five rounds alternating with the baseline):
//   1. parse only: io::EventStream parsing every line, no rules (baseline);
//   2. run with the three bundled rules;
//   3. run with every upstream kuery rule (query + new_terms) under DIR/rules
//      and DIR/rules_building_block;
// and finally inserts random combinations into state::MemoryTermStore and
// prints its bytes per entry.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "engine/detector.h"
#include "io/event_stream.h"
#include "rules/loader.h"
#include "state/memory_store.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Figures {
  double seconds = 0;
  uint64_t events = 0;
  uint64_t alerts = 0;
};

std::string ArgValue(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return fallback;
}

// Best of three runs of `body` (warm caches, less noise on a shared machine).
template <typename Body>
Figures Measure(Body body) {
  Figures best;
  for (int i = 0; i < 3; ++i) {
    auto start = Clock::now();
    Figures f = body();
    f.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (i == 0 || f.seconds < best.seconds) best = f;
  }
  return best;
}

// Best of five rounds of `body` and of the parse-only baseline, the two
// alternating, so that both see the same machine (on a shared VM the speed
// drifts between seconds; timing one after the other skews the ratio).
template <typename Baseline, typename Body>
std::pair<Figures, Figures> MeasureAgainst(Baseline baseline, Body body) {
  Figures best_base, best;
  for (int i = 0; i < 5; ++i) {
    for (int which = 0; which < 2; ++which) {
      auto start = Clock::now();
      Figures f = which == 0 ? baseline() : body();
      f.seconds = std::chrono::duration<double>(Clock::now() - start).count();
      Figures& slot = which == 0 ? best_base : best;
      if (i == 0 || f.seconds < slot.seconds) slot = f;
    }
  }
  return {best_base, best};
}

void Print(const char* name, const Figures& f, size_t bytes, double baseline_seconds) {
  double eps = f.events / f.seconds;
  double mbps = bytes / f.seconds / 1e6;
  printf("%-34s %10.0f events/s %8.1f MB/s %7.3f s  %6llu alerts", name, eps, mbps, f.seconds,
         static_cast<unsigned long long>(f.alerts));
  if (baseline_seconds > 0) printf("  %5.1f%% of parse-only", 100.0 * baseline_seconds / f.seconds);
  printf("\n");
}

Figures RunRules(const std::string& data,
                 const std::vector<std::shared_ptr<picket::rules::Rule>>& rules,
                 size_t* candidates_per_event) {
  picket::state::MemoryTermStore store;
  picket::engine::DetectorOptions options;
  options.alert_time = 1780000000000;
  std::vector<std::shared_ptr<const picket::rules::Rule>> list(rules.begin(), rules.end());
  picket::engine::Detector detector(list, &store, options);
  picket::io::EventStream stream;
  Figures f;
  auto on_event = [&](const picket::io::Event& e) {
    picket::engine::EventRef ref;
    ref.doc = e.doc;
    ref.raw = e.raw;
    ref.source = "bench";
    ref.line = e.where.line;
    detector.Process(ref, false, [&](const picket::engine::Alert&) { ++f.alerts; });
    return true;
  };
  stream.ReadBuffer(data, "bench", on_event, [](const picket::io::InputError&) {});
  f.events = stream.stats().events;
  if (candidates_per_event) {
    uint64_t candidates = 0;
    for (const auto& s : detector.stats()) candidates += s.candidates;
    *candidates_per_event = f.events ? candidates / f.events : 0;
    if (const char* top =
            getenv("RUN_BENCH_TOP")) {  // the N rules the rule index lets through most
      std::vector<size_t> order(detector.stats().size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return detector.stats()[a].candidates > detector.stats()[b].candidates;
      });
      const size_t n = std::max(1, atoi(top));
      for (size_t i = 0; i < n && i < order.size(); ++i) {
        const auto& s = detector.stats()[order[i]];
        fprintf(stderr, "%8llu candidates %6llu matched  %s\n",
                static_cast<unsigned long long>(s.candidates),
                static_cast<unsigned long long>(s.matched),
                detector.rules()[order[i]]->path.c_str());
      }
    }
  }
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path exe = fs::canonical("/proc/self/exe");
  // The repository: the first directory above the binary with bench/gen_telemetry.py.
  fs::path source_dir = exe.parent_path();
  while (source_dir.has_parent_path() && source_dir != source_dir.parent_path() &&
         !fs::exists(source_dir / "bench/gen_telemetry.py"))
    source_dir = source_dir.parent_path();
  std::string events = ArgValue(argc, argv, "--events", "200000");
  std::string hosts = ArgValue(argc, argv, "--hosts", "2000");
  std::string telemetry = ArgValue(argc, argv, "--telemetry", "");
  // --only runs one part (to profile it); the percentages then need the
  // parse-only baseline, which always runs.
  std::string only = ArgValue(argc, argv, "--only", "");
  auto wanted = [&](const char* part) { return only.empty() || only == part; };
  std::string upstream =
      ArgValue(argc, argv, "--upstream",
               (source_dir.parent_path() / "shared/upstream/detection-rules").string());
  if (telemetry.empty()) {
    telemetry = (fs::temp_directory_path() / ("picket_run_bench_" + events + ".ndjson")).string();
    std::string cmd = "/usr/bin/python3 " + (source_dir / "bench/gen_telemetry.py").string() +
                      " --events " + events + " --hosts " + hosts + " --out " + telemetry +
                      " --seed 1 > /dev/null";
    if (std::system(cmd.c_str()) != 0) {
      fprintf(stderr, "run_bench: cannot generate telemetry: %s\n", cmd.c_str());
      return 2;
    }
  }
  std::ifstream in(telemetry, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string data = buffer.str();
  if (data.empty()) {
    fprintf(stderr, "run_bench: no telemetry in %s\n", telemetry.c_str());
    return 2;
  }
  printf("telemetry: %s, %.1f MB\n", telemetry.c_str(), data.size() / 1e6);

  auto types = picket::event::FieldTypes::BuiltIn();
  auto parse_only = [&] {
    picket::io::EventStream stream;
    Figures f;
    stream.ReadBuffer(
        data, "bench", [](const picket::io::Event&) { return true; },
        [](const picket::io::InputError&) {});
    f.events = stream.stats().events;
    return f;
  };
  Figures parse = Measure(parse_only);
  Print("parse only (baseline)", parse, data.size(), 0);
  // Each run figure is compared with the baseline measured in its own
  // rounds (printed on the next line).
  auto compare = [&](const char* label, auto body) {
    auto [base, run] = MeasureAgainst(parse_only, body);
    Print(label, run, data.size(), base.seconds);
    printf("  (parse only in the same rounds: %.0f events/s)\n", base.events / base.seconds);
    return run;
  };

  char name[64];
  if (wanted("bundled")) {
    picket::rules::RuleSet bundled = picket::rules::LoadBundledRules(*types);
    snprintf(name, sizeof(name), "run, %zu bundled rules", bundled.rules.size());
    compare(name, [&] { return RunRules(data, bundled.rules, nullptr); });
  }

  if (wanted("upstream")) {
    picket::rules::LoadOptions lopts;
    lopts.skip_deprecated_dir = true;
    picket::rules::RuleSet upstream_rules = picket::rules::LoadRules(
        {upstream + "/rules", upstream + "/rules_building_block"}, *types, lopts);
    size_t candidates = 0;
    if (!upstream_rules.rules.empty()) {
      snprintf(name, sizeof(name), "run, %zu upstream kuery rules", upstream_rules.rules.size());
      compare(name, [&] { return RunRules(data, upstream_rules.rules, &candidates); });
      printf("  (%zu load errors; rule index: %zu candidate rules per event on average)\n",
             upstream_rules.errors.size(), candidates);
    } else {
      printf("no upstream rules under %s\n", upstream.c_str());
    }
  }
  if (!wanted("memory")) return 0;

  // Memory per tracked combination.
  const size_t n = 1'000'000;
  picket::state::MemoryTermStore store;
  std::mt19937_64 rng(42);
  std::string key;
  for (size_t i = 0; i < n; ++i) {
    key = "rule-uuid-0000:" + std::to_string(rng()) + "/" + std::to_string(rng());
    store.Observe(key, 1772323200000 + static_cast<int64_t>(i), 7 * 86400000LL, false);
  }
  printf("memory store: %zu combinations, %.1f MB, %.1f bytes per combination\n", store.size(),
         store.memory_bytes() / 1e6, static_cast<double>(store.memory_bytes()) / store.size());
  return 0;
}
