// Benchmark of `picket scan`: large benign PyTorch files (tensor storage is
// never read) and many small pickles, each next to a simple peer measured in
// the same run: a Python pickletools.genops pass over the same bytes
// (bench/scan_peer.py). Usage: scan_bench [INPUT_DIR]; inputs are generated
// with bench/scan_peer.py on first use.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "scan/scanner.h"

namespace fs = std::filesystem;
using picket::scan::Scanner;

namespace {

struct Row {
  std::string workload;
  size_t files = 0;
  uint64_t bytes = 0;
  double picket_s = 0, peer_s = 0;
  std::string verdicts;
};

std::vector<std::string> FilesUnder(const fs::path& dir) {
  std::vector<std::string> files;
  for (auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

double PeerSeconds(const std::string& script, const std::vector<std::string>& files) {
  std::string list = "/tmp/picket_scan_bench_files.txt";
  FILE* f = fopen(list.c_str(), "w");
  for (auto& p : files) fprintf(f, "%s\n", p.c_str());
  fclose(f);
  std::string cmd = "xargs -a " + list + " /usr/bin/python3 " + script + " time";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  size_t n = 0;
  unsigned long long bytes = 0;
  double secs = -1;
  if (fscanf(p, "%zu %llu %lf", &n, &bytes, &secs) != 3) secs = -1;
  pclose(p);
  return secs;
}

Row Measure(const std::string& name, const std::vector<std::string>& files, const std::string& peer,
            int repeats) {
  Scanner scanner(picket::scan::Policy(picket::scan::Allowlist::BuiltIn()), {});
  Row row;
  row.workload = name;
  row.files = files.size();
  for (auto& f : files) row.bytes += fs::file_size(f);
  double best = 1e30;
  std::map<std::string, int> verdicts;
  for (int r = 0; r < repeats; ++r) {
    verdicts.clear();
    auto t0 = std::chrono::steady_clock::now();
    for (auto& f : files) verdicts[std::string(VerdictName(scanner.ScanFile(f).verdict))]++;
    best = std::min(best,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  row.picket_s = best;
  for (auto& [v, n] : verdicts) row.verdicts += v + "=" + std::to_string(n) + " ";
  double peer_best = 1e30;
  for (int r = 0; r < repeats; ++r) peer_best = std::min(peer_best, PeerSeconds(peer, files));
  row.peer_s = peer_best;
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path bench_dir = fs::path(__FILE__).parent_path();
  std::string peer = (bench_dir / "scan_peer.py").string();
  fs::path inputs = argc > 1 ? fs::path(argv[1]) : fs::temp_directory_path() / "picket_scan_bench";
  std::string gen = "/usr/bin/python3 " + peer + " generate " + inputs.string();
  if (std::system(gen.c_str()) != 0) {
    fprintf(stderr, "scan_bench: input generation failed: %s\n", gen.c_str());
    return 1;
  }
  std::vector<Row> rows;
  rows.push_back(Measure("large PyTorch state dict", FilesUnder(inputs / "large"), peer, 3));
  rows.push_back(Measure("small pickles", FilesUnder(inputs / "small"), peer, 3));
  printf("%-26s %6s %10s %12s %12s %12s %12s %8s  %s\n", "workload", "files", "MB", "picket s",
         "picket MB/s", "peer s", "peer MB/s", "speedup", "picket verdicts");
  for (const Row& r : rows) {
    double mb = r.bytes / 1e6;
    printf("%-26s %6zu %10.1f %12.4f %12.1f %12.4f %12.1f %7.1fx  %s\n", r.workload.c_str(),
           r.files, mb, r.picket_s, mb / r.picket_s, r.peer_s, mb / r.peer_s, r.peer_s / r.picket_s,
           r.verdicts.c_str());
  }
  printf(
      "(best of 3; picket = Scanner::ScanFile in-process incl. policy; peer = "
      "pickletools.genops only, interpreter start-up excluded)\n");
  return 0;
}
