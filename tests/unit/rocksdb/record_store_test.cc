// The RecordStore contract (state/record_store.h), run against the memory
// store and the RocksDB view; then what only each one promises: the memory
// snapshot round trip (with and without a record section), and RocksDB's
// atomic commit of records with terms, reopen, and loss of only the
// uncommitted changes after a crash.
#include "state/record_store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "record_store_contract.h"
#include "state/local_state.h"
#include "state/memory_record_store.h"
#include "state/rocksdb_store.h"

namespace picket::state {
namespace {

using contract::kDay;
using contract::ScanAll;

std::filesystem::path ScratchDir(const std::string& what) {
  std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  for (char& c : test)
    if (c == '/') c = '_';  // parameterized test names
  auto dir = std::filesystem::temp_directory_path() /
             ("picket_records_" + std::to_string(getpid()) + "_" + what + "_" + test);
  std::filesystem::remove_all(dir);
  return dir;
}

class RecordStoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "memory") {
      memory_ = std::make_unique<MemoryRecordStore>();
      store_ = memory_.get();
    } else {
      dir_ = ScratchDir("contract");
      std::string error;
      rocksdb_ = RocksDbTermStore::Open(dir_.string(), RocksDbOptions{}, &error);
      ASSERT_NE(rocksdb_, nullptr) << error;
      store_ = rocksdb_->records();
    }
  }
  void TearDown() override {
    rocksdb_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  RecordStore* store_ = nullptr;
  std::unique_ptr<MemoryRecordStore> memory_;
  std::unique_ptr<RocksDbTermStore> rocksdb_;
  std::filesystem::path dir_;
};

TEST_P(RecordStoreContract, PutGetReplaceDelete) { contract::PutGetReplaceDelete(store_); }

TEST_P(RecordStoreContract, ARecordThatNeverExpiresIsKept) {
  contract::ARecordThatNeverExpiresIsKept(store_);
}

TEST_P(RecordStoreContract, ScanVisitsAPrefixInKeyOrder) {
  contract::ScanVisitsAPrefixInKeyOrder(store_);
}

TEST_P(RecordStoreContract, ExpiryHidesRecordsBelowTheThreshold) {
  contract::ExpiryHidesRecordsBelowTheThreshold(store_);
}

INSTANTIATE_TEST_SUITE_P(Backends, RecordStoreContract, ::testing::Values("memory", "rocksdb"));

TEST(MemoryRecordStore, ExpireDropsAndSizeCounts) {
  MemoryRecordStore store;
  for (int i = 0; i < 1000; ++i) store.Put("k" + std::to_string(i), "v", i);
  // Rewriting keys many times leaves stale expiry entries behind; they must
  // not drop the rewritten records.
  for (int round = 0; round < 5; ++round)
    for (int i = 0; i < 1000; i += 2) store.Put("k" + std::to_string(i), "v", 10000 + round);
  EXPECT_EQ(store.size(), 1000u);
  EXPECT_EQ(store.Expire(1000), 500u);  // the odd keys (expires 1..999)
  EXPECT_EQ(store.size(), 500u);
  EXPECT_GT(store.memory_bytes(), 500u * 2);
}

TEST(LocalState, SnapshotCarriesTermsAndRecords) {
  auto dir = ScratchDir("snapshot");
  std::filesystem::create_directories(dir);
  std::string file = (dir / "state.bin").string(), error;
  {
    LocalState state;
    ASSERT_TRUE(state.OpenMemory(file, &error)) << error;
    EXPECT_TRUE(state.terms()->Observe("term", 1000, kDay, false).is_new);
    state.records()->Put("seq/host-1", "pending", 2 * kDay);
    state.records()->Put("gone", "x", 1);
    state.records()->Expire(2);
    ASSERT_TRUE(state.Close(&error)) << error;
  }
  LocalState again;
  ASSERT_TRUE(again.OpenMemory(file, &error)) << error;
  EXPECT_FALSE(again.terms()->Observe("term", 2000, kDay, false).is_new);
  EXPECT_EQ(again.records()->Get("seq/host-1").value(), "pending");
  EXPECT_FALSE(again.records()->Get("gone").has_value());
  std::filesystem::remove_all(dir);
}

TEST(LocalState, SnapshotWithoutRecordSectionLoads) {
  // Written by MemoryTermStore::SaveTo alone, as before record sections.
  auto dir = ScratchDir("old_snapshot");
  std::filesystem::create_directories(dir);
  std::string file = (dir / "state.bin").string(), error;
  MemoryTermStore terms;
  terms.Observe("term", 1000, kDay, false);
  ASSERT_TRUE(terms.SaveTo(file, &error)) << error;
  LocalState state;
  ASSERT_TRUE(state.OpenMemory(file, &error)) << error;
  EXPECT_FALSE(state.terms()->Observe("term", 2000, kDay, false).is_new);
  EXPECT_EQ(state.records()->size(), 0u);
  std::filesystem::remove_all(dir);
}

