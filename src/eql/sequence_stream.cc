#include "eql/sequence_stream.h"

#include <algorithm>
#include <chrono>
#include <unordered_set>

#include "eql/keyed_matches.h"
#include "eql/sample_matcher.h"
#include "util/bytes.h"

namespace picket::eql {

namespace {

constexpr int kMaxAttempts = 16;  // writes refused by a shared store, then give up
constexpr uint8_t kMetaVersion = 1;
constexpr uint8_t kDueVersion = 1;
constexpr TimeMs kForever = INT64_MAX;
constexpr int64_t kNoHorizon = -1;

uint64_t ClockNanos() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// Drops the events of `ids` from the record's machine: pending sequences that
// use one are dropped, waiting ones are accepted (into *done).
void Forget(SequenceRecord* record, const std::unordered_set<uint64_t>& ids,
            std::vector<CompletedSequence>* done) {
  auto uses = [&](const std::vector<uint64_t>& seq) {
    for (uint64_t id : seq)
      if (ids.count(id)) return true;
    return false;
  };
  for (auto& slot : record->machine.slots())
    if (slot && uses(slot->ids)) slot.reset();
  auto& awaiting = record->machine.awaiting();
  for (auto it = awaiting.begin(); it != awaiting.end();) {
    if (uses(it->sequence.ids)) {
      done->push_back(std::move(it->sequence));
      it = awaiting.erase(it);
    } else {
      ++it;
    }
  }
}

// The due record: keys waiting for a trailing decision, by wake time.
using DueList = std::vector<std::pair<TimeMs, std::string>>;

DueList DecodeDue(const std::optional<std::string>& value) {
  DueList due;
  if (!value) return due;
  ByteReader r(*value);
  if (r.Byte() != kDueVersion) return due;
  for (uint64_t n = r.Count(2); n-- > 0 && r.ok();) {
    TimeMs t = r.SignedVarint();
    due.emplace_back(t, std::string(r.Bytes()));
  }
  if (!r.done()) due.clear();
  return due;
}

std::string EncodeDue(const DueList& due) {
  std::string out(1, static_cast<char>(kDueVersion));
  PutVarint(&out, due.size());
  for (const auto& [t, key] : due) {
    PutSignedVarint(&out, t);
    PutBytes(&out, key);
  }
  return out;
}

}  // namespace

SequenceStream::SequenceStream(const SequencePlan* plan, state::RecordStore* store, std::string ns,
                               StreamOptions options, EventPayloads* payloads)
    : plan_(plan), store_(store), ns_(std::move(ns)), options_(options), payloads_(payloads) {
  if (!payloads_) {
    own_payloads_ = std::make_unique<EventPayloads>(store_);
    payloads_ = own_payloads_.get();
  }
  if (options_.max_disorder_ms == -2)
    disorder_ = options_.lookback_ms > 0 ? options_.lookback_ms : -1;
  else
    disorder_ = options_.max_disorder_ms;
  // R: how far a key may lag the stream. Without D nothing is late, and
  // what lies beyond the lookback of the stream's newest time is pruned (R
  // acts as 0); R = -1 with a D keeps idle keys for good (tests).
  if (disorder_ < 0)
    retention_ = 0;
  else if (options_.retention_ms == -1)
    retention_ = kNoHorizon;
  else
    retention_ = EffectiveMaxLag(options_.retention_ms, disorder_);
  if (options_.max_events_per_key < 1) options_.max_events_per_key = 1;
  payloads_->AddReach(Reach());
}

int64_t SequenceStream::Reach() const {
  if (options_.lookback_ms <= 0 || retention_ == kNoHorizon) return kForever;
  return retention_ + options_.lookback_ms;
}

std::string SequenceStream::Key(char kind, std::string_view rest, size_t suffix) const {
  std::string k;
  k.reserve(ns_.size() + 1 + rest.size() + suffix);
  k.append(ns_);
  k.push_back(kind);
  k.append(rest);
  return k;
}

std::optional<TimeMs> SequenceStream::ExpiryThreshold() const {
  if (options_.lookback_ms <= 0 || !has_watermark_) return std::nullopt;
  return watermark_;
}

void SequenceStream::Load() {
  loaded_ = true;
  if (std::optional<std::string> meta = store_->Get(Key('M', ""))) {
    ByteReader r(*meta);
    if (r.Byte() == kMetaVersion) {
      bool has = r.Byte() != 0;
      TimeMs w = r.SignedVarint();
      uint64_t seq = r.Varint();
      if (r.done()) {
        has_watermark_ = has;
        watermark_ = advanced_to_ = w;
        next_seq_ = seq;
      }
    }
  }
  DueList due = DecodeDue(store_->Get(Key('D', "")));
  next_due_ = due.empty() ? SequenceRecord::kNoWake : due.front().first;
  // Live keys, for max_records (a restart over a persistent store).
  if (options_.store_starts_empty) return;
  store_->Scan(Key('R', ""), [&](std::string_view, std::string_view value, TimeMs expires_at) {
    if (!has_watermark_ || expires_at >= watermark_) live_.Move(std::nullopt, expires_at);
  });
}

bool SequenceStream::SaveMeta() {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    std::string value(1, static_cast<char>(kMetaVersion));
    value.push_back(has_watermark_ ? 1 : 0);
    PutSignedVarint(&value, watermark_);
    PutVarint(&value, next_seq_);
    if (store_->Put(Key('M', ""), value, kForever)) return true;
    // Another node moved on: keep the larger of both.
    ++stats_.retries;
    if (std::optional<std::string> meta = store_->Get(Key('M', ""))) {
      ByteReader r(*meta);
      if (r.Byte() == kMetaVersion && r.Byte()) {
        TimeMs w = r.SignedVarint();
        uint64_t seq = r.Varint();
        if (!has_watermark_ || w > watermark_) watermark_ = w;
        has_watermark_ = true;
        next_seq_ = std::max(next_seq_, seq);
      }
    }
  }
  ++stats_.store_errors;
  return false;
}

