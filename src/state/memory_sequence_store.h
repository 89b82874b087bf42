// SequenceStore in memory: a hash map of records; per space, payloads filed
// by expiry (expired ones go as whole buckets) and a multimap schedule.
// SaveTo/LoadFrom write and read a versioned snapshot (for `picket run
// --state FILE`).
#pragma once
#include <map>
#include <string>
#include <unordered_map>

#include "state/sequence_store.h"

namespace picket::state {

class MemorySequenceStore final : public SequenceStore {
 public:
  bool Get(std::string_view key, std::string* record) override;
  void Put(std::string_view key, std::string_view record) override;
  void Erase(std::string_view key) override;

  void PutPayload(std::string_view space, uint64_t id, TimeMs expires,
                  std::string_view payload) override;
  bool GetPayload(std::string_view space, uint64_t id, TimeMs expires,
                  std::string* payload) override;
  void ExpirePayloads(std::string_view space, TimeMs now) override;

  void Schedule(std::string_view space, TimeMs due, std::string_view key) override;
  void TakeDue(std::string_view space, TimeMs now, size_t limit,
               std::vector<std::string>* keys) override;

  std::optional<std::string> GetMeta(std::string_view name) override;
  void PutMeta(std::string_view name, std::string_view value) override;

  size_t records() const override { return records_.size(); }
  size_t payloads() const override { return payload_count_; }
  size_t memory_bytes() const override { return bytes_; }

  // Appends the whole store to *out / reads it back from `in` (replacing
  // what is there). Load returns false on a malformed snapshot.
  void SaveTo(std::string* out) const;
  bool LoadFrom(std::string_view in);

 private:
  // Rough cost of a node of a node-based container plus its strings.
  static size_t Cost(size_t key, size_t value) { return key + value + 64; }

  struct Space {
    std::map<TimeMs, std::unordered_map<uint64_t, std::string>> payloads;  // by expiry
    std::multimap<TimeMs, std::string> schedule;
  };
  Space& SpaceOf(std::string_view space);

  std::unordered_map<std::string, std::string> records_;
  std::map<std::string, Space, std::less<>> spaces_;
  std::unordered_map<std::string, std::string> meta_;
  size_t payload_count_ = 0;
  size_t bytes_ = 0;
};

}  // namespace picket::state
