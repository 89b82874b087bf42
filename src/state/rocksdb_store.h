// A TermStore on RocksDB: first-seen state that survives restarts.
//
// Contract:
//  * Observe/Get see every change made through this object at once, but a
//    change becomes durable only when Sync() returns true (the pending
//    changes are written as one atomic WriteBatch with the WAL fsync'd).
//    A crash before Sync() loses exactly the changes since the last Sync(),
//    never part of them. `picket serve` relies on this to make state changes
//    durable only after the alerts they caused are on disk (see
//    docs/serve.md, "Delivery guarantee").
//  * With RocksDbOptions::auto_commit_bytes > 0 pending changes are also
//    committed (without fsync) when they grow past that size, to bound memory
//    in long batch runs; serve leaves it at 0.
//  * Entries with expires_at < the expiry watermark (the largest `now` given
//    to Expire) are invisible at once and physically dropped by a compaction
//    filter; periodic compaction makes sure old files are visited.
//  * Pending changes are held as one entry per key (the newest value or a
//    deletion), not as a log of every write: a hot record (the pending
//    sequences of a busy host, rewritten by each of its events) costs one
//    RocksDB write per commit however often it changed, and reads of it are
//    a hash lookup.
//  * Pipelined commits (serve): Freeze() takes the pending changes as one
//    batch that another thread writes and syncs (CommitFrozen) while this
//    one goes on changing state. A frozen batch stays visible to reads until
//    it is written; batches are written in the order they were frozen, and
//    Sync()/Scan() first wait for every frozen batch to be written, so the
//    database only ever holds a prefix of the changes in order.
//  * records() reads the database only for keys a record was written under
//    (or found at open) and not expired since (state/record_key_filter.h):
//    most reads of records are for keys that do not exist yet, which would
//    each cost a walk of the whole memtable. About 16 bytes per live record.
//  * Keys are stored under a one-byte prefix ('T' terms, 'R' records of the
//    other stateful rule types, 'M' metadata), so the database can carry
//    small named values (PutMeta) and every unit's records (records()) that
//    commit atomically with the terms.
//
// Not thread-safe (like every TermStore); RocksDB's background threads only
// touch the expiry watermark and drop counter, which are atomics.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "state/record_store.h"
#include "state/term_store.h"

namespace rocksdb {
class CompactionFilter;
class DB;
}  // namespace rocksdb

namespace picket::state {

struct RocksDbOptions {
  // Commit pending changes without fsync once they exceed this many bytes;
  // 0 = only Sync() commits.
  size_t auto_commit_bytes = 0;
  // RocksDB periodic compaction, so that expired entries in cold files are
  // dropped even without new writes.
  uint64_t periodic_compaction_seconds = 24 * 3600;
  bool create_if_missing = true;
};

struct StateKeyHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};
using PendingMap =
    std::unordered_map<std::string, std::optional<std::string>, StateKeyHash, std::equal_to<>>;

class RocksDbTermStore : public TermStore {
 public:
  // Opens (or creates) the database in `dir`. Returns null with *error when
  // the directory cannot be used (held by another process, corrupt, not a
  // picket state directory).
  static std::unique_ptr<RocksDbTermStore> Open(const std::string& dir,
                                                const RocksDbOptions& options, std::string* error);
  ~RocksDbTermStore() override;  // commits pending changes (with fsync)

  ObserveResult Observe(std::string_view key, TimeMs t, int64_t window_ms,
                        bool learn_only) override;
  std::optional<TermRecord> Get(std::string_view key) const override;
  // Raises the expiry watermark to `now`; returns how many entries the
  // compaction filter dropped since the previous call (dropping is done in
  // the background, so a just-expired entry is counted later).
  size_t Expire(TimeMs now) override;
  size_t size() const override;
  size_t memory_bytes() const override;
  bool Sync(std::string* error) override;

  // The RecordStore in the same database (same batch, same atomic commit,
  // same Sync), with its own expiry watermark. Owned by this store.
  RecordStore* records();

  // Small named values stored with the terms (same atomic commit).
  void PutMeta(std::string_view name, std::string_view value);
  std::optional<std::string> GetMeta(std::string_view name) const;

  // Bytes of changes not yet committed (frozen batches not counted).
  size_t pending_bytes() const;

  // Pipelined commits (see the contract above).
  class Frozen;
  // The pending changes as a batch to commit; null when nothing changed.
  std::shared_ptr<Frozen> Freeze();
  // Writes frozen batches (in Freeze order; null entries are skipped)
  // together with the named meta value, as one atomic write with the WAL
  // synced. Called by one thread, in Freeze order; safe while the freezing
  // thread reads and changes state.
  bool CommitFrozen(const std::vector<Frozen*>& batches, std::string_view meta_name,
                    std::string_view meta_value, std::string* error);
  // Writes one meta value at once, synced, outside any batch (for values
  // only the committing thread writes).
  bool WriteMetaNow(std::string_view meta_name, std::string_view meta_value, std::string* error);
  // Bytes of the batches CommitFrozen wrote so far (keys, values and
  // RocksDB's framing: what goes to the WAL), for serve's metrics.
  uint64_t committed_bytes() const { return committed_bytes_.load(std::memory_order_relaxed); }
  TimeMs expiry_watermark() const { return watermark_->load(); }
  // Compacts the whole database now (tests, maintenance).
  void CompactAll();

 private:
  class Records;
  friend class Records;
  RocksDbTermStore();
  bool Commit(bool sync, std::string* error);
  void MaybeAutoCommit();
  std::optional<std::string> Read(std::string_view full_key) const;
  // The pending entry of `full_key`, created (as a deletion) if absent; its
  // old value no longer counts in pending_bytes_.
  std::optional<std::string>& Slot(std::string_view full_key);
  // Sets the pending value of `full_key` to head + value.
  void StagePut(std::string_view full_key, std::string_view head, std::string_view value);
  void StageDelete(std::string_view full_key);

  // Waits until every frozen batch is written (or failed) and forgets them.
  void WaitFrozen();

  std::string dir_;
  RocksDbOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  // Changes since the last commit by stored key; nullopt = deleted.
  PendingMap pending_;
  std::atomic<uint64_t> committed_bytes_{0};
  size_t pending_bytes_ = 0;  // keys and values in pending_
  // Frozen batches, oldest first, until the next Freeze after they are
  // written (this thread's; written ones are pruned by Freeze/WaitFrozen).
  std::deque<std::shared_ptr<Frozen>> frozen_;
  std::mutex frozen_mu_;
  std::condition_variable frozen_cv_;
  // Shared with the compaction filter (RocksDB background threads).
  std::shared_ptr<std::atomic<TimeMs>> watermark_;
  std::shared_ptr<std::atomic<uint64_t>> dropped_;
  uint64_t dropped_reported_ = 0;
  // Live entries as of the last commit plus inserts since; persisted as
  // meta "live". Drops by the filter not yet subtracted are
  // *dropped_ - dropped_accounted_.
  int64_t live_ = 0;
  uint64_t dropped_accounted_ = 0;
  // Records with expires_at below it are invisible and dropped by the filter.
  std::shared_ptr<std::atomic<TimeMs>> records_watermark_;
  std::unique_ptr<Records> records_;
  std::unique_ptr<rocksdb::CompactionFilter> filter_;  // outlives db_
};

}  // namespace picket::state