TimeMs SequenceStream::RoundExpiry(TimeMs t) const {
  return state::RoundExpiryUp(t, options_.lookback_ms);
}

TimeMs SequenceStream::ExpiresAt(const SequenceRecord& record) const {
  const int64_t reach = Reach();
  if (reach == kForever) return kForever;
  TimeMs newest = record.window_max();
  for (const auto* list : {&record.reported, &record.consumed})
    for (const auto& r : *list) newest = std::max(newest, r.window_min);
  TimeMs expires = newest == INT64_MIN ? INT64_MIN : newest + reach;
  if (record.wake != SequenceRecord::kNoWake) expires = std::max(expires, record.wake);
  return RoundExpiry(expires);
}

template <typename Change>
TimeMs SequenceStream::Update(std::string_view join_key, bool create, Change&& change,
                              const Emit& emit) {
  const std::string key = Key('R', join_key);
  const size_t claimed_before = claimed_.size();
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    if (attempt > 0) {
      ++stats_.retries;
      claimed_.resize(claimed_before);  // the refused attempt's claims never happened
    }
    std::optional<std::string> old = store_->Get(key);
    SequenceRecord record(plan_, MachineLimits{options_.lookback_ms});
    std::optional<TimeMs> before;  // the record's expiry, if it counts as live
    if (old) {
      if (!record.Decode(*old)) {
        ++stats_.store_errors;  // unreadable: start the key afresh
      } else {
        TimeMs e = ExpiresAt(record);
        if (!has_watermark_ || e >= watermark_) before = e;
      }
    } else if (!create) {
      return SequenceRecord::kNoWake;
    }
    if (!before && create && live_.count() >= static_cast<int64_t>(options_.max_records)) {
      ++stats_.dropped_keys;
      return SequenceRecord::kNoWake;
    }
    record.machine.set_claim([this](uint64_t last) {
      if (last != current_id_) return true;
      if (std::find(claimed_.begin(), claimed_.end(), last) != claimed_.end()) return false;
      claimed_.push_back(last);
      return true;
    });
    written_chunks_.clear();
    replaced_chunks_.clear();
    events_loaded_ = false;
    std::vector<StreamSequence> out;
    if (!change(&record, join_key, &out)) return SequenceRecord::kNoWake;
    Maintain(&record, join_key, &out);
    ++record.version;
    if (events_loaded_) RewriteChunks(&record, join_key);

    // When the record must be visited again: a waiting sequence's decision.
    TimeMs wake = SequenceRecord::kNoWake;
    for (const AwaitingSequence& a : record.machine.awaiting())
      wake = std::min(wake, disorder_ >= 0 ? a.deadline + disorder_ + 1
                                           : SequenceRecord::kNoWake - 1);  // Flush only
    bool schedule = wake < record.wake;
    if (schedule) record.wake = wake;

    // New chunks first, then the head that refers to them; the chunks it
    // replaced go once the head is written.
    for (const ChunkWrite& w : written_chunks_)
      if (!store_->Put(w.key, w.bytes, w.expiry)) ++stats_.store_errors;
    bool written;
    std::optional<TimeMs> after;
    if (record.empty()) {
      written = store_->Delete(key);
    } else {
      after = ExpiresAt(record);
      std::string value;
      value.reserve(256);  // one allocation for a usual head, not one per growth
      record.Encode(&value);
      written = store_->Put(key, value, *after);
    }
    if (!written) continue;  // changed by another node: read and decide again
    for (uint64_t id : replaced_chunks_) store_->Delete(ChunkKey(join_key, id));
    live_.Move(before, after);
    if (schedule) Schedule(join_key, wake);
    for (StreamSequence& s : out) {
      ++stats_.sequences;
      if (emit) emit(std::move(s));
    }
    return wake;
  }
  ++stats_.store_errors;
  return SequenceRecord::kNoWake;
}

