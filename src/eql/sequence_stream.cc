#include "eql/sequence_stream.h"

#include <algorithm>
#include <unordered_set>

#include "eql/sample_matcher.h"
#include "util/bytes.h"

namespace picket::eql {

namespace {

constexpr int kMaxAttempts = 16;  // writes refused by a shared store, then give up
constexpr uint8_t kMetaVersion = 1;
constexpr uint8_t kDueVersion = 1;
constexpr TimeMs kForever = INT64_MAX;

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
                               StreamOptions options)
    : plan_(plan), store_(store), ns_(std::move(ns)), options_(options) {
  if (options_.max_disorder_ms == -2)
    disorder_ = options_.lookback_ms > 0 ? options_.lookback_ms : -1;
  else
    disorder_ = options_.max_disorder_ms;
  if (options_.max_events_per_key < 1) options_.max_events_per_key = 1;
}

std::string SequenceStream::Key(char kind, std::string_view rest) const {
  std::string k;
  k.reserve(ns_.size() + 1 + rest.size());
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
  store_->Scan(Key('R', ""), [&](std::string_view, std::string_view value, TimeMs expires_at) {
    if (!has_watermark_ || expires_at >= watermark_) Track(std::nullopt, expires_at);
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

TimeMs SequenceStream::ExpiresAt(const SequenceRecord& record) const {
  if (options_.lookback_ms <= 0) return kForever;
  const int64_t reach = std::max<int64_t>(disorder_, 0) + options_.lookback_ms;
  TimeMs newest = INT64_MIN;
  for (const KeyedEvent& e : record.events) newest = std::max(newest, e.window_time);
  for (const auto* list : {&record.reported, &record.consumed})
    for (const auto& r : *list) newest = std::max(newest, r.window_min);
  TimeMs expires = newest == INT64_MIN ? INT64_MIN : newest + reach;
  if (record.wake != SequenceRecord::kNoWake) expires = std::max(expires, record.wake);
  return expires;
}

void SequenceStream::Track(std::optional<TimeMs> before, std::optional<TimeMs> after) {
  if (before) {
    auto it = live_by_expiry_.find(*before);
    if (it != live_by_expiry_.end()) {
      --live_;
      if (--it->second == 0) live_by_expiry_.erase(it);
    }
  }
  if (after) {
    ++live_by_expiry_[*after];
    ++live_;
  }
}

template <typename Change>
TimeMs SequenceStream::Update(std::string_view join_key, bool create, Change&& change,
                              const Emit& emit) {
  const std::string key = Key('R', join_key);
  const std::unordered_set<uint64_t> claimed_before = claimed_;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    if (attempt > 0) {
      ++stats_.retries;
      claimed_ = claimed_before;  // the refused attempt's claims never happened
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
    if (!before && create && live_ >= static_cast<int64_t>(options_.max_records)) {
      ++stats_.dropped_keys;
      return SequenceRecord::kNoWake;
    }
    record.machine.set_claim(
        [this](uint64_t last) { return last != current_id_ || claimed_.insert(last).second; });
    std::vector<StreamSequence> out;
    if (!change(&record, &out)) return SequenceRecord::kNoWake;
    Maintain(&record, join_key, &out);

    // When the record must be visited again: a waiting sequence's decision.
    TimeMs wake = SequenceRecord::kNoWake;
    for (const AwaitingSequence& a : record.machine.awaiting())
      wake = std::min(wake, disorder_ >= 0 ? a.deadline + disorder_ + 1
                                           : SequenceRecord::kNoWake - 1);  // Flush only
    bool schedule = wake < record.wake;
    if (schedule) record.wake = wake;

    bool written;
    std::optional<TimeMs> after;
    if (record.empty()) {
      written = store_->Delete(key);
    } else {
      after = ExpiresAt(record);
      std::string value;
      record.Encode(&value);
      written = store_->Put(key, value, *after);
    }
    if (!written) continue;  // changed by another node: read and decide again
    Track(before, after);
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

bool SequenceStream::Add(const StreamEvent& event, std::span<const KeyedMatch> matches,
                         const Emit& emit) {
  if (!loaded_) Load();
  bool relevant = false;
  for (const KeyedMatch& m : matches) relevant |= m.stages != 0 || m.until;
  if (!relevant) return true;
  ++stats_.events;
  const TimeMs wt = event.window_time;
  if (has_watermark_ && disorder_ >= 0 && wt < watermark_ - disorder_) {
    ++stats_.late;
    return false;
  }
  if (!has_watermark_ || wt > watermark_) {
    has_watermark_ = true;
    watermark_ = wt;
  }
  KeyedEvent keyed;
  keyed.id = event.id;
  keyed.ordinal = event.ordinal;
  keyed.ordinal.seq = next_seq_++;
  keyed.window_time = wt;
  SaveMeta();
  // The payload is written once, when a key first takes the event.
  bool payload_written = false;
  auto write_payload = [&] {
    if (payload_written) return;
    payload_written = true;
    std::string payload_key = Key('P', "");
    PutFixed64(&payload_key, event.id);
    TimeMs expiry = options_.lookback_ms > 0
                        ? wt + std::max<int64_t>(disorder_, 0) + options_.lookback_ms
                        : kForever;
    if (!store_->Put(payload_key, event.payload, expiry)) ++stats_.store_errors;
  };

  current_id_ = event.id;
  claimed_.clear();
  for (const KeyedMatch& m : matches) {
    if (m.stages == 0 && !m.until) continue;
    keyed.stages = m.stages;
    keyed.until = m.until;
    Update(
        m.key, /*create=*/true,
        [&](SequenceRecord* record, std::vector<StreamSequence>* out) {
          bool used = false;
          for (const auto& c : record->consumed) used |= c.fingerprint == keyed.id;
          if (used || record->Find(keyed.id)) {  // sent again (a replayed bulk request)
            ++stats_.resent;
            return false;
          }
          write_payload();
          Step(record, keyed, m.key, out);
          return true;
        },
        emit);
  }
  Advance(emit);
  return true;
}

void SequenceStream::Step(SequenceRecord* record, const KeyedEvent& event,
                          std::string_view join_key, std::vector<StreamSequence>* out) {
  KeyedEvent e = event;
  e.ordinal.index = record->Intern(event.ordinal.index);
  auto pos = std::upper_bound(record->events.begin(), record->events.end(), e,
                              [](const KeyedEvent& a, const KeyedEvent& b) {
                                return CompareOrdinals(a.ordinal, b.ordinal) < 0;
                              });
  if (plan_->is_sample()) {
    record->events.insert(pos, std::move(e));
    SampleStep(record, join_key, out);
    return;
  }
  std::vector<CompletedSequence> done;
  if (pos == record->events.end()) {
    record->events.push_back(std::move(e));
    record->machine.Step(record->events, &done);
  } else {
    // Out of order for this key: run its kept events again from the start.
    ++stats_.replays;
    record->events.insert(pos, std::move(e));
    record->machine.Reset();
    std::span<const KeyedEvent> all(record->events);
    for (size_t i = 0; i < all.size(); ++i) record->machine.Step(all.first(i + 1), &done);
  }
  Report(record, join_key, &done, out);
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
      for (uint64_t id : ids)
        if (used.insert(id).second) record->consumed.push_back({id, record->Find(id)->window_time});
      CompletedSequence c;
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
    TimeMs window_min = INT64_MAX;
    s.payloads.resize(seq.ids.size());
    for (size_t i = 0; i < seq.ids.size(); ++i) {
      if (seq.ids[i] == kMissingEvent) continue;
      const KeyedEvent* e = record->Find(seq.ids[i]);
      std::string payload_key = Key('P', "");
      PutFixed64(&payload_key, seq.ids[i]);
      std::optional<std::string> payload = e ? store_->Get(payload_key) : std::nullopt;
      if (!payload) {
        ++stats_.store_errors;
        continue;
      }
      s.payloads[i] = std::move(*payload);
      window_min = std::min(window_min, e->window_time);
      s.end = std::max(s.end, e->ordinal.time);
    }
    record->reported.push_back({fp, window_min});
    s.ids = std::move(seq.ids);
    out->push_back(std::move(s));
  }
  done->clear();
}

void SequenceStream::Maintain(SequenceRecord* record, std::string_view join_key,
                              std::vector<StreamSequence>* out) {
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
  Report(record, join_key, &done, out);
  if (!forgotten.empty())
    std::erase_if(events, [&](const KeyedEvent& e) { return forgotten.count(e.id) > 0; });
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
      [&](SequenceRecord* record, std::vector<StreamSequence>* out) {
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
  while (!live_by_expiry_.empty() && live_by_expiry_.begin()->first < watermark_) {
    live_ -= live_by_expiry_.begin()->second;
    live_by_expiry_.erase(live_by_expiry_.begin());
  }
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
    c.events += static_cast<int64_t>(record.events.size());
  });
  store_->Scan(Key('P', ""), [&](std::string_view, std::string_view value, TimeMs expires_at) {
    if (has_watermark_ && expires_at < watermark_) return;
    ++c.payloads;
    c.payload_bytes += static_cast<int64_t>(value.size());
  });
  return c;
}

}  // namespace picket::eql
