// The detection state of one batch command (`picket run`, `learn`, `test`):
// first-seen terms and the other rule types' records, either in memory —
// optionally loaded from and saved to one snapshot file (`--state FILE`:
// the term section, then the record section) — or in RocksDB under a
// directory (`--state-dir DIR`, committed every 64 MiB and at Close).
#pragma once
#include <memory>
#include <string>

#include "state/memory_record_store.h"
#include "state/memory_store.h"
#include "state/rocksdb_store.h"

namespace picket::state {

class LocalState {
 public:
  // In memory; `snapshot` ("" = none) is loaded if it exists and written by
  // Close. A snapshot from before record sections existed loads too.
  bool OpenMemory(const std::string& snapshot, std::string* error);
  // RocksDB in `dir` (created if missing).
  bool OpenDirectory(const std::string& dir, std::string* error);
  // Saves the snapshot or commits the database with fsync.
  bool Close(std::string* error);

  TermStore* terms() { return terms_; }
  RecordStore* records() { return records_; }

 private:
  std::unique_ptr<MemoryTermStore> memory_terms_;
  std::unique_ptr<MemoryRecordStore> memory_records_;
  std::unique_ptr<RocksDbTermStore> rocksdb_;
  TermStore* terms_ = nullptr;
  RecordStore* records_ = nullptr;
  std::string snapshot_;
};

}  // namespace picket::state