std::string SequenceStream::ChunkKey(std::string_view join_key, uint64_t id) const {
  std::string k = Key('C', join_key, sizeof id);
  PutFixed64(&k, id);
  return k;
}

TimeMs SequenceStream::ChunkExpiry(TimeMs window_max) const {
  const int64_t reach = Reach();
  return reach == kForever ? kForever : RoundExpiry(window_max + reach);
}

bool SequenceStream::LoadEvents(SequenceRecord* record, std::string_view join_key) {
  events_loaded_ = true;
  record->events.clear();
  bool complete = true;
  for (const SequenceRecord::Chunk& c : record->chunks) {
    std::optional<std::string> bytes = store_->Get(ChunkKey(join_key, c.id));
    size_t before = record->events.size();
    if (!bytes || !record->DecodeEvents(*bytes, c.count, &record->events) ||
        record->events.size() - before != c.count) {
      complete = false;
      record->events.resize(before);
      continue;
    }
  }
  if (!complete) ++stats_.store_errors;
  for (const SequenceRecord::Chunk& c : record->chunks) replaced_chunks_.push_back(c.id);
  return complete;
}

void SequenceStream::RewriteChunks(SequenceRecord* record, std::string_view join_key) {
  record->CompactNames();
  record->chunks.clear();
  const auto& events = record->events;
  for (size_t begin = 0, position = 0; begin < events.size();
       begin += SequenceRecord::kChunkEvents, ++position) {
    size_t end = std::min(events.size(), begin + SequenceRecord::kChunkEvents);
    SequenceRecord::Chunk c;
    c.id = ChunkId(record->version, current_id_, static_cast<uint32_t>(position));
    c.count = static_cast<uint32_t>(end - begin);
    c.window_min = INT64_MAX;
    c.window_max = INT64_MIN;
    std::string bytes;
    SequenceRecord::NewChunk(&bytes);
    for (size_t i = begin; i < end; ++i) {
      c.window_min = std::min(c.window_min, events[i].window_time);
      c.window_max = std::max(c.window_max, events[i].window_time);
      record->AppendEvent(events[i], &bytes);
    }
    written_chunks_.push_back(
        {ChunkKey(join_key, c.id), std::move(bytes), ChunkExpiry(c.window_max)});
    record->chunks.push_back(c);
  }
}

