// A RecordStore in memory (`picket run`, tests), with a snapshot so that
// `--state FILE` carries pending sequences, threshold groups and suppression
// windows from one run to the next, beside the first-seen terms.
//
// Records live in a hash map; expiry times are kept in a min-heap (entries
// made stale by a later Put are skipped when popped, and the heap is rebuilt
// when stale entries outnumber live ones), so Expire costs only the records
// it drops.
#pragma once
#include <absl/container/flat_hash_map.h>
#include <absl/strings/string_view.h>

#include <cstdio>
#include <queue>
#include <string>
#include <vector>

#include "state/record_store.h"

namespace picket::state {

class MemoryRecordStore final : public RecordStore {
 public:
  std::optional<std::string> Get(std::string_view key) override;
  bool Put(std::string_view key, std::string_view value, TimeMs expires_at) override;
  bool Delete(std::string_view key) override;
  void Scan(std::string_view prefix, const Visitor& visit) override;
  size_t Expire(TimeMs now) override;
  size_t size() const override { return records_.size(); }
  size_t memory_bytes() const override;
  bool changes_are_written_out() const override { return false; }

  // Snapshot section: appends every live record to `f` / reads a section
  // written by SaveTo (records replace ours). `name` is for messages.
  bool SaveTo(std::FILE* f, const std::string& name, std::string* error) const;
  bool LoadFrom(std::FILE* f, const std::string& name, std::string* error);

 private:
  struct Record {
    std::string value;
    TimeMs expires_at = 0;
  };
  struct Due {
    TimeMs expires_at;
    std::string key;
    bool operator>(const Due& o) const { return expires_at > o.expires_at; }
  };
  void Schedule(std::string_view key, TimeMs expires_at);
  // The map hashes and compares std::string and absl::string_view alike
  // (transparent lookup): finding a record builds no key string.
  static absl::string_view View(std::string_view key) { return {key.data(), key.size()}; }

  // Debian's abseil has its own string_view: hash std::string here.
  absl::flat_hash_map<std::string, Record> records_;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
  TimeMs expired_before_ = INT64_MIN;  // the largest `now` given to Expire
  size_t value_bytes_ = 0;
};

}  // namespace picket::state
