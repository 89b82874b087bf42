// hunt_bench FILE [ROUNDS]: throughput of `picket hunt` with the shell-spawn
// rule's query against the parse-only baseline, measured in the same run on
// the same file (both through the same reader and simdjson DOM parser; the
// file is read once first so both passes see a warm page cache).
//
// Prints events/s and MB/s for each, and hunt as a share of parse-only. The
// target (issue 2) is hunt >= 70% of parse-only on one core.
#include <chrono>
#include <cstdio>
#include <string>

#include "event/field_types.h"
#include "io/event_stream.h"
#include "kql/matcher.h"
#include "kql/parser.h"

namespace {

const char* kShellSpawnQuery =
    "event.category:process and host.os.type:macos and event.type:start and event.action:exec "
    "and\nprocess.parent.name:python* and\nprocess.name:(bash or dash or sh or tcsh or csh or zsh "
    "or ksh or fish) and process.args:\"-c\" and\nnot process.command_line:(*pip* or *conda* or "
    "*brew* or *jupyter*)";

struct Pass {
  double seconds = 0;
  uint64_t events = 0, bytes = 0, matched = 0;
};

Pass RunPass(const std::string& file, const picket::kql::Matcher* matcher) {
  picket::io::EventStream stream;
  Pass p;
  std::string error;
  auto start = std::chrono::steady_clock::now();
  stream.ReadFile(
      file,
      [&](const picket::io::Event& e) {
        if (matcher && matcher->Matches(e.doc)) ++p.matched;
        return true;
      },
      [](const picket::io::InputError&) {}, &error);
  p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  p.events = stream.stats().events;
  p.bytes = stream.stats().bytes;
  return p;
}

void Print(const char* name, const Pass& p) {
  printf("%-28s %10.0f events/s %9.1f MB/s  (%llu events, %.2f s)\n", name, p.events / p.seconds,
         p.bytes / p.seconds / 1e6, static_cast<unsigned long long>(p.events), p.seconds);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(
        stderr,
        "usage: hunt_bench FILE [ROUNDS]\n"
        "  FILE: NDJSON events, e.g. from bench/gen_telemetry.py (see bench/run_hunt_bench.sh)\n");
    return 2;
  }
  std::string file = argv[1];
  int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  auto parsed = picket::kql::Parse(kShellSpawnQuery);
  auto compiled = picket::kql::Compile(*parsed.root, *picket::event::FieldTypes::BuiltIn());
  RunPass(file, nullptr);  // warm the page cache
  Pass best_parse, best_hunt;
  for (int i = 0; i < rounds; ++i) {
    Pass parse = RunPass(file, nullptr);
    Pass hunt = RunPass(file, compiled.matcher.get());
    if (!best_parse.seconds || parse.seconds < best_parse.seconds) best_parse = parse;
    if (!best_hunt.seconds || hunt.seconds < best_hunt.seconds) best_hunt = hunt;
  }
  printf("hunt benchmark: %s, best of %d rounds, one thread\n", file.c_str(), rounds);
  Print("parse-only (baseline)", best_parse);
  Print("hunt shell-spawn query", best_hunt);
  printf("matched: %llu events\n", static_cast<unsigned long long>(best_hunt.matched));
  double share = best_parse.seconds / best_hunt.seconds * 100.0;
  printf("hunt / parse-only: %.1f%% (target >= 70%%)\n", share);
  return 0;
}