void SequenceStream::AppendToChunks(SequenceRecord* record, std::string_view join_key,
                                    const KeyedEvent& e) {
  // A chunk referred to by a written head never changes: the last chunk with
  // the event added is written under a new id, the old one goes afterwards.
  std::string bytes;
  SequenceRecord::Chunk c;
  bool extend =
      !record->chunks.empty() && record->chunks.back().count < SequenceRecord::kChunkEvents;
  if (extend) {
    c = record->chunks.back();
    std::optional<std::string> old = store_->Get(ChunkKey(join_key, c.id));
    if (old) {
      bytes = std::move(*old);
      replaced_chunks_.push_back(c.id);
      record->chunks.pop_back();
    } else {
      ++stats_.store_errors;
      extend = false;
    }
  }
  if (!extend) {
    c = SequenceRecord::Chunk();
    SequenceRecord::NewChunk(&bytes);
    c.window_min = c.window_max = e.window_time;
  }
  record->AppendEvent(e, &bytes);
  c.id = ChunkId(record->version + 1, e.id, 0);  // the version the head is written as
  ++c.count;
  c.window_min = std::min(c.window_min, e.window_time);
  c.window_max = std::max(c.window_max, e.window_time);
  written_chunks_.push_back(
      {ChunkKey(join_key, c.id), std::move(bytes), ChunkExpiry(c.window_max)});
  record->chunks.push_back(c);
}

bool SequenceStream::Add(const StreamEvent& event, std::span<const KeyedMatch> matches,
                         const Emit& emit) {
  if (!loaded_) Load();
  bool relevant = false;
  for (const KeyedMatch& m : matches) relevant |= m.stages != 0 || m.until;
  if (!relevant) return true;
  ++stats_.events;
  const TimeMs wt = event.window_time;
  // The payload, on every arrival of an event at a positive stage (an event
  // matching only missing-event stages or `until` never fills a position of
  // a reported sequence), before deciding whether it is late or resent: a
  // stream that may still refer to the event asks for its expiry each time
  // (event_payloads.h).
  if (AtAPositiveStage(matches, plan_->positive_mask())) {
    if (own_payloads_) payloads_->NewEvent();
    if (!payloads_->Write(event.id, wt, Reach(), event.payload)) ++stats_.store_errors;
  }
  if (has_watermark_ && disorder_ >= 0 && retention_ != kNoHorizon &&
      wt < watermark_ - retention_) {
    ++stats_.late;  // beyond what any key may lag the stream
    return false;
  }
  if (!has_watermark_ || wt > watermark_) {
    has_watermark_ = true;
    watermark_ = wt;
  }
  KeyedEvent keyed;
  keyed.id = event.id;
  keyed.ordinal = event.ordinal;
  // Arrival numbers follow the clock (so they keep increasing across
  // restarts without being written for every event); only their order
  // matters. The watermark is written when it moves by a rounding step.
  next_seq_ = std::max<uint64_t>(next_seq_ + 1, ClockNanos());
  keyed.ordinal.seq = next_seq_;
  keyed.window_time = wt;
  if (!meta_saved_ || RoundExpiry(watermark_) != RoundExpiry(saved_watermark_)) {
    if (SaveMeta()) {
      meta_saved_ = true;
      saved_watermark_ = watermark_;
    }
  }
  current_id_ = event.id;
  current_late_ = false;
  claimed_.clear();
  for (const KeyedMatch& m : matches) {
    if (m.stages == 0 && !m.until) continue;
    keyed.stages = m.stages;
    keyed.until = m.until;
    Update(
        m.key, /*create=*/true,
        [&](SequenceRecord* record, std::string_view join_key, std::vector<StreamSequence>* out) {
          return Step(record, keyed, join_key, out);
        },
        emit);
  }
  Advance(emit);
  if (current_late_) ++stats_.late;
  return !current_late_;
}