TEST(LocalState, TruncatedRecordSectionIsAnError) {
  auto dir = ScratchDir("truncated");
  std::filesystem::create_directories(dir);
  std::string file = (dir / "state.bin").string(), error;
  {
    LocalState state;
    ASSERT_TRUE(state.OpenMemory(file, &error));
    state.records()->Put("k", std::string(100, 'v'), kDay);
    ASSERT_TRUE(state.Close(&error));
  }
  std::filesystem::resize_file(file, std::filesystem::file_size(file) - 10);
  LocalState state;
  EXPECT_FALSE(state.OpenMemory(file, &error));
  EXPECT_NE(error.find("truncated or corrupt record section"), std::string::npos) << error;
  std::filesystem::remove_all(dir);
}

// Records commit with the terms, atomically: a child process writes both,
// syncs, writes more of both and dies without a commit (like kill -9).
TEST(RocksDbRecords, CommitWithTermsAndSurviveOnlyWhatWasSynced) {
  auto dir = ScratchDir("crash");
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::string error;
    auto store = RocksDbTermStore::Open(dir.string(), RocksDbOptions{}, &error);
    if (!store) _exit(3);
    store->Observe("durable-term", 1, kDay, false);
    store->records()->Put("durable-record", "d", kDay);
    if (!store->Sync(&error)) _exit(4);
    store->Observe("pending-term", 2, kDay, false);
    store->records()->Put("pending-record", "p", kDay);
    store->records()->Delete("durable-record");
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  std::string error;
  auto store = RocksDbTermStore::Open(dir.string(), RocksDbOptions{}, &error);
  ASSERT_NE(store, nullptr) << error;
  EXPECT_TRUE(store->Get("durable-term").has_value());
  EXPECT_EQ(store->records()->Get("durable-record").value(), "d");
  EXPECT_FALSE(store->Get("pending-term").has_value());
  EXPECT_FALSE(store->records()->Get("pending-record").has_value());
  store.reset();
  std::filesystem::remove_all(dir);
}

TEST(RocksDbRecords, ExpiryWatermarkPersistsAndCompactionDrops) {
  auto dir = ScratchDir("expiry");
  std::string error;
  {
    auto store = RocksDbTermStore::Open(dir.string(), RocksDbOptions{}, &error);
    ASSERT_NE(store, nullptr) << error;
    store->records()->Put("old", "x", 1 * kDay);
    store->records()->Put("new", "y", 3 * kDay);
    store->Observe("term", 0, 10 * kDay, false);  // terms keep their own watermark
    store->records()->Expire(2 * kDay);
    ASSERT_TRUE(store->Sync(&error));
    store->CompactAll();
  }
  auto store = RocksDbTermStore::Open(dir.string(), RocksDbOptions{}, &error);
  ASSERT_NE(store, nullptr) << error;
  EXPECT_FALSE(store->records()->Get("old").has_value());
  EXPECT_TRUE(store->records()->Get("new").has_value());
  EXPECT_TRUE(store->Get("term").has_value());
  EXPECT_EQ(ScanAll(store->records(), "").size(), 1u);
  store.reset();
  std::filesystem::remove_all(dir);
}

// A record rewritten by every event of a group (a busy host's pending
// sequences) is written to the database once per commit, with its newest
// value: the memtable grows by one value, not by one per rewrite.
// Reads of records skip the database for keys never written (or expired
// since); these are the cases where that shortcut must still answer as the
// database would.
TEST(RocksDbRecords, ReadsAgreeWithTheDatabaseAcrossRewritesExpiryAndReopen) {
  auto dir = ScratchDir("keys");
  std::string error;
  {
    auto store = RocksDbTermStore::Open(dir.string(), RocksDbOptions{}, &error);
    ASSERT_NE(store, nullptr) << error;
    RecordStore* records = store->records();
    EXPECT_FALSE(records->Get("never").has_value());
    records->Put("raised", "r1", 1 * kDay);
    records->Put("raised", "r2", 3 * kDay);  // expiry raised: survives Expire(2 days)
    records->Put("lowered", "l1", 3 * kDay);
    records->Put("lowered", "l2", 1 * kDay);  // expiry lowered: gone after Expire(2 days)
    records->Put("deleted", "d", 3 * kDay);
    records->Delete("deleted");
    records->Put("committed", "c", 3 * kDay);
    ASSERT_TRUE(store->Sync(&error));
    records->Expire(2 * kDay);
    EXPECT_EQ(records->Get("raised").value(), "r2");
    EXPECT_FALSE(records->Get("lowered").has_value());
    EXPECT_FALSE(records->Get("deleted").has_value());
    EXPECT_EQ(records->Get("committed").value(), "c");
    ASSERT_TRUE(store->Sync(&error));
  }
  // Reopened: the keys already stored are found again.
  auto store = RocksDbTermStore::Open(dir.string(), RocksDbOptions{}, &error);
  ASSERT_NE(store, nullptr) << error;
  RecordStore* records = store->records();
  EXPECT_EQ(records->Get("raised").value(), "r2");
  EXPECT_EQ(records->Get("committed").value(), "c");
  EXPECT_FALSE(records->Get("lowered").has_value());
  EXPECT_FALSE(records->Get("deleted").has_value());
  EXPECT_FALSE(records->Get("never").has_value());
  records->Expire(4 * kDay);
  EXPECT_FALSE(records->Get("raised").has_value());
  store.reset();
  std::filesystem::remove_all(dir);
}

