#include "eql/sequence_machine.h"

#include <algorithm>

namespace picket::eql {

namespace {

uint64_t Bit(uint32_t stage) { return uint64_t{1} << stage; }

// The latest event of `history` (ordinal order) matching `mask` with a time
// strictly before `t`.
std::optional<TimeMs> LatestBefore(std::span<const KeyedEvent> history, uint64_t mask, TimeMs t) {
  auto it = std::lower_bound(history.begin(), history.end(), t,
                             [](const KeyedEvent& e, TimeMs v) { return e.ordinal.time < v; });
  while (it != history.begin()) {
    --it;
    if (it->stages & mask) return it->ordinal.time;
  }
  return std::nullopt;
}

// Whether an event of `history` matching `mask` has a time in (from, to).
bool AnyBetween(std::span<const KeyedEvent> history, uint64_t mask, TimeMs from, TimeMs to) {
  auto it = std::upper_bound(history.begin(), history.end(), from,
                             [](TimeMs v, const KeyedEvent& e) { return v < e.ordinal.time; });
  for (; it != history.end() && it->ordinal.time < to; ++it)
    if (it->stages & mask) return true;
  return false;
}

}  // namespace

SequenceMachine::SequenceMachine(const SequencePlan* plan, MachineLimits limits)
    : plan_(plan), limits_(limits) {
  slots_.resize(plan_->positive().size() - 1);
}

void SequenceMachine::Reset() {
  for (auto& s : slots_) s.reset();
  awaiting_.clear();
}

bool SequenceMachine::empty() const {
  for (const auto& s : slots_)
    if (s) return false;
  return awaiting_.empty();
}

void SequenceMachine::Step(std::span<const KeyedEvent> history,
                           std::vector<CompletedSequence>* done) {
  const KeyedEvent& e = history.back();
  const SequencePlan& plan = *plan_;
  const int64_t maxspan = plan.spec().maxspan_ms;

  // Sequences waiting for their trailing check: a trailing event within the
  // deadline discards them; an event past the deadline decides the rest.
  if (!awaiting_.empty()) {
    if (e.stages & plan.trailing_mask())
      std::erase_if(awaiting_, [&](const AwaitingSequence& a) {
        return e.ordinal.time > a.sequence.end && e.ordinal.time <= a.deadline;
      });
    Decide(e.ordinal.time, done);
  }

  // Positive positions, last first, so that an event matching consecutive
  // positions (runs, or two stages) advances older sequences before it
  // starts a newer one.
  const std::vector<uint32_t>& positive = plan.positive();
  const size_t last = positive.size() - 1;
  for (size_t i = positive.size(); i-- > 0;) {
    if (!(e.stages & Bit(plan.stage_of(positive[i])))) continue;
    if (i == 0) {
      PartialSequence fresh;
      fresh.ids.push_back(e.id);
      fresh.times.push_back(e.ordinal.time);
      fresh.window_min = fresh.window_max = e.window_time;
      if (last == 0)
        Complete(fresh, history, done);
      else
        slots_[0] = std::move(fresh);
      continue;
    }
    std::optional<PartialSequence>& from = slots_[i - 1];
    if (!from) continue;
    PartialSequence s = std::move(*from);
    from.reset();  // taken: it and everything older at that stage are gone
    if (maxspan > 0 && e.ordinal.time - s.times.front() > maxspan) continue;
    TimeMs wmin = std::min(s.window_min, e.window_time);
    TimeMs wmax = std::max(s.window_max, e.window_time);
    if (limits_.lookback_ms > 0 && wmax - wmin > limits_.lookback_ms) continue;
    s.ids.push_back(e.id);
    s.times.push_back(e.ordinal.time);
    s.window_min = wmin;
    s.window_max = wmax;
    if (i == last)
      Complete(s, history, done);
    else
      slots_[i] = std::move(s);
  }

  if (e.until)
    for (auto& slot : slots_) slot.reset();
}

void SequenceMachine::Complete(const PartialSequence& partial, std::span<const KeyedEvent> history,
                               std::vector<CompletedSequence>* done) {
  const SequencePlan& plan = *plan_;
  if (claim_ && !claim_(partial.ids.back())) return;
  CompletedSequence seq;
  seq.start = partial.times.front();
  seq.end = partial.times.back();
  seq.window_min = partial.window_min;
  seq.ids.assign(plan.positions(), kMissingEvent);
  const std::vector<uint32_t>& positive = plan.positive();
  for (size_t i = 0; i < positive.size(); ++i) seq.ids[positive[i]] = partial.ids[i];
  if (!plan.has_missing()) {
    done->push_back(std::move(seq));
    return;
  }

  // Middle stages: none of their events strictly between the neighbours.
  for (size_t i = 0; i + 1 < positive.size(); ++i) {
    for (uint32_t p = positive[i] + 1; p < positive[i + 1]; ++p) {
      if (AnyBetween(history, Bit(plan.stage_of(p)), partial.times[i], partial.times[i + 1]))
        return;
    }
  }
  const int64_t maxspan = plan.spec().maxspan_ms;
  std::optional<TimeMs> last_leading;
  if (plan.leading_mask()) last_leading = LatestBefore(history, plan.leading_mask(), seq.start);
  if (!plan.trailing_mask()) {
    if (!last_leading || seq.end - *last_leading > maxspan) done->push_back(std::move(seq));
    return;
  }
  if (plan.leading_mask() && !last_leading) {
    done->push_back(std::move(seq));
    return;
  }
  TimeMs anchor = plan.leading_mask() ? *last_leading : seq.start;
  TimeMs deadline = anchor + maxspan;
  if (deadline <= seq.end) {  // no trailing event can be after the end and within reach
    done->push_back(std::move(seq));
    return;
  }
  awaiting_.push_back({std::move(seq), deadline});
}

void SequenceMachine::Decide(TimeMs now, std::vector<CompletedSequence>* done) {
  if (awaiting_.empty()) return;
  std::vector<AwaitingSequence> keep;
  for (AwaitingSequence& a : awaiting_) {
    if (a.deadline < now)
      done->push_back(std::move(a.sequence));
    else
      keep.push_back(std::move(a));
  }
  awaiting_ = std::move(keep);
}

}  // namespace picket::eql