bool SequenceStream::Step(SequenceRecord* record, const KeyedEvent& event,
                          std::string_view join_key, std::vector<StreamSequence>* out) {
  // Late for this key: older than its newest event less the disorder bound.
  if (disorder_ >= 0) {
    TimeMs newest = record->window_max();
    if (newest != INT64_MIN && event.window_time < newest - disorder_) {
      current_late_ = true;
      return false;
    }
  }
  KeyedEvent e = event;
  e.ordinal.index = record->Intern(event.ordinal.index);
  std::vector<CompletedSequence> done;
  // After the key's newest event: only the head and the last chunk change.
  // The machine then needs no history: only leading and middle missing-event
  // checks look at earlier events (a trailing check looks at later ones, and
  // the kept events all sort before this one).
  bool fast = !plan_->is_sample() && !NeedsHistoryInOrder() &&
              record->event_count() < options_.max_events_per_key &&
              (!record->has_newest || CompareOrdinalsButArrival(record->newest, e.ordinal) < 0);
  if (fast) {
    record->machine.Step(std::span(&e, 1), &done);
    Report(record, join_key, &done, out);
    AppendToChunks(record, join_key, e);
    record->newest = e.ordinal;
    record->has_newest = true;
    return true;
  }
  LoadEvents(record, join_key);
  bool used = false;
  for (const auto& c : record->consumed) used |= c.fingerprint == e.id;
  if (used || record->Find(e.id)) {  // sent again (a replayed bulk request)
    ++stats_.resent;
    return false;
  }
  // Events no non-late event can reach play no part (Kibana's window would
  // not hold them).
  if (std::optional<TimeMs> cut = Cut(*record))
    std::erase_if(record->events, [&](const KeyedEvent& x) { return x.window_time < *cut; });
  auto pos = std::upper_bound(record->events.begin(), record->events.end(), e,
                              [](const KeyedEvent& a, const KeyedEvent& b) {
                                return CompareOrdinals(a.ordinal, b.ordinal) < 0;
                              });
  bool at_end = pos == record->events.end();
  record->events.insert(pos, e);
  record->newest = record->events.back().ordinal;
  record->has_newest = true;
  if (plan_->is_sample()) {
    SampleStep(record, join_key, out);
    return true;
  }
  if (at_end) {
    record->machine.Step(record->events, &done);
  } else {
    // Out of order for this key: run its kept events again from the start.
    ++stats_.replays;
    record->machine.Reset();
    std::span<const KeyedEvent> all(record->events);
    for (size_t i = 0; i < all.size(); ++i) record->machine.Step(all.first(i + 1), &done);
  }
  Report(record, join_key, &done, out);
  return true;
}

TimeMs SequenceStream::KeyNewest(const SequenceRecord& record) const {
  if (!events_loaded_) return record.window_max();
  TimeMs newest = INT64_MIN;
  for (const KeyedEvent& e : record.events) newest = std::max(newest, e.window_time);
  return newest;
}

std::optional<TimeMs> SequenceStream::Cut(const SequenceRecord& record) const {
  if (!has_watermark_ || options_.lookback_ms <= 0) return std::nullopt;
  // The oldest window time a non-late event of this key can have, less
  // the span a sequence may have.
  std::optional<TimeMs> oldest;
  if (retention_ != kNoHorizon) oldest = watermark_ - retention_;
  TimeMs key_newest = KeyNewest(record);
  if (key_newest != INT64_MIN) {
    TimeMs by_key = key_newest - std::max<int64_t>(disorder_, 0);
    if (!oldest || by_key > *oldest) oldest = by_key;
  }
  if (!oldest) return std::nullopt;
  return *oldest - options_.lookback_ms;
}

void SequenceStream::SampleStep(SequenceRecord* record, std::string_view join_key,
                                std::vector<StreamSequence>* out) {
  const size_t stages = plan_->spec().stages.size();
  const size_t max_samples = plan_->spec().max_samples_per_key;
  const size_t per_stage = stages + max_samples - 1;
  TimeMs newest = INT64_MIN;
  for (const KeyedEvent& e : record->events) newest = std::max(newest, e.window_time);
  std::vector<const KeyedEvent*> candidates;
  std::vector<std::vector<uint64_t>> lists(stages);
  while (true) {
    // The key's events in document order, inside one lookback of its newest.
    candidates.clear();
    for (const KeyedEvent& e : record->events)
      if (options_.lookback_ms <= 0 || e.window_time >= newest - options_.lookback_ms)
        candidates.push_back(&e);
    std::stable_sort(candidates.begin(), candidates.end(), [](const auto* a, const auto* b) {
      return CompareDocumentOrder(a->ordinal, b->ordinal) < 0;
    });
    for (size_t s = 0; s < stages; ++s) {
      lists[s].clear();
      for (const KeyedEvent* e : candidates)
        if (((e->stages >> s) & 1) && lists[s].size() < per_stage) lists[s].push_back(e->id);
    }
    std::vector<std::vector<uint64_t>> samples = MatchSamples(lists, max_samples);
    if (samples.empty()) return;
    std::vector<CompletedSequence> done;
    std::unordered_set<uint64_t> used;
    for (auto& ids : samples) {
      CompletedSequence c;
      c.window_min = INT64_MAX;
      for (uint64_t id : ids) {
        TimeMs wt = record->Find(id)->window_time;
        c.window_min = std::min(c.window_min, wt);
        if (used.insert(id).second) record->consumed.push_back({id, wt});
      }
      c.ids = std::move(ids);
      done.push_back(std::move(c));
    }
    Report(record, join_key, &done, out);
    std::erase_if(record->events, [&](const KeyedEvent& e) { return used.count(e.id) > 0; });
  }
}