TEST(RocksDbRecords, ARecordRewrittenBeforeACommitIsWrittenOnce) {
  auto dir = ScratchDir("rewrite");
  std::string error;
  auto store = RocksDbTermStore::Open(dir.string(), RocksDbOptions{}, &error);
  ASSERT_NE(store, nullptr) << error;
  size_t before = store->memory_bytes();
  std::string value(10000, 'v');
  for (int i = 0; i < 1000; ++i) {
    value[0] = static_cast<char>('a' + i % 26);
    store->records()->Put("hot", value, kDay);
  }
  EXPECT_LT(store->pending_bytes(), 2 * value.size());
  ASSERT_TRUE(store->Sync(&error));
  EXPECT_EQ(store->pending_bytes(), 0u);
  // 1000 rewrites of 10 kB would be 10 MB in the memtable; one is 10 kB in
  // RocksDB's first arena block (1 MB).
  EXPECT_LT(store->memory_bytes() - before, 4000000u);
  EXPECT_EQ(store->records()->Get("hot").value(), value);
  store.reset();
  std::filesystem::remove_all(dir);
}

// Scan sees uncommitted changes over committed records: a pending value
// replaces the stored one, a pending delete hides it, pending new keys fall
// into key order among stored ones.
TEST(RocksDbRecords, ScanMergesPendingChangesOverCommittedRecords) {
  auto dir = ScratchDir("scanmerge");
  std::string error;
  auto store = RocksDbTermStore::Open(dir.string(), RocksDbOptions{}, &error);
  ASSERT_NE(store, nullptr) << error;
  RecordStore* records = store->records();
  for (const char* k : {"p/b", "p/d", "p/f", "q/a"}) records->Put(k, "old", kDay);
  ASSERT_TRUE(store->Sync(&error));
  records->Put("p/a", "new", kDay);
  records->Put("p/d", "new", kDay);
  records->Delete("p/f");
  records->Put("p/g", "new", kDay);
  records->Put("q/b", "new", kDay);
  std::vector<std::pair<std::string, std::string>> seen;
  records->Scan("p/", [&](std::string_view key, std::string_view value, TimeMs) {
    seen.emplace_back(std::string(key), std::string(value));
  });
  std::vector<std::pair<std::string, std::string>> want = {
      {"p/a", "new"}, {"p/b", "old"}, {"p/d", "new"}, {"p/g", "new"}};
  EXPECT_EQ(seen, want);
  store.reset();
  std::filesystem::remove_all(dir);
}

// Pipelined commits: frozen changes stay visible while another thread would
// write them; several frozen batches written together keep the newest value
// of a key; what was frozen but not written is lost in a crash, like any
// uncommitted change.
TEST(RocksDbRecords, FrozenBatchesAreVisibleThenCommittedInOrder) {
  auto dir = ScratchDir("frozen");
  std::string error;
  {
    auto store = RocksDbTermStore::Open(dir.string(), RocksDbOptions{}, &error);
    ASSERT_NE(store, nullptr) << error;
    RecordStore* records = store->records();
    records->Put("k", "first", kDay);
    records->Put("gone", "x", kDay);
    auto a = store->Freeze();
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(store->pending_bytes(), 0u);
    EXPECT_EQ(records->Get("k").value(), "first");  // frozen, not yet written
    records->Put("k", "second", kDay);
    records->Delete("gone");
    store->Observe("term", 5, kDay, false);
    auto b = store->Freeze();
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(store->Freeze(), nullptr);  // nothing pending
    EXPECT_EQ(records->Get("k").value(), "second");
    EXPECT_FALSE(records->Get("gone").has_value());
    ASSERT_TRUE(store->CommitFrozen({a.get(), b.get()}, "position", "p1", &error)) << error;
    EXPECT_EQ(store->GetMeta("position").value(), "p1");
  }
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto store = RocksDbTermStore::Open(dir.string(), RocksDbOptions{}, &error);
    if (!store) _exit(3);
    store->records()->Put("k", "third", kDay);
    auto c = store->Freeze();
    if (!c || store->records()->Get("k").value_or("") != "third") _exit(4);
    _exit(0);  // dies before the committing thread wrote c
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  auto store = RocksDbTermStore::Open(dir.string(), RocksDbOptions{}, &error);
  ASSERT_NE(store, nullptr) << error;
  EXPECT_EQ(store->records()->Get("k").value(), "second");
  EXPECT_FALSE(store->records()->Get("gone").has_value());
  EXPECT_TRUE(store->Get("term").has_value());
  EXPECT_EQ(store->GetMeta("position").value(), "p1");
  store.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace picket::state
