#include "eql/sequence_stream.h"

#include <algorithm>
#include <unordered_set>

#include "eql/sample_matcher.h"
#include "util/bytes.h"

namespace picket::eql {

namespace {

constexpr size_t kDueBatch = 256;

std::string IntValue(int64_t v) {
  std::string out;
  PutFixed64(&out, static_cast<uint64_t>(v));
  return out;
}

std::optional<int64_t> ParseInt(const std::optional<std::string>& s) {
  if (!s || s->size() != 8) return std::nullopt;
  ByteReader r(*s);
  return static_cast<int64_t>(r.Fixed64());
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

}  // namespace

SequenceStream::SequenceStream(const SequencePlan* plan, state::SequenceStore* store,
                               std::string ns, StreamOptions options)
    : plan_(plan), store_(store), ns_(std::move(ns)), options_(options) {
  if (options_.max_disorder_ms == -2)
    disorder_ = options_.lookback_ms > 0 ? options_.lookback_ms : -1;
  else
    disorder_ = options_.max_disorder_ms;
  if (options_.max_events_per_key < 1) options_.max_events_per_key = 1;
}

std::string SequenceStream::RecordKey(std::string_view join_key) const {
  std::string k;
  k.reserve(ns_.size() + 2 + join_key.size());
  k.append(ns_);
  k.push_back('\0');
  k.push_back('R');
  k.append(join_key);
  return k;
}

std::string SequenceStream::MetaName(std::string_view name) const {
  std::string k = ns_;
  k.push_back('\0');
  k.push_back('M');
  k.append(name);
  return k;
}

void SequenceStream::LoadMeta() {
  meta_loaded_ = true;
  if (auto w = ParseInt(store_->GetMeta(MetaName("watermark")))) {
    has_watermark_ = true;
    watermark_ = *w;
    advanced_to_ = *w;
  }
  if (auto s = ParseInt(store_->GetMeta(MetaName("seq")))) next_seq_ = static_cast<uint64_t>(*s);
  if (auto r = ParseInt(store_->GetMeta(MetaName("records")))) census_.records = *r;
}

void SequenceStream::Count(const SequenceRecord& record, int sign) {
  int64_t pending = 0;
  for (const auto& slot : record.machine.slots()) pending += slot ? 1 : 0;
  census_.pending += sign * pending;
  census_.waiting += sign * static_cast<int64_t>(record.machine.awaiting().size());
  census_.events += sign * static_cast<int64_t>(record.events.size());
}

bool SequenceStream::Add(const StreamEvent& event, std::span<const KeyedMatch> matches,
                         const Emit& emit) {
  if (!meta_loaded_) LoadMeta();
  ++stats_.events;
  bool relevant = false;
  for (const KeyedMatch& m : matches) relevant |= m.stages != 0 || m.until;
  if (!relevant) return true;
  const TimeMs wt = event.window_time;
  if (has_watermark_ && disorder_ >= 0 && wt < watermark_ - disorder_) {
    ++stats_.late;
    return false;
  }
  if (!has_watermark_ || wt > watermark_) {
    has_watermark_ = true;
    watermark_ = wt;
    store_->PutMeta(MetaName("watermark"), IntValue(watermark_));
  }
  KeyedEvent keyed;
  keyed.id = event.id;
  keyed.ordinal = event.ordinal;
  keyed.ordinal.seq = next_seq_++;
  keyed.window_time = wt;
  store_->PutMeta(MetaName("seq"), IntValue(static_cast<int64_t>(next_seq_)));
  store_->PutPayload(ns_, event.id, wt, event.payload);

  current_id_ = event.id;
  claimed_.clear();
  for (const KeyedMatch& m : matches) {
    if (m.stages == 0 && !m.until) continue;
    keyed.stages = m.stages;
    keyed.until = m.until;
    UpdateKey(m, keyed, emit);
  }
  Advance(emit);
  return true;
}

void SequenceStream::UpdateKey(const KeyedMatch& match, const KeyedEvent& event, const Emit& emit) {
  SequenceRecord record(plan_, MachineLimits{options_.lookback_ms});
  std::string record_key = RecordKey(match.key);
  bool existed = store_->Get(record_key, &buffer_) && record.Decode(buffer_);
  if (existed) {
    Count(record, -1);
    bool used = false;
    for (const auto& c : record.consumed) used |= c.fingerprint == event.id;
    if (used || record.Find(event.id)) {  // sent again (a replayed bulk request)
      ++stats_.resent;
      Count(record, +1);
      return;
    }
  } else {
    if (census_.records >= static_cast<int64_t>(options_.max_records)) {
      ++stats_.dropped_keys;
      return;
    }
    ++census_.records;
    store_->PutMeta(MetaName("records"), IntValue(census_.records));
  }
  record.machine.set_claim(
      [this](uint64_t last) { return last != current_id_ || claimed_.insert(last).second; });

  KeyedEvent e = event;
  e.ordinal.index = record.Intern(event.ordinal.index);
  auto pos = std::upper_bound(record.events.begin(), record.events.end(), e,
                              [](const KeyedEvent& a, const KeyedEvent& b) {
                                return CompareOrdinals(a.ordinal, b.ordinal) < 0;
                              });
  std::vector<CompletedSequence> done;
  if (plan_->is_sample()) {
    record.events.insert(pos, std::move(e));
    SampleStep(&record, match.key, emit);
  } else if (pos == record.events.end()) {
    record.events.push_back(std::move(e));
    record.machine.Step(record.events, &done);
  } else {
    // Out of order for this key: run its kept events again from the start.
    ++stats_.replays;
    record.events.insert(pos, std::move(e));
    record.machine.Reset();
    std::span<const KeyedEvent> all(record.events);
    for (size_t i = 0; i < all.size(); ++i) record.machine.Step(all.first(i + 1), &done);
  }
  Report(&record, match.key, &done, emit);
  Maintain(&record, match.key, emit);
  Save(&record, match.key);
}

void SequenceStream::SampleStep(SequenceRecord* record, std::string_view join_key,
                                const Emit& emit) {
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
      for (uint64_t id : ids) {
        const KeyedEvent* e = record->Find(id);
        if (used.insert(id).second) record->consumed.push_back({id, e->window_time});
      }
      c.ids = std::move(ids);
      done.push_back(std::move(c));
    }
    Report(record, join_key, &done, emit);
    std::erase_if(record->events, [&](const KeyedEvent& e) { return used.count(e.id) > 0; });
  }
}

