#include "eql/sequence_batch.h"

#include <algorithm>
#include <unordered_set>

namespace picket::eql {

namespace {

uint64_t LastPositiveId(const SequencePlan& plan, const CompletedSequence& s) {
  return s.ids[plan.last_positive()];
}

}  // namespace

SequenceBatch::SequenceBatch(const SequencePlan* plan, MachineLimits limits)
    : plan_(plan), limits_(limits) {}

std::string_view SequenceBatch::Intern(std::string_view index) {
  return picket::Intern(&names_, index);
}

uint64_t SequenceBatch::Add(const Ordinal& ordinal, TimeMs window_time,
                            std::span<const KeyedMatch> matches) {
  uint64_t id = events_.size();
  events_.push_back(Event{ordinal, window_time});
  uint32_t order = 0;
  uint32_t last_stage_keys = 0;
  const uint64_t last_bit = uint64_t{1} << plan_->stage_of(plan_->last_positive());
  for (const KeyedMatch& m : matches) {
    if (m.stages == 0 && !m.until) continue;
    matches_.push_back(Match{id, m.stages, keys_.Insert(m.key), order++, m.until});
    if (m.stages & last_bit) ++last_stage_keys;
  }
  if (last_stage_keys > 1) multi_key_events_ = true;
  return id;
}

std::vector<SequenceHit> SequenceBatch::Run(size_t size, ResultPosition position, bool finish) {
  struct Found {
    uint64_t last;
    SequenceHit hit;
  };
  std::vector<Found> found;
  auto collect = [&](uint32_t key, std::vector<CompletedSequence>* done) {
    for (CompletedSequence& s : *done) {
      uint64_t last = LastPositiveId(*plan_, s);
      found.push_back({last, SequenceHit{keys_.at(key), std::move(s.ids)}});
    }
    done->clear();
  };
  auto event_of = [&](const Match& m) {
    const Event& e = events_[m.id];
    KeyedEvent k;
    k.id = m.id;
    k.ordinal = e.ordinal;
    k.window_time = e.window_time;
    k.stages = m.stages;
    k.until = m.until;
    return k;
  };

  // The matches grouped by key (a counting sort: arrival order within a
  // key), then each key's in ordinal order.
  const size_t key_count = keys_.size();
  std::vector<size_t> begin_of(key_count + 1, 0);
  for (size_t i = 0; i < matches_.size(); ++i) ++begin_of[matches_[i].key + 1];
  for (size_t k = 0; k < key_count; ++k) begin_of[k + 1] += begin_of[k];
  std::vector<Match> grouped(matches_.size());
  {
    std::vector<size_t> next(begin_of.begin(), begin_of.end() - 1);
    for (size_t i = 0; i < matches_.size(); ++i) grouped[next[matches_[i].key]++] = matches_[i];
  }
  auto before = [&](const Match& a, const Match& b) {
    return CompareOrdinals(events_[a.id].ordinal, events_[b.id].ordinal) < 0;
  };
  for (size_t k = 0; k < key_count; ++k) {
    auto first = grouped.begin() + static_cast<std::ptrdiff_t>(begin_of[k]);
    auto last = grouped.begin() + static_cast<std::ptrdiff_t>(begin_of[k + 1]);
    // Input in time order is the common case: nothing to sort then.
    if (!std::is_sorted(first, last, before)) std::stable_sort(first, last, before);
  }

  std::vector<CompletedSequence> done;
  if (!multi_key_events_) {
    // Keys are independent: run each over its own events.
    std::vector<KeyedEvent> history;
    for (uint32_t k = 0; k < key_count; ++k) {
      SequenceMachine machine(plan_, limits_);
      history.clear();
      for (size_t i = begin_of[k]; i < begin_of[k + 1]; ++i)
        history.push_back(event_of(grouped[i]));
      std::span<const KeyedEvent> all(history);
      for (size_t i = 0; i < all.size(); ++i) {
        machine.Step(all.first(i + 1), &done);
        collect(k, &done);
      }
      if (finish) machine.Finish(&done);
      collect(k, &done);
    }
  } else {
    // An event completes sequences of several keys: feed all keys in
    // Elasticsearch's processing order (ordinal, then key order) so the
    // first key to end a sequence on an event claims it.
    std::vector<size_t> order(grouped.size());  // into grouped, by key then ordinal
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const Match& x = grouped[a];
      const Match& y = grouped[b];
      if (int c = CompareOrdinals(events_[x.id].ordinal, events_[y.id].ordinal)) return c < 0;
      return x.order < y.order;
    });
    std::unordered_set<uint64_t> claimed;
    std::vector<SequenceMachine> machines;
    std::vector<std::vector<KeyedEvent>> histories(key_count);
    machines.reserve(key_count);
    for (size_t k = 0; k < key_count; ++k) {
      machines.emplace_back(plan_, limits_);
      machines.back().set_claim([&claimed](uint64_t last) { return claimed.insert(last).second; });
    }
    for (size_t i : order) {
      const uint32_t k = grouped[i].key;
      histories[k].push_back(event_of(grouped[i]));
      machines[k].Step(histories[k], &done);
      collect(k, &done);
    }
    for (uint32_t k = 0; k < key_count; ++k) {
      if (finish) machines[k].Finish(&done);
      collect(k, &done);
    }
  }

  std::stable_sort(found.begin(), found.end(), [&](const Found& a, const Found& b) {
    return CompareOrdinals(events_[a.last].ordinal, events_[b.last].ordinal) < 0;
  });
  size_t begin = 0, end = found.size();
  if (size > 0 && found.size() > size) {
    if (position == ResultPosition::kHead)
      end = size;
    else
      begin = found.size() - size;
  }
  std::vector<SequenceHit> hits;
  hits.reserve(end - begin);
  for (size_t i = begin; i < end; ++i) hits.push_back(std::move(found[i].hit));
  return hits;
}

}  // namespace picket::eql
