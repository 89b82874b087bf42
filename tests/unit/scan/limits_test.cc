// Resource limits (issue 16 item 12): the memory budget, the time budget and
// bounded reads hold in every stage -- reading non-regular files, decompressing,
// walking archives, simulating pickles -- and always end `inconclusive`.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "scan/scanner.h"
#include "scan_test_util.h"

namespace picket::scan {
namespace {

using namespace picket::scan::testing;

Scanner WithLimits(ScanLimits limits) { return Scanner(Policy(Allowlist::BuiltIn()), limits); }

// Scans `data` with only the memory budget changed; expects it to stop there.
FileReport ExpectStoppedByMemory(const std::string& data, uint64_t budget) {
  ScanLimits limits;
  limits.max_memory_bytes = budget;
  FileReport r = WithLimits(limits).ScanBytes(data, "input");
  EXPECT_EQ(r.verdict, Verdict::kInconclusive);
  bool memory = false;
  for (const Finding& f : r.findings) {
    memory |= f.rule_id == "SCN300" && f.reason.find("memory budget") != std::string::npos;
  }
  EXPECT_TRUE(memory);
  return r;
}

bool HasFinding(const FileReport& r, const std::string& rule, const std::string& words) {
  for (const Finding& f : r.findings) {
    if (f.rule_id == rule && f.reason.find(words) != std::string::npos) return true;
  }
  return false;
}

std::string Gzip(const std::string& plain) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, plain.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  z.avail_in = plain.size();
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = out.size();
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// "\x80\x02" followed by `megabytes` MiB of zeros, gzipped cheaply: after a
// full flush deflate writes the same bytes for every identical 1 MiB chunk.
std::string GzipZeroBomb(int megabytes) {
  const std::string head = "\x80\x02";
  const std::string zeros(1 << 20, '\0');
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
  auto run = [&](const std::string& in, int flush) {
    std::string out(deflateBound(&z, in.size()) + 64, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = in.size();
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = out.size();
    deflate(&z, flush);
    out.resize(out.size() - z.avail_out);
    return out;
  };
  std::string gz = run(head, Z_FULL_FLUSH);
  gz += run(zeros, Z_FULL_FLUSH);
  std::string block = run(zeros, Z_FULL_FLUSH);
  for (int i = 2; i < megabytes; ++i) gz += block;
  gz += run("", Z_FINISH);  // the last block and a trailer for what deflate saw
  deflateEnd(&z);
  return gz;
}

TEST(ScanLimits, ImmutableFloodsCostNoMemory) {
  // 20M NONE/POP pairs: under the opcode limit, so it is simulated to the end.
  std::string flood = "\x80\x02";
  flood.reserve(40'000'010);
  for (int i = 0; i < 20'000'000; ++i) flood += "N0";
  flood += "N.";
  FileReport r = WithLimits({}).ScanBytes(flood, "flood.pkl");
  EXPECT_EQ(r.verdict, Verdict::kClean);
  EXPECT_LT(r.peak_memory, 1u << 20) << "NONE must be one shared value";
}

TEST(ScanLimits, PickleMachineStopsAtTheMemoryBudget) {
  // A list of 2M distinct ints: about 250 MB of simulated values.
  std::string data = "\x80\x02](";
  for (int i = 0; i < 2'000'000; ++i) data += "J" + Le(i, 4);
  data += "e.";
  FileReport r = ExpectStoppedByMemory(data, 8 << 20);
  EXPECT_LT(r.peak_memory, 9u << 20);
  EXPECT_EQ(WithLimits({}).ScanBytes(data, "ints.pkl").verdict, Verdict::kClean);
}

TEST(ScanLimits, MemoFloodIsCheap) {
  // 4M MEMOIZE entries: the memo is a table, not a node per entry.
  std::string data = "\x80\x04";
  for (int i = 0; i < 4'000'000; ++i)
    data +=
        "N\x94"
        "0";
  data += "N.";
  FileReport r = WithLimits({}).ScanBytes(data, "memo.pkl");
  EXPECT_EQ(r.verdict, Verdict::kClean);
  EXPECT_LT(r.peak_memory, 64u << 20);
}

TEST(ScanLimits, DecompressionStopsAtTheMemoryBudget) {
  std::string bomb = Gzip("\x80\x02" + std::string(64 << 20, '\0'));
  FileReport r = ExpectStoppedByMemory(bomb, 16 << 20);
  EXPECT_LE(r.peak_memory, 16u << 20);
}

TEST(ScanLimits, TimeBudgetStopsThePickleMachine) {
  std::string flood = "\x80\x02";
  for (int i = 0; i < 20'000'000; ++i) flood += "N0";
  flood += "N.";
  ScanLimits quick;
  quick.max_seconds_per_file = 0.02;
  FileReport r = WithLimits(quick).ScanBytes(flood, "flood.pkl");
  EXPECT_EQ(r.verdict, Verdict::kInconclusive);
  EXPECT_TRUE(HasFinding(r, "SCN300", "time budget"));
}

TEST(ScanLimits, TimeBudgetStopsDecompression) {
  std::string bomb = GzipZeroBomb(512);  // about 0.5 MB inflating to 512 MiB
  ScanLimits quick;
  quick.max_seconds_per_file = 0.02;
  quick.max_memory_bytes = 2ull << 30;
  FileReport r = WithLimits(quick).ScanBytes(bomb, "bomb.joblib");
  EXPECT_EQ(r.verdict, Verdict::kInconclusive);
  EXPECT_TRUE(HasFinding(r, "SCN300", "time budget"));
  EXPECT_LT(r.peak_memory, 512u << 20) << "stopped before inflating everything";
}

TEST(ScanLimits, NonRegularInputsAreReadWithinTheBudgets) {
  ScanLimits small;
  small.max_memory_bytes = 16 << 20;
  FileReport zero = WithLimits(small).ScanFile("/dev/zero");
  EXPECT_EQ(zero.verdict, Verdict::kInconclusive);
  EXPECT_TRUE(HasFinding(zero, "SCN300", "larger than the memory budget"));
  EXPECT_LE(zero.peak_memory, 16u << 20);

  // A FIFO whose writer never writes: the read ends at the deadline.
  std::string fifo = ::testing::TempDir() + "/picket_scan_fifo";
  unlink(fifo.c_str());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  pid_t writer = fork();
  if (writer == 0) {
    int fd = open(fifo.c_str(), O_WRONLY);
    sleep(5);
    close(fd);
    _exit(0);
  }
  ScanLimits quick;
  quick.max_seconds_per_file = 0.5;
  FileReport idle = WithLimits(quick).ScanFile(fifo);
  kill(writer, SIGKILL);
  waitpid(writer, nullptr, 0);
  unlink(fifo.c_str());
  EXPECT_EQ(idle.verdict, Verdict::kInconclusive);
  EXPECT_TRUE(HasFinding(idle, "SCN300", "time budget"));
}

TEST(ScanLimits, CommandLineMaxMemoryOption) {
  std::string cmd = std::string(PICKET_BINARY) + " scan -f json --max-memory 8M /dev/zero";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  EXPECT_EQ(WEXITSTATUS(status), 2);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(out).get(doc), simdjson::SUCCESS) << out;
  simdjson::dom::element file = doc["files"].at(0);
  EXPECT_EQ(std::string_view(file["verdict"]), "inconclusive");
  EXPECT_LE(uint64_t(file["peak_memory"]), 8u << 20);
}

}  // namespace
}  // namespace picket::scan
