// The shape of an EQL sequence or sample, as the matching library needs it,
// independent of the parser: which stages there are, which are missing-event
// stages (`![...]`), how often each repeats (`with runs=N`), the number of
// join keys, `maxspan`, whether there is an `until`, and for samples the
// number of samples per key. Conditions and key fields are not here: the
// caller evaluates them and hands the matcher events already tagged with the
// stages they matched and their join-key values (sequence_key.h).
//
// A SequencePlan is the spec with `runs` expanded into positions, as
// Elasticsearch expands them (`[A] with runs=3` is `[A] [A] [A]`), and the
// positive positions precomputed.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace picket::eql {

struct SequenceSpec {
  enum class Kind : uint8_t { kSequence, kSample };
  struct Stage {
    bool missing = false;  // `![...]`: an event that must not occur
    uint32_t runs = 1;     // `with runs=N`, 1..100
  };

  Kind kind = Kind::kSequence;
  std::vector<Stage> stages;  // as written; at most kMaxStages
  // Join keys per stage (`sequence by` keys plus the stage's own `by` keys);
  // Elasticsearch requires the same count on every stage.
  uint32_t key_count = 0;
  int64_t maxspan_ms = 0;  // `with maxspan`; 0 = none
  bool has_until = false;
  // `max_samples_per_key` of the _eql/search API (samples only), >= 1.
  uint32_t max_samples_per_key = 1;

  static constexpr size_t kMaxStages = 64;  // stage masks are 64-bit
  static constexpr uint32_t kMaxRuns = 100;

  // "" when the spec is usable, else why not (Elasticsearch's rules where
  // they apply: runs 1..100, missing stages need maxspan and a positive
  // stage, samples have neither).
  std::string Validate() const;
};

class SequencePlan {
 public:
  // `spec` must have passed Validate().
  explicit SequencePlan(SequenceSpec spec);

  const SequenceSpec& spec() const { return spec_; }
  bool is_sample() const { return spec_.kind == SequenceSpec::Kind::kSample; }

  // Positions after `runs` expansion; stage_of(p) is the written stage.
  uint32_t positions() const { return static_cast<uint32_t>(stage_of_.size()); }
  uint32_t stage_of(uint32_t position) const { return stage_of_[position]; }
  bool missing(uint32_t position) const { return spec_.stages[stage_of_[position]].missing; }

  // Positive positions, ascending.
  const std::vector<uint32_t>& positive() const { return positive_; }
  uint32_t first_positive() const { return positive_.front(); }
  uint32_t last_positive() const { return positive_.back(); }

  // Masks over written stages: missing stages before the first positive
  // position (leading), between positive ones (middle), after the last
  // (trailing).
  uint64_t leading_mask() const { return leading_; }
  uint64_t middle_mask() const { return middle_; }
  uint64_t trailing_mask() const { return trailing_; }
  bool has_missing() const { return (leading_ | middle_ | trailing_) != 0; }
  uint64_t positive_mask() const { return positive_mask_; }

 private:
  SequenceSpec spec_;
  std::vector<uint32_t> stage_of_;
  std::vector<uint32_t> positive_;
  uint64_t leading_ = 0, middle_ = 0, trailing_ = 0, positive_mask_ = 0;
};

}  // namespace picket::eql
