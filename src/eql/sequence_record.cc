#include "eql/sequence_record.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>

#include "util/bytes.h"

namespace picket::eql {

namespace {

constexpr uint8_t kVersion = 2;

void PutTiebreaker(std::string* out, const Tiebreaker& t) {
  out->push_back(static_cast<char>(t.kind));
  switch (t.kind) {
    case Tiebreaker::Kind::kInt:
      PutSignedVarint(out, t.i);
      break;
    case Tiebreaker::Kind::kDouble: {
      uint64_t bits;
      std::memcpy(&bits, &t.d, 8);
      PutFixed64(out, bits);
      break;
    }
    case Tiebreaker::Kind::kString:
      PutBytes(out, t.s);
      break;
    case Tiebreaker::Kind::kNone:
      break;
  }
}

bool GetTiebreaker(ByteReader* r, Tiebreaker* t) {
  uint8_t kind = r->Byte();
  if (kind > static_cast<uint8_t>(Tiebreaker::Kind::kString)) return false;
  t->kind = static_cast<Tiebreaker::Kind>(kind);
  switch (t->kind) {
    case Tiebreaker::Kind::kInt:
      t->i = r->SignedVarint();
      break;
    case Tiebreaker::Kind::kDouble: {
      uint64_t bits = r->Fixed64();
      std::memcpy(&t->d, &bits, 8);
      break;
    }
    case Tiebreaker::Kind::kString:
      t->s = std::string(r->Bytes());
      break;
    case Tiebreaker::Kind::kNone:
      break;
  }
  return r->ok();
}

void PutIds(std::string* out, const std::vector<uint64_t>& ids) {
  PutVarint(out, ids.size());
  for (uint64_t id : ids) PutFixed64(out, id);
}

bool GetIds(ByteReader* r, std::vector<uint64_t>* ids) {
  uint64_t n = r->Count(8);
  ids->resize(n);
  for (uint64_t& id : *ids) id = r->Fixed64();
  return r->ok();
}

}  // namespace

SequenceRecord::SequenceRecord(const SequencePlan* plan, MachineLimits limits)
    : machine(plan, limits) {}

std::string_view SequenceRecord::Intern(std::string_view index) {
  for (const std::string& n : names_)
    if (n == index) return n;
  return names_.emplace_back(index);
}

const KeyedEvent* SequenceRecord::Find(uint64_t id) const {
  for (const KeyedEvent& e : events)
    if (e.id == id) return &e;
  return nullptr;
}

size_t SequenceRecord::event_count() const {
  size_t n = 0;
  for (const Chunk& c : chunks) n += c.count;
  return n;
}

TimeMs SequenceRecord::window_max() const {
  TimeMs w = INT64_MIN;
  for (const Chunk& c : chunks) w = std::max(w, c.window_max);
  return w;
}

void SequenceRecord::Clear() {
  machine.Reset();
  reported.clear();
  consumed.clear();
  wake = kNoWake;
  has_newest = false;
  newest = Ordinal();
  chunks.clear();
  version = 0;
  events.clear();
  names_.clear();
}

void SequenceRecord::CompactNames() {
  std::deque<std::string> used;
  auto move = [&](std::string_view* name) {
    for (const std::string& n : used)
      if (n == *name) {
        *name = n;
        return;
      }
    *name = used.emplace_back(*name);
  };
  for (KeyedEvent& e : events) move(&e.ordinal.index);
  if (has_newest) move(&newest.index);
  names_ = std::move(used);
}

void SequenceRecord::NewChunk(std::string* out) { out->push_back(static_cast<char>(kVersion)); }

void SequenceRecord::AppendEvent(const KeyedEvent& e, std::string* out) {
  uint64_t name = 0;
  while (name < names_.size() && names_[name] != e.ordinal.index) ++name;
  if (name == names_.size()) names_.emplace_back(e.ordinal.index);
  PutFixed64(out, e.id);
  PutSignedVarint(out, e.ordinal.time);
  PutTiebreaker(out, e.ordinal.tiebreaker);
  PutVarint(out, name);
  PutVarint(out, e.ordinal.seq);
  PutSignedVarint(out, e.window_time);
  PutVarint(out, e.stages);
  out->push_back(e.until ? 1 : 0);
}

bool SequenceRecord::DecodeEvents(std::string_view in, size_t count, std::vector<KeyedEvent>* out) {
  ByteReader r(in);
  if (r.Byte() != kVersion) return false;
  for (size_t i = 0; i < count && r.ok(); ++i) {
    KeyedEvent e;
    e.id = r.Fixed64();
    e.ordinal.time = r.SignedVarint();
    if (!GetTiebreaker(&r, &e.ordinal.tiebreaker)) return false;
    uint64_t name = r.Varint();
    if (name >= names_.size()) return false;
    e.ordinal.index = names_[name];
    e.ordinal.seq = r.Varint();
    e.window_time = r.SignedVarint();
    e.stages = r.Varint();
    e.until = r.Byte() != 0;
    out->push_back(std::move(e));
  }
  return r.ok();
}

void SequenceRecord::Encode(std::string* out) const {
  out->push_back(static_cast<char>(kVersion));
  PutVarint(out, names_.size());
  for (const std::string& n : names_) PutBytes(out, n);
  const auto& slots = machine.slots();
  PutVarint(out, slots.size());
  for (const auto& slot : slots) {
    out->push_back(slot ? 1 : 0);
    if (!slot) continue;
    PutIds(out, slot->ids);
    for (TimeMs t : slot->times) PutSignedVarint(out, t);
    PutSignedVarint(out, slot->window_min);
    PutSignedVarint(out, slot->window_max);
  }
  PutVarint(out, machine.awaiting().size());
  for (const AwaitingSequence& a : machine.awaiting()) {
    PutIds(out, a.sequence.ids);
    PutSignedVarint(out, a.sequence.start);
    PutSignedVarint(out, a.sequence.end);
    PutSignedVarint(out, a.sequence.window_min);
    PutSignedVarint(out, a.deadline);
  }
  for (const auto* list : {&reported, &consumed}) {
    PutVarint(out, list->size());
    for (const Reported& r : *list) {
      PutFixed64(out, r.fingerprint);
      PutSignedVarint(out, r.window_min);
    }
  }
  PutSignedVarint(out, wake);
  out->push_back(has_newest ? 1 : 0);
  if (has_newest) {
    PutSignedVarint(out, newest.time);
    PutTiebreaker(out, newest.tiebreaker);
    uint64_t name = 0;
    while (name < names_.size() && names_[name] != newest.index) ++name;
    PutVarint(out, name);  // interned: always found
    PutVarint(out, newest.seq);
  }
  PutVarint(out, version);
  PutVarint(out, chunks.size());
  for (const Chunk& c : chunks) {
    PutFixed64(out, c.id);
    PutVarint(out, c.count);
    PutSignedVarint(out, c.window_min);
    PutSignedVarint(out, c.window_max);
  }
}

bool SequenceRecord::Decode(std::string_view in) {
  Clear();
  ByteReader r(in);
  auto fail = [this] {
    Clear();
    return false;
  };
  if (r.Byte() != kVersion) return fail();
  for (uint64_t n = r.Count(1); n-- > 0 && r.ok();) names_.emplace_back(r.Bytes());
  auto& slots = machine.slots();
  if (r.Varint() != slots.size()) return fail();
  for (auto& slot : slots) {
    if (!r.Byte()) continue;
    PartialSequence p;
    if (!GetIds(&r, &p.ids)) return fail();
    p.times.resize(p.ids.size());
    for (TimeMs& t : p.times) t = r.SignedVarint();
    p.window_min = r.SignedVarint();
    p.window_max = r.SignedVarint();
    slot = std::move(p);
  }
  for (uint64_t n = r.Count(4); n-- > 0 && r.ok();) {
    AwaitingSequence a;
    if (!GetIds(&r, &a.sequence.ids)) return fail();
    a.sequence.start = r.SignedVarint();
    a.sequence.end = r.SignedVarint();
    a.sequence.window_min = r.SignedVarint();
    a.deadline = r.SignedVarint();
    machine.awaiting().push_back(std::move(a));
  }
  for (auto* list : {&reported, &consumed}) {
    for (uint64_t n = r.Count(9); n-- > 0 && r.ok();) {
      Reported rep;
      rep.fingerprint = r.Fixed64();
      rep.window_min = r.SignedVarint();
      list->push_back(rep);
    }
  }
  wake = r.SignedVarint();
  has_newest = r.Byte() != 0;
  if (has_newest) {
    newest.time = r.SignedVarint();
    if (!GetTiebreaker(&r, &newest.tiebreaker)) return fail();
    uint64_t name = r.Varint();
    if (name >= names_.size()) return fail();
    newest.index = names_[name];
    newest.seq = r.Varint();
  }
  version = r.Varint();
  for (uint64_t n = r.Count(11); n-- > 0 && r.ok();) {
    Chunk c;
    c.id = r.Fixed64();
    c.count = static_cast<uint32_t>(r.Varint());
    c.window_min = r.SignedVarint();
    c.window_max = r.SignedVarint();
    chunks.push_back(c);
  }
  if (!r.done()) return fail();
  return true;
}

uint64_t SequenceFingerprint(std::string_view key, const std::vector<uint64_t>& ids) {
  std::string bytes;
  PutBytes(&bytes, key);
  for (uint64_t id : ids) PutFixed64(&bytes, id);
  return XXH3_64bits(bytes.data(), bytes.size());
}

}  // namespace picket::eql

namespace picket::eql {

uint64_t ChunkId(uint64_t version, uint64_t event_id, uint32_t position) {
  uint64_t words[3] = {version, event_id, position};
  return XXH3_64bits(words, sizeof words);
}

}  // namespace picket::eql