void SequenceStream::Report(SequenceRecord* record, std::string_view join_key,
                            std::vector<CompletedSequence>* done, const Emit& emit) {
  for (CompletedSequence& seq : *done) {
    uint64_t fp = SequenceFingerprint(join_key, seq.ids);
    bool seen = false;
    for (const auto& r : record->reported) seen |= r.fingerprint == fp;
    if (seen) continue;
    StreamSequence out;
    out.key = std::string(join_key);
    out.end = seq.end;
    TimeMs window_min = INT64_MAX;
    out.payloads.resize(seq.ids.size());
    for (size_t i = 0; i < seq.ids.size(); ++i) {
      if (seq.ids[i] == kMissingEvent) continue;
      const KeyedEvent* e = record->Find(seq.ids[i]);
      if (!e || !store_->GetPayload(ns_, seq.ids[i], e->window_time, &out.payloads[i])) {
        ++stats_.missing_payloads;
        continue;
      }
      window_min = std::min(window_min, e->window_time);
    }
    record->reported.push_back({fp, window_min});
    out.ids = std::move(seq.ids);
    ++stats_.sequences;
    if (emit) emit(std::move(out));
  }
  done->clear();
}

void SequenceStream::Maintain(SequenceRecord* record, std::string_view join_key, const Emit& emit) {
  std::vector<CompletedSequence> done;
  if (has_watermark_ && disorder_ >= 0) record->machine.Decide(watermark_ - disorder_, &done);

  std::unordered_set<uint64_t> forgotten;
  auto& events = record->events;
  if (has_watermark_ && options_.lookback_ms > 0) {
    TimeMs cut = watermark_ - std::max<int64_t>(disorder_, 0) - options_.lookback_ms;
    for (const KeyedEvent& e : events)
      if (e.window_time < cut) forgotten.insert(e.id);
    std::erase_if(record->reported, [&](const auto& r) { return r.window_min < cut; });
    std::erase_if(record->consumed, [&](const auto& r) { return r.window_min < cut; });
  }
  if (events.size() - forgotten.size() > options_.max_events_per_key) {
    size_t excess = events.size() - forgotten.size() - options_.max_events_per_key;
    for (const KeyedEvent& e : events) {
      if (excess == 0) break;
      if (forgotten.insert(e.id).second) {
        --excess;
        ++stats_.dropped_events;
      }
    }
  }
  if (!forgotten.empty()) Forget(record, forgotten, &done);
  // Before the forgotten events go: accepted sequences read their payloads.
  Report(record, join_key, &done, emit);
  if (!forgotten.empty())
    std::erase_if(events, [&](const KeyedEvent& e) { return forgotten.count(e.id) > 0; });
}

