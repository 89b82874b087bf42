#include "eql/sequence_record.h"

#include <xxhash.h>

#include <cstring>

#include "util/bytes.h"

namespace picket::eql {

namespace {

constexpr uint8_t kVersion = 1;

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

void SequenceRecord::Clear() {
  events.clear();
  machine.Reset();
  reported.clear();
  consumed.clear();
  wake = kNoWake;
  names_.clear();
}

void SequenceRecord::Encode(std::string* out) const {
  out->push_back(static_cast<char>(kVersion));
  // Only the names events still use.
  std::vector<std::string_view> names;
  auto name_index = [&](std::string_view name) -> uint64_t {
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == name) return i;
    names.push_back(name);
    return names.size() - 1;
  };
  std::string body;
  PutVarint(&body, events.size());
  for (const KeyedEvent& e : events) {
    PutFixed64(&body, e.id);
    PutSignedVarint(&body, e.ordinal.time);
    PutTiebreaker(&body, e.ordinal.tiebreaker);
    PutVarint(&body, name_index(e.ordinal.index));
    PutVarint(&body, e.ordinal.seq);
    PutSignedVarint(&body, e.window_time);
    PutVarint(&body, e.stages);
    body.push_back(e.until ? 1 : 0);
  }
  PutVarint(out, names.size());
  for (std::string_view n : names) PutBytes(out, n);
  out->append(body);

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
}

bool SequenceRecord::Decode(std::string_view in) {
  Clear();
  ByteReader r(in);
  auto fail = [this] {
    Clear();
    return false;
  };
  if (r.Byte() != kVersion) return fail();
  std::vector<std::string_view> names;
  for (uint64_t n = r.Count(1); n-- > 0 && r.ok();) names.push_back(Intern(r.Bytes()));
  uint64_t count = r.Count(12);
  events.resize(count);
  for (KeyedEvent& e : events) {
    e.id = r.Fixed64();
    e.ordinal.time = r.SignedVarint();
    if (!GetTiebreaker(&r, &e.ordinal.tiebreaker)) return fail();
    uint64_t name = r.Varint();
    if (name >= names.size()) return fail();
    e.ordinal.index = names[name];
    e.ordinal.seq = r.Varint();
    e.window_time = r.SignedVarint();
    e.stages = r.Varint();
    e.until = r.Byte() != 0;
  }
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
