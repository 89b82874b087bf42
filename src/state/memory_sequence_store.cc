#include "state/memory_sequence_store.h"

#include "util/bytes.h"

namespace picket::state {

namespace {
constexpr std::string_view kSnapshotMagic = "PKSEQ1";
}

MemorySequenceStore::Space& MemorySequenceStore::SpaceOf(std::string_view space) {
  auto it = spaces_.find(space);
  if (it == spaces_.end()) it = spaces_.emplace(std::string(space), Space{}).first;
  return it->second;
}

bool MemorySequenceStore::Get(std::string_view key, std::string* record) {
  auto it = records_.find(std::string(key));
  if (it == records_.end()) return false;
  *record = it->second;
  return true;
}

void MemorySequenceStore::Put(std::string_view key, std::string_view record) {
  auto [it, fresh] = records_.try_emplace(std::string(key));
  if (fresh)
    bytes_ += Cost(key.size(), 0);
  else
    bytes_ -= it->second.size();
  it->second.assign(record);
  bytes_ += record.size();
}

void MemorySequenceStore::Erase(std::string_view key) {
  auto it = records_.find(std::string(key));
  if (it == records_.end()) return;
  bytes_ -= Cost(it->first.size(), it->second.size());
  records_.erase(it);
}

void MemorySequenceStore::PutPayload(std::string_view space, uint64_t id, TimeMs expires,
                                     std::string_view payload) {
  auto& bucket = SpaceOf(space).payloads[expires];
  auto [it, fresh] = bucket.try_emplace(id);
  if (fresh) {
    ++payload_count_;
    bytes_ += Cost(8, 0);
  } else {
    bytes_ -= it->second.size();
  }
  it->second.assign(payload);
  bytes_ += payload.size();
}

bool MemorySequenceStore::GetPayload(std::string_view space, uint64_t id, TimeMs expires,
                                     std::string* payload) {
  auto s = spaces_.find(space);
  if (s == spaces_.end()) return false;
  auto bucket = s->second.payloads.find(expires);
  if (bucket == s->second.payloads.end()) return false;
  auto it = bucket->second.find(id);
  if (it == bucket->second.end()) return false;
  *payload = it->second;
  return true;
}

void MemorySequenceStore::ExpirePayloads(std::string_view space, TimeMs now) {
  auto s = spaces_.find(space);
  if (s == spaces_.end()) return;
  auto& payloads = s->second.payloads;
  auto end = payloads.lower_bound(now);
  for (auto it = payloads.begin(); it != end; ++it) {
    for (const auto& [id, value] : it->second) bytes_ -= Cost(8, value.size());
    payload_count_ -= it->second.size();
  }
  payloads.erase(payloads.begin(), end);
}

void MemorySequenceStore::Schedule(std::string_view space, TimeMs due, std::string_view key) {
  SpaceOf(space).schedule.emplace(due, std::string(key));
  bytes_ += Cost(key.size(), 8);
}

void MemorySequenceStore::TakeDue(std::string_view space, TimeMs now, size_t limit,
                                  std::vector<std::string>* keys) {
  auto s = spaces_.find(space);
  if (s == spaces_.end()) return;
  auto& schedule = s->second.schedule;
  auto it = schedule.begin();
  for (size_t n = 0; it != schedule.end() && it->first <= now && n < limit; ++n) {
    bytes_ -= Cost(it->second.size(), 8);
    keys->push_back(std::move(it->second));
    it = schedule.erase(it);
  }
}

std::optional<std::string> MemorySequenceStore::GetMeta(std::string_view name) {
  auto it = meta_.find(std::string(name));
  if (it == meta_.end()) return std::nullopt;
  return it->second;
}

void MemorySequenceStore::PutMeta(std::string_view name, std::string_view value) {
  meta_[std::string(name)] = std::string(value);
}

void MemorySequenceStore::SaveTo(std::string* out) const {
  out->append(kSnapshotMagic);
  PutVarint(out, records_.size());
  for (const auto& [k, v] : records_) {
    PutBytes(out, k);
    PutBytes(out, v);
  }
  PutVarint(out, spaces_.size());
  for (const auto& [name, space] : spaces_) {
    PutBytes(out, name);
    size_t count = 0;
    for (const auto& [expires, bucket] : space.payloads) count += bucket.size();
    PutVarint(out, count);
    for (const auto& [expires, bucket] : space.payloads)
      for (const auto& [id, v] : bucket) {
        PutSignedVarint(out, expires);
        PutFixed64(out, id);
        PutBytes(out, v);
      }
    PutVarint(out, space.schedule.size());
    for (const auto& [due, k] : space.schedule) {
      PutSignedVarint(out, due);
      PutBytes(out, k);
    }
  }
  PutVarint(out, meta_.size());
  for (const auto& [k, v] : meta_) {
    PutBytes(out, k);
    PutBytes(out, v);
  }
}

bool MemorySequenceStore::LoadFrom(std::string_view in) {
  if (in.substr(0, kSnapshotMagic.size()) != kSnapshotMagic) return false;
  ByteReader r(in.substr(kSnapshotMagic.size()));
  MemorySequenceStore loaded;
  for (uint64_t n = r.Count(2); n-- > 0 && r.ok();) {
    std::string_view k = r.Bytes(), v = r.Bytes();
    loaded.Put(k, v);
  }
  for (uint64_t spaces = r.Count(3); spaces-- > 0 && r.ok();) {
    std::string_view name = r.Bytes();
    for (uint64_t n = r.Count(10); n-- > 0 && r.ok();) {
      TimeMs expires = r.SignedVarint();
      uint64_t id = r.Fixed64();
      loaded.PutPayload(name, id, expires, r.Bytes());
    }
    for (uint64_t n = r.Count(2); n-- > 0 && r.ok();) {
      TimeMs due = r.SignedVarint();
      loaded.Schedule(name, due, r.Bytes());
    }
  }
  for (uint64_t n = r.Count(2); n-- > 0 && r.ok();) {
    std::string_view k = r.Bytes(), v = r.Bytes();
    loaded.PutMeta(k, v);
  }
  if (!r.done()) return false;
  *this = std::move(loaded);
  return true;
}

}  // namespace picket::state