void SequenceStream::Report(SequenceRecord* record, std::string_view join_key,
                            std::vector<CompletedSequence>* done,
                            std::vector<StreamSequence>* out) {
  for (CompletedSequence& seq : *done) {
    uint64_t fp = SequenceFingerprint(join_key, seq.ids);
    bool seen = false;
    for (const auto& r : record->reported) seen |= r.fingerprint == fp;
    if (seen) continue;
    StreamSequence s;
    s.key = std::string(join_key);
    s.end = seq.end;
    s.payloads.resize(seq.ids.size());
    for (size_t i = 0; i < seq.ids.size(); ++i) {
      if (seq.ids[i] == kMissingEvent) continue;
      std::optional<std::string> payload = payloads_->Read(seq.ids[i]);
      // State written before payloads were shared keeps them under the
      // stream's namespace until they expire.
      if (!payload) payload = store_->Get(LegacyPayloadKey(seq.ids[i]));
      if (!payload) {
        ++stats_.store_errors;
        continue;
      }
      s.payloads[i] = std::move(*payload);
    }
    record->reported.push_back({fp, seq.window_min});
    s.ids = std::move(seq.ids);
    out->push_back(std::move(s));
  }
  done->clear();
}

std::string SequenceStream::LegacyPayloadKey(uint64_t id) const {
  std::string k = Key('P', "", sizeof id);
  PutFixed64(&k, id);
  return k;
}

void SequenceStream::Maintain(SequenceRecord* record, std::string_view join_key,
                              std::vector<StreamSequence>* out) {
  std::vector<CompletedSequence> done;
  if (has_watermark_ && disorder_ >= 0) record->machine.Decide(watermark_ - disorder_, &done);

  if (std::optional<TimeMs> cut = Cut(*record)) {
    // Pending sequences with an event out of reach can never complete;
    // waiting ones are decided (their deadline can only be that far when
    // maxspan exceeds the lookback).
    for (auto& slot : record->machine.slots())
      if (slot && slot->window_min < *cut) slot.reset();
    auto& awaiting = record->machine.awaiting();
    for (auto it = awaiting.begin(); it != awaiting.end();) {
      if (it->sequence.window_min < *cut) {
        done.push_back(std::move(it->sequence));
        it = awaiting.erase(it);
      } else {
        ++it;
      }
    }
    std::erase_if(record->reported, [&](const auto& r) { return r.window_min < *cut; });
    std::erase_if(record->consumed, [&](const auto& r) { return r.window_min < *cut; });
    // Whole chunks out of reach go (the store would expire them anyway).
    if (!events_loaded_) {
      for (auto it = record->chunks.begin(); it != record->chunks.end();) {
        if (it->window_max < *cut) {
          replaced_chunks_.push_back(it->id);
          it = record->chunks.erase(it);
        } else {
          ++it;
        }
      }
    } else {
      std::erase_if(record->events, [&](const KeyedEvent& e) { return e.window_time < *cut; });
    }
  }
  if (events_loaded_ && record->events.size() > options_.max_events_per_key) {
    size_t excess = record->events.size() - options_.max_events_per_key;
    std::unordered_set<uint64_t> forgotten;
    for (size_t i = 0; i < excess; ++i) forgotten.insert(record->events[i].id);
    stats_.dropped_events += excess;
    Forget(record, forgotten, &done);
    Report(record, join_key, &done, out);
    record->events.erase(record->events.begin(),
                         record->events.begin() + static_cast<std::ptrdiff_t>(excess));
  }
  Report(record, join_key, &done, out);
  if (record->chunks.empty() && !events_loaded_) record->has_newest = false;
  if (events_loaded_ && record->events.empty()) record->has_newest = false;
}

