#include "eql/sequence_helpers.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "eql/sequence_key.h"
#include "state/memory_record_store.h"

namespace picket::eql::testing {

namespace {

// "#12" = the integer 12, "~" = null, anything else a string.
std::string KeyOf(const std::string& value) {
  std::string key;
  if (value == "~")
    AppendKeyNull(&key);
  else if (value.size() > 1 && value[0] == '#')
    AppendKeyInt(&key, std::stoll(value.substr(1)));
  else
    AppendKeyString(&key, value);
  return key;
}

std::string KeyText(const std::string& key) {
  std::string json;
  AppendJoinKeyJson(&json, key);
  // ["x"] -> x, [12] -> 12
  if (json.size() >= 4 && json.front() == '[' && json[1] == '"')
    return json.substr(2, json.size() - 4);
  return json.substr(1, json.size() - 2);
}

}  // namespace

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

SeqCase SeqCase::Sample(const std::string& stages, uint32_t max_samples_per_key) {
  SeqCase c(stages);
  c.spec_.kind = SequenceSpec::Kind::kSample;
  c.spec_.max_samples_per_key = max_samples_per_key;
  return c;
}

SeqCase::SeqCase(const std::string& stages, int64_t maxspan_ms) {
  std::istringstream in(stages);
  std::string word;
  while (in >> word) {
    SequenceSpec::Stage stage;
    if (word[0] == '!') {
      stage.missing = true;
      word = word.substr(1);
    }
    if (auto star = word.find('*'); star != std::string::npos) {
      stage.runs = static_cast<uint32_t>(std::stoul(word.substr(star + 1)));
      word = word.substr(0, star);
    }
    if (word.size() != 1 || word[0] == 'U') throw std::invalid_argument("stage letter: " + word);
    letters_ += word[0];
    spec_.stages.push_back(stage);
  }
  spec_.key_count = 1;
  spec_.maxspan_ms = maxspan_ms;
}

uint64_t SeqCase::Mask(const std::string& letters) const {
  uint64_t mask = 0;
  for (char c : letters) {
    auto pos = letters_.find(c);
    if (pos != std::string::npos) mask |= uint64_t{1} << pos;
  }
  return mask;
}

SeqCase& SeqCase::Add(CaseEvent e) {
  if (e.stages.find('U') != std::string::npos) spec_.has_until = true;
  events_.push_back(std::move(e));
  return *this;
}

SeqCase& SeqCase::E(std::string name, TimeMs time, std::string stages, std::string key) {
  CaseEvent e;
  e.name = std::move(name);
  e.time = time;
  e.stages = std::move(stages);
  e.keys = {std::move(key)};
  return Add(std::move(e));
}

SeqCase& SeqCase::Multi(std::string name, TimeMs time, std::string stages,
                        std::vector<std::string> keys) {
  CaseEvent e;
  e.name = std::move(name);
  e.time = time;
  e.stages = std::move(stages);
  e.keys = std::move(keys);
  return Add(std::move(e));
}

std::string SeqCase::Format(const std::string& key, const std::vector<uint64_t>& ids,
                            const std::vector<std::string>& names) const {
  std::string out = KeyText(key) + ":";
  for (uint64_t id : ids) out += " " + (id == kMissingEvent ? std::string("_") : names.at(id));
  return out;
}

std::vector<std::string> SeqCase::Batch(size_t size, ResultPosition position, int64_t lookback_ms,
                                        bool finish) const {
  if (std::string error = spec_.Validate(); !error.empty())
    throw std::invalid_argument("spec: " + error);
  SequencePlan plan(spec_);
  std::vector<std::string> names;
  for (const CaseEvent& e : events_) names.push_back(e.name);
  if (plan.is_sample()) {
    SampleBatch samples(spec_.stages.size(), spec_.max_samples_per_key);
    uint64_t seq = 0;
    for (const CaseEvent& e : events_) {
      Ordinal ordinal;
      ordinal.time = e.time;
      ordinal.index = samples.Intern(e.index);
      ordinal.seq = seq++;
      std::vector<KeyedMatch> matches;
      for (const std::string& k : e.keys)
        if (k != "-") matches.push_back({KeyOf(k), Mask(e.stages), false});
      samples.Add(ordinal, matches);
    }
    std::vector<std::string> out;
    for (const SampleHit& hit : samples.Run(size)) out.push_back(Format(hit.key, hit.ids, names));
    return out;
  }
  SequenceBatch batch(&plan, MachineLimits{lookback_ms});
  names.clear();
  uint64_t seq = 0;
  for (const CaseEvent& e : events_) {
    Ordinal ordinal;
    ordinal.time = e.time;
    ordinal.tiebreaker = e.tiebreaker;
    ordinal.index = batch.Intern(e.index);
    ordinal.seq = seq++;
    std::vector<KeyedMatch> matches;
    for (const std::string& k : e.keys) {
      if (k == "-") continue;
      matches.push_back({KeyOf(k), Mask(e.stages), e.stages.find('U') != std::string::npos});
    }
    uint64_t id = batch.Add(ordinal, e.window_time.value_or(e.time), matches);
    if (id != names.size()) throw std::logic_error("ids out of step");
    names.push_back(e.name);
  }
  std::vector<std::string> out;
  for (const SequenceHit& hit : batch.Run(size, position, finish))
    out.push_back(Format(hit.key, hit.ids, names));
  return out;
}

void SeqCase::Feed(SequenceStream* stream, size_t i, std::vector<std::string>* out) const {
  std::vector<std::string> names;
  for (const CaseEvent& e : events_) names.push_back(e.name);
  auto emit = [&](StreamSequence&& s) {
    out->push_back(Format(s.key, s.ids, names));
    for (size_t p = 0; p < s.ids.size(); ++p) {
      std::string want = s.ids[p] == kMissingEvent ? "" : "payload of " + names.at(s.ids[p]);
      if (s.payloads[p] != want) throw std::logic_error("payload " + s.payloads[p] + " != " + want);
    }
  };
  if (i == kFlush) {
    stream->Flush(emit);
    return;
  }
  const CaseEvent& e = events_.at(i);
  StreamEvent se;
  se.id = i;
  se.ordinal.time = e.time;
  se.ordinal.tiebreaker = e.tiebreaker;
  se.ordinal.index = e.index;
  se.window_time = e.window_time.value_or(e.time);
  std::string payload = "payload of " + e.name;
  se.payload = payload;
  std::vector<KeyedMatch> matches;
  for (const std::string& k : e.keys) {
    if (k == "-") continue;
    matches.push_back({KeyOf(k), Mask(e.stages), e.stages.find('U') != std::string::npos});
  }
  stream->Add(se, matches, emit);
}

std::vector<std::string> SeqCase::Stream(StreamOptions options, std::vector<size_t> order,
                                         bool flush, state::RecordStore* store,
                                         StreamStats* stats) const {
  if (std::string error = spec_.Validate(); !error.empty())
    throw std::invalid_argument("spec: " + error);
  SequencePlan plan(spec_);
  state::MemoryRecordStore own;
  if (!store) store = &own;
  SequenceStream stream(&plan, store, "rule", options);
  if (order.empty())
    for (size_t i = 0; i < events_.size(); ++i) order.push_back(i);
  std::vector<std::string> out;
  for (size_t i : order) Feed(&stream, i, &out);
  if (flush) Feed(&stream, kFlush, &out);
  if (std::optional<TimeMs> t = stream.ExpiryThreshold()) store->Expire(*t);
  if (stats) *stats = stream.stats();
  return out;
}

}  // namespace picket::eql::testing
