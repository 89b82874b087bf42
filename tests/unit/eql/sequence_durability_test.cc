// Sequences on RocksDB, as `picket serve` keeps them: state committed per
// group of events, a crash (kill -9) at any point, a restart and the events
// of the group being processed sent again — every sequence is reported once
// over all, the ones of the committed groups never again.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "eql/sequence_helpers.h"
#include "state/rocksdb_store.h"

namespace picket::eql {
namespace {

using testing::SeqCase;
using testing::Sorted;
using V = std::vector<std::string>;

std::filesystem::path Scratch(const std::string& what) {
  auto dir = std::filesystem::temp_directory_path() /
             ("picket_seq_" + std::to_string(getpid()) + "_" + what);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// Processes the events of groups [first, groups) on the database in `dir`,
// group by group: the group's sequences are appended to out.<g> (the alert
// log, made durable first), then the state is committed (serve's order). With
// crash_at >= 0 the process dies (no commit, no alert written) right after
// event crash_at.
void RunGroups(const SeqCase& c, const StreamOptions& options, const std::filesystem::path& dir,
               size_t group_size, size_t first, long crash_at) {
  std::string error;
  auto db = state::RocksDbTermStore::Open((dir / "db").string(), state::RocksDbOptions{}, &error);
  if (!db) _exit(3);
  SequencePlan plan(c.spec());
  SequenceStream stream(&plan, db->records(), "rule", options);
  const size_t n = c.events().size();
  for (size_t g = first; g * group_size < n; ++g) {
    V out;
    for (size_t i = g * group_size; i < std::min(n, (g + 1) * group_size); ++i) {
      c.Feed(&stream, i, &out);
      if (static_cast<long>(i) == crash_at) _exit(0);
    }
    if ((g + 1) * group_size >= n) c.Feed(&stream, SeqCase::kFlush, &out);
    std::ofstream file(dir / ("out." + std::to_string(g)), std::ios::app);
    for (const std::string& s : out) file << s << "\n";
    file.close();
    if (!db->Sync(&error)) _exit(4);
    std::ofstream((dir / "committed"), std::ios::trunc) << g + 1;
  }
}

TEST(SequenceDurability, CrashRestartResendReportsEachSequenceOnce) {
  std::mt19937 rng(29);
  for (int round = 0; round < 12; ++round) {
    // Random cases of the stream test's kind, with keys and a lookback.
    SeqCase c("A B C");
    int64_t maxspan = round % 2 ? 0 : 20;
    c = SeqCase(round % 3 == 0 ? "A !M B" : "A B*2 C", round % 3 == 0 ? 15 : maxspan);
    TimeMs t = 0;
    for (int i = 0; i < 80; ++i) {
      t += static_cast<TimeMs>(rng() % 4);
      std::string stages = std::string(1, "ABCM"[rng() % 4]);
      if (rng() % 8 == 0) stages += 'U';
      c.E("e" + std::to_string(i), t, stages, "k" + std::to_string(rng() % 3));
    }
    StreamOptions options{.lookback_ms = 60};
    V expected = Sorted(c.Batch(0, ResultPosition::kHead, 60));

    auto dir = Scratch(std::to_string(round));
    const size_t group = 10;
    long crash_at = static_cast<long>(rng() % c.events().size());
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      RunGroups(c, options, dir, group, 0, crash_at);
      _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    size_t committed = 0;
    std::ifstream(dir / "committed") >> committed;
    // Restart: the group in flight is sent again, and so is the one before
    // it (acknowledged, but the shipper may not know): nothing doubles.
    size_t restart = committed > 0 ? committed - 1 : 0;
    pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      RunGroups(c, options, dir, group, restart, -1);
      _exit(0);
    }
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;

    V got;
    std::multiset<std::string> seen;
    for (size_t g = 0; g * group < c.events().size(); ++g) {
      std::ifstream file(dir / ("out." + std::to_string(g)));
      for (std::string line; std::getline(file, line);) got.push_back(line);
    }
    std::filesystem::remove_all(dir);
    ASSERT_EQ(Sorted(got), expected) << "round " << round << " crash after event " << crash_at;
  }
}

// Two rules share one stored payload per event (eql/event_payloads.h); a
// payload committed before a restart completes both rules' sequences after
// it, and stays one copy.
TEST(SequenceDurability, SharedPayloadSurvivesARestart) {
  SeqCase c("A B");
  c.E("A1", 0, "A").E("B1", 5, "B");
  auto dir = Scratch("shared_payload");
  StreamOptions options{.lookback_ms = 100};
  SequencePlan plan(c.spec());
  auto feed = [&](size_t i, V* one, V* two) {
    std::string error;
    auto db = state::RocksDbTermStore::Open((dir / "db").string(), state::RocksDbOptions{}, &error);
    ASSERT_NE(db, nullptr) << error;
    EventPayloads payloads(db->records());
    SequenceStream first(&plan, db->records(), "rule1", options, &payloads);
    SequenceStream second(&plan, db->records(), "rule2", options, &payloads);
    payloads.NewEvent();
    c.Feed(&first, i, one);  // Feed checks the payloads of what is reported
    c.Feed(&second, i, two);
    ASSERT_TRUE(db->Sync(&error)) << error;
    EXPECT_EQ(payloads.puts(), 1u);
    size_t stored = 0, legacy = 0;
    db->records()->Scan(std::string(1, EventPayloads::kKind),
                        [&](std::string_view, std::string_view, TimeMs) { ++stored; });
    for (const char* ns : {"rule1P", "rule2P"})
      db->records()->Scan(ns, [&](std::string_view, std::string_view, TimeMs) { ++legacy; });
    EXPECT_EQ(stored, i + 1);
    EXPECT_EQ(legacy, 0u);
  };
  V one, two;
  feed(0, &one, &two);
  EXPECT_TRUE(one.empty() && two.empty());
  feed(1, &one, &two);  // a new process over the same directory
  EXPECT_EQ(one, V{"x: A1 B1"});
  EXPECT_EQ(two, V{"x: A1 B1"});
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace picket::eql