void SequenceStream::Schedule(std::string_view join_key, TimeMs wake) {
  const std::string key = Key('D', "");
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    DueList due = DecodeDue(store_->Get(key));
    std::erase_if(due, [&](const auto& d) { return d.second == join_key; });
    auto at = std::upper_bound(due.begin(), due.end(), wake,
                               [](TimeMs t, const auto& d) { return t < d.first; });
    due.emplace(at, wake, std::string(join_key));
    if (store_->Put(key, EncodeDue(due), kForever)) {
      next_due_ = due.front().first;
      return;
    }
    ++stats_.retries;
  }
  ++stats_.store_errors;
}

std::vector<std::string> SequenceStream::TakeDue(TimeMs now) {
  const std::string key = Key('D', "");
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    DueList due = DecodeDue(store_->Get(key));
    std::vector<std::string> taken;
    size_t n = 0;
    while (n < due.size() && due[n].first <= now) taken.push_back(due[n++].second);
    if (n == 0) {
      next_due_ = due.empty() ? SequenceRecord::kNoWake : due.front().first;
      return taken;
    }
    due.erase(due.begin(), due.begin() + static_cast<std::ptrdiff_t>(n));
    bool written = due.empty() ? store_->Delete(key) : store_->Put(key, EncodeDue(due), kForever);
    if (written) {
      next_due_ = due.empty() ? SequenceRecord::kNoWake : due.front().first;
      return taken;
    }
    ++stats_.retries;
  }
  ++stats_.store_errors;
  return {};
}

void SequenceStream::Visit(std::string_view join_key, bool finish, const Emit& emit) {
  Update(
      join_key, /*create=*/false,
      [&](SequenceRecord* record, std::string_view, std::vector<StreamSequence>* out) {
        record->wake = SequenceRecord::kNoWake;  // its schedule entry was taken
        std::vector<CompletedSequence> done;
        if (finish) record->machine.Finish(&done);
        Report(record, join_key, &done, out);
        return true;
      },
      emit);
}

void SequenceStream::Advance(const Emit& emit) {
  if (!has_watermark_ || watermark_ <= advanced_to_) return;
  advanced_to_ = watermark_;
  // Keys the watermark left behind no longer count as live.
  live_.DropBelow(watermark_);
  if (next_due_ > watermark_) return;
  for (const std::string& key : TakeDue(watermark_)) Visit(key, /*finish=*/false, emit);
}

void SequenceStream::Flush(const Emit& emit) {
  if (!loaded_) Load();
  // Every waiting key, taken at once: visiting one may schedule it again.
  for (const std::string& key : TakeDue(kForever)) Visit(key, /*finish=*/true, emit);
}

SequenceStream::Census SequenceStream::TakeCensus() {
  Census c;
  SequenceRecord record(plan_, MachineLimits{options_.lookback_ms});
  store_->Scan(Key('R', ""), [&](std::string_view, std::string_view value, TimeMs expires_at) {
    if (has_watermark_ && expires_at < watermark_) return;
    if (!record.Decode(value)) return;
    ++c.records;
    c.record_bytes += static_cast<int64_t>(value.size());
    for (const auto& slot : record.machine.slots()) c.pending += slot ? 1 : 0;
    c.waiting += static_cast<int64_t>(record.machine.awaiting().size());
    c.events += static_cast<int64_t>(record.event_count());
  });
  store_->Scan(Key('C', ""), [&](std::string_view, std::string_view value, TimeMs expires_at) {
    if (has_watermark_ && expires_at < watermark_) return;
    c.chunk_bytes += static_cast<int64_t>(value.size());
  });
  auto payload = [&](std::string_view, std::string_view value, TimeMs expires_at) {
    if (has_watermark_ && expires_at < watermark_) return;
    ++c.payloads;
    c.payload_bytes += static_cast<int64_t>(value.size());
  };
  store_->Scan(Key('P', ""), payload);
  store_->Scan(std::string(1, EventPayloads::kKind), payload);
  return c;
}

}  // namespace picket::eql
