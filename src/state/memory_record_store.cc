#include "state/memory_record_store.h"

#include <algorithm>
#include <cstring>

namespace picket::state {

namespace {
constexpr char kSectionMagic[8] = {'p', 'k', 'r', 'e', 'c', 's', '0', '1'};
constexpr uint64_t kMaxRecordBytes = uint64_t{1} << 30;

bool WriteBytes(std::FILE* f, std::string_view s) {
  uint64_t n = s.size();
  return std::fwrite(&n, sizeof(n), 1, f) == 1 &&
         (s.empty() || std::fwrite(s.data(), 1, s.size(), f) == s.size());
}
bool ReadBytes(std::FILE* f, std::string* s) {
  uint64_t n = 0;
  if (std::fread(&n, sizeof(n), 1, f) != 1 || n > kMaxRecordBytes) return false;
  s->resize(n);
  return n == 0 || std::fread(s->data(), 1, n, f) == n;
}
}  // namespace

std::optional<std::string> MemoryRecordStore::Get(std::string_view key) {
  auto it = records_.find(View(key));
  if (it == records_.end() || it->second.expires_at < expired_before_) return std::nullopt;
  return it->second.value;
}

bool MemoryRecordStore::Put(std::string_view key, std::string_view value, TimeMs expires_at) {
  // Most Puts replace a record: look it up without building a key string.
  auto it = records_.find(View(key));
  bool added = it == records_.end();
  if (added)
    it = records_.try_emplace(std::string(key)).first;
  else
    value_bytes_ -= it->second.value.size();
  it->second.value.assign(value);
  value_bytes_ += value.size();
  if (added || it->second.expires_at != expires_at) Schedule(key, expires_at);
  it->second.expires_at = expires_at;
  return true;
}

bool MemoryRecordStore::Delete(std::string_view key) {
  auto it = records_.find(View(key));
  if (it != records_.end()) {
    value_bytes_ -= it->second.value.size();
    records_.erase(it);
  }
  return true;
}

void MemoryRecordStore::Schedule(std::string_view key, TimeMs expires_at) {
  due_.push(Due{expires_at, std::string(key)});
  // Stale entries (records updated or deleted since) outnumber live ones:
  // rebuild from the map.
  if (due_.size() > 2 * records_.size() + 1024) {
    std::vector<Due> fresh;
    fresh.reserve(records_.size());
    for (const auto& [k, r] : records_) fresh.push_back(Due{r.expires_at, k});
    due_ = decltype(due_)(std::greater<Due>(), std::move(fresh));
  }
}

size_t MemoryRecordStore::Expire(TimeMs now) {
  expired_before_ = std::max(expired_before_, now);
  size_t dropped = 0;
  while (!due_.empty() && due_.top().expires_at < now) {
    auto it = records_.find(due_.top().key);
    // Drop only if the entry is current: a later Put may have moved it.
    if (it != records_.end() && it->second.expires_at < now) {
      value_bytes_ -= it->second.value.size();
      records_.erase(it);
      ++dropped;
    }
    due_.pop();
  }
  return dropped;
}

void MemoryRecordStore::Scan(std::string_view prefix, const Visitor& visit) {
  std::vector<const std::pair<const std::string, Record>*> hits;
  for (const auto& entry : records_)
    if (entry.first.compare(0, prefix.size(), prefix) == 0 &&
        entry.second.expires_at >= expired_before_)
      hits.push_back(&entry);
  std::sort(hits.begin(), hits.end(), [](auto* a, auto* b) { return a->first < b->first; });
  for (auto* h : hits) visit(h->first, h->second.value, h->second.expires_at);
}

size_t MemoryRecordStore::memory_bytes() const {
  // Map slots (key string + record), heap entries, and the heap-allocated
  // bytes of keys and values beyond the strings' inline buffers.
  size_t bytes = records_.capacity() * (sizeof(std::string) + sizeof(Record) + 1) +
                 due_.size() * sizeof(Due) + value_bytes_;
  for (const auto& [k, r] : records_) bytes += k.capacity() > 15 ? k.capacity() : 0;
  return bytes;
}

bool MemoryRecordStore::SaveTo(std::FILE* f, const std::string& name, std::string* error) const {
  uint64_t count = 0;
  for (const auto& [k, r] : records_) count += r.expires_at >= expired_before_;
  bool ok = std::fwrite(kSectionMagic, 1, 8, f) == 8 &&
            std::fwrite(&count, sizeof(count), 1, f) == 1 &&
            std::fwrite(&expired_before_, sizeof(expired_before_), 1, f) == 1;
  for (const auto& [k, r] : records_) {
    if (!ok) break;
    if (r.expires_at < expired_before_) continue;
    ok = WriteBytes(f, k) && WriteBytes(f, r.value) &&
         std::fwrite(&r.expires_at, sizeof(r.expires_at), 1, f) == 1;
  }
  if (!ok) *error = name + ": write failed: " + std::strerror(errno);
  return ok;
}

bool MemoryRecordStore::LoadFrom(std::FILE* f, const std::string& name, std::string* error) {
  char magic[8];
  uint64_t count = 0;
  TimeMs expired_before = 0;
  if (std::fread(magic, 1, 8, f) != 8 || std::memcmp(magic, kSectionMagic, 8) != 0 ||
      std::fread(&count, sizeof(count), 1, f) != 1 ||
      std::fread(&expired_before, sizeof(expired_before), 1, f) != 1) {
    *error = name + ": no record section (not a picket state snapshot of this version)";
    return false;
  }
  std::string key, value;
  for (uint64_t n = 0; n < count; ++n) {
    TimeMs expires_at = 0;
    if (!ReadBytes(f, &key) || !ReadBytes(f, &value) ||
        std::fread(&expires_at, sizeof(expires_at), 1, f) != 1) {
      *error = name + ": truncated or corrupt record section";
      return false;
    }
    Put(key, value, expires_at);
  }
  expired_before_ = std::max(expired_before_, expired_before);
  return true;
}

}  // namespace picket::state