void SequenceStream::Save(SequenceRecord* record, std::string_view join_key) {
  std::string key = RecordKey(join_key);
  if (record->empty()) {
    store_->Erase(key);
    --census_.records;
    store_->PutMeta(MetaName("records"), IntValue(census_.records));
    return;
  }
  Count(*record, +1);
  // When the record must be visited again: a waiting sequence's decision,
  // or its oldest event leaving the reach of non-late events.
  const int64_t d = std::max<int64_t>(disorder_, 0);
  TimeMs wake = SequenceRecord::kNoWake;
  for (const AwaitingSequence& a : record->machine.awaiting())
    wake = std::min(wake, disorder_ >= 0 ? a.deadline + d + 1 : SequenceRecord::kNoWake - 1);
  if (options_.lookback_ms > 0 && !record->events.empty()) {
    TimeMs oldest = INT64_MAX;
    for (const KeyedEvent& e : record->events) oldest = std::min(oldest, e.window_time);
    wake = std::min(wake, oldest + d + options_.lookback_ms + 1);
  }
  if (wake < record->wake) {
    store_->Schedule(ns_, wake, key);
    record->wake = wake;
  }
  buffer_.clear();
  record->Encode(&buffer_);
  store_->Put(key, buffer_);
}

void SequenceStream::Visit(std::string_view record_key, bool finish, const Emit& emit) {
  if (record_key.size() < ns_.size() + 2 || record_key.substr(0, ns_.size()) != ns_) return;
  std::string_view join_key = record_key.substr(ns_.size() + 2);
  SequenceRecord record(plan_, MachineLimits{options_.lookback_ms});
  if (!store_->Get(record_key, &buffer_) || !record.Decode(buffer_)) return;
  Count(record, -1);
  record.wake = SequenceRecord::kNoWake;
  std::vector<CompletedSequence> done;
  if (finish) record.machine.Finish(&done);
  Report(&record, join_key, &done, emit);
  Maintain(&record, join_key, emit);
  Save(&record, join_key);
}

void SequenceStream::Advance(const Emit& emit) {
  if (!has_watermark_ || watermark_ <= advanced_to_) return;
  std::vector<std::string> due;
  while (true) {
    due.clear();
    store_->TakeDue(ns_, watermark_, kDueBatch, &due);
    if (due.empty()) break;
    for (const std::string& key : due) Visit(key, /*finish=*/false, emit);
  }
  if (options_.lookback_ms > 0)
    store_->ExpirePayloads(ns_,
                           watermark_ - std::max<int64_t>(disorder_, 0) - options_.lookback_ms);
  advanced_to_ = watermark_;
}

void SequenceStream::Flush(const Emit& emit) {
  if (!meta_loaded_) LoadMeta();
  // Every record with a schedule entry, taken at once: visiting one
  // schedules it again.
  std::vector<std::string> due;
  store_->TakeDue(ns_, INT64_MAX, SIZE_MAX, &due);
  for (const std::string& key : due) Visit(key, /*finish=*/true, emit);
}

}  // namespace picket::eql
