#include "eql/sequence_batch.h"

#include <algorithm>

namespace picket::eql {

namespace {

bool EntryBefore(const KeyedEvent& a, const KeyedEvent& b) {
  return CompareOrdinals(a.ordinal, b.ordinal) < 0;
}

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
  uint64_t id = ordinals_.size();
  ordinals_.push_back(ordinal);
  uint32_t order = 0;
  uint32_t last_stage_keys = 0;
  const uint64_t last_bit = uint64_t{1} << plan_->stage_of(plan_->last_positive());
  for (const KeyedMatch& m : matches) {
    if (m.stages == 0 && !m.until) continue;
    auto [it, fresh] = key_index_.try_emplace(m.key, static_cast<uint32_t>(keys_.size()));
    if (fresh) keys_.push_back(Key{m.key, {}});
    KeyedEvent e;
    e.id = id;
    e.ordinal = ordinal;
    e.window_time = window_time;
    e.stages = m.stages;
    e.until = m.until;
    keys_[it->second].entries.push_back({std::move(e), order++});
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
  auto collect = [&](const Key& key, std::vector<CompletedSequence>* done) {
    for (CompletedSequence& s : *done) {
      uint64_t last = LastPositiveId(*plan_, s);
      found.push_back({last, SequenceHit{key.key, std::move(s.ids)}});
    }
    done->clear();
  };

  for (Key& key : keys_)
    std::stable_sort(key.entries.begin(), key.entries.end(),
                     [](const Entry& a, const Entry& b) { return EntryBefore(a.event, b.event); });

  std::vector<CompletedSequence> done;
  if (!multi_key_events_) {
    // Keys are independent: run each over its own events.
    std::vector<KeyedEvent> history;
    for (Key& key : keys_) {
      SequenceMachine machine(plan_, limits_);
      history.clear();
      for (Entry& entry : key.entries) history.push_back(std::move(entry.event));
      key.entries.clear();
      std::span<const KeyedEvent> all(history);
      for (size_t i = 0; i < all.size(); ++i) {
        machine.Step(all.first(i + 1), &done);
        collect(key, &done);
      }
      if (finish) machine.Finish(&done);
      collect(key, &done);
    }
  } else {
    // An event completes sequences of several keys: feed all keys in
    // Elasticsearch's processing order (ordinal, then key order) so the
    // first key to end a sequence on an event claims it.
    struct Step {
      uint32_t key, entry;
    };
    std::vector<Step> order;
    for (uint32_t k = 0; k < keys_.size(); ++k)
      for (uint32_t i = 0; i < keys_[k].entries.size(); ++i) order.push_back({k, i});
    std::stable_sort(order.begin(), order.end(), [&](const Step& a, const Step& b) {
      const Entry& x = keys_[a.key].entries[a.entry];
      const Entry& y = keys_[b.key].entries[b.entry];
      if (int c = CompareOrdinals(x.event.ordinal, y.event.ordinal)) return c < 0;
      return x.match_order < y.match_order;
    });
    std::unordered_set<uint64_t> claimed;
    std::vector<SequenceMachine> machines;
    std::vector<std::vector<KeyedEvent>> histories(keys_.size());
    machines.reserve(keys_.size());
    for (size_t k = 0; k < keys_.size(); ++k) {
      machines.emplace_back(plan_, limits_);
      machines.back().set_claim([&claimed](uint64_t last) { return claimed.insert(last).second; });
    }
    for (const Step& s : order) {
      histories[s.key].push_back(keys_[s.key].entries[s.entry].event);
      machines[s.key].Step(histories[s.key], &done);
      collect(keys_[s.key], &done);
    }
    for (size_t k = 0; k < keys_.size(); ++k) {
      if (finish) machines[k].Finish(&done);
      collect(keys_[k], &done);
    }
  }

  std::stable_sort(found.begin(), found.end(), [&](const Found& a, const Found& b) {
    return CompareOrdinals(ordinals_[a.last], ordinals_[b.last]) < 0;
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
