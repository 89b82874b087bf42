// EQL samples (`sample by k [A] [B] ...`): events of one join key, one per
// stage, in no particular time order.
//
// Elasticsearch (execution/sample/SampleIterator.java, SampleQueryRequest):
// for every key value present in all stages, in composite-aggregation order
// (CompareJoinKeys), it fetches for each stage the first
// `stages + max_samples_per_key - 1` matching events in document order (no
// sort: shard order, then indexing order — for picket, index name, then
// arrival), then picks samples by backtracking: the first combination of
// distinct events, stage by stage, then the next, up to max_samples_per_key
// per key; `size` bounds the total. Events are listed in stage order.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "eql/sequence_batch.h"
#include "eql/sequence_ordinal.h"
#include "util/string_set.h"

namespace picket::eql {

// SampleIterator.matchSamples over per-stage candidates (ids in document
// order, already cut to the first stages + max_samples - 1): up to
// `max_samples` samples, each one id per stage, all distinct.
std::vector<std::vector<uint64_t>> MatchSamples(const std::vector<std::vector<uint64_t>>& stages,
                                                size_t max_samples);

// Document order: the implicit tiebreaker of Ordinal (index, then arrival).
int CompareDocumentOrder(const Ordinal& a, const Ordinal& b);

struct SampleHit {
  std::string key;
  std::vector<uint64_t> ids;  // one per stage
};

// Samples over a whole set of events (`picket hunt --eql`).
class SampleBatch {
 public:
  SampleBatch(size_t stages, size_t max_samples_per_key);

  // Adds an event (its ordinal gives the document order; `index` must be a
  // view from Intern) and returns its id (0, 1, 2, ...).
  uint64_t Add(const Ordinal& ordinal, std::span<const KeyedMatch> matches);
  std::string_view Intern(std::string_view index);

  // The samples, keys in composite order, at most `size` (0 = all).
  std::vector<SampleHit> Run(size_t size);

 private:
  size_t stages_;
  size_t max_samples_;
  std::vector<Ordinal> ordinals_;
  std::unordered_map<std::string, std::vector<std::vector<uint64_t>>> by_key_;  // per stage ids
  StringSet names_;  // index names, interned
};

}  // namespace picket::eql
