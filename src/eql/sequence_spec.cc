#include "eql/sequence_spec.h"

#include <fmt/format.h>

namespace picket::eql {

std::string SequenceSpec::Validate() const {
  if (stages.empty()) return "no stages";
  if (stages.size() > kMaxStages)
    return fmt::format("{} stages; at most {} are supported", stages.size(), kMaxStages);
  if (key_count > 255) return fmt::format("{} join keys; at most 255 are supported", key_count);
  bool any_positive = false, any_missing = false;
  size_t positions = 0;
  for (size_t i = 0; i < stages.size(); ++i) {
    const Stage& s = stages[i];
    if (s.runs < 1 || s.runs > kMaxRuns)
      return fmt::format("stage {}: runs={} (must be between 1 and {})", i + 1, s.runs, kMaxRuns);
    positions += s.runs;
    (s.missing ? any_missing : any_positive) = true;
  }
  if (maxspan_ms < 0) return "negative maxspan";
  if (kind == Kind::kSample) {
    if (any_missing) return "a sample has no missing-event stages";
    if (maxspan_ms != 0 || has_until) return "a sample takes neither maxspan nor until";
    for (const Stage& s : stages)
      if (s.runs != 1) return "a sample takes no runs";
    if (max_samples_per_key < 1) return "max_samples_per_key must be at least 1";
    return "";
  }
  if (!any_positive) return "a sequence needs at least one stage that is not a missing event";
  if (any_missing && maxspan_ms == 0) return "missing-event stages need `with maxspan`";
  if (positions < 2) return "a sequence needs at least two stages";
  return "";
}

SequencePlan::SequencePlan(SequenceSpec spec) : spec_(std::move(spec)) {
  for (uint32_t s = 0; s < spec_.stages.size(); ++s)
    for (uint32_t r = 0; r < spec_.stages[s].runs; ++r) stage_of_.push_back(s);
  for (uint32_t p = 0; p < stage_of_.size(); ++p)
    if (!missing(p)) {
      positive_.push_back(p);
      positive_mask_ |= uint64_t{1} << stage_of_[p];
    }
  if (positive_.empty()) return;  // invalid spec; Validate() says so
  for (uint32_t p = 0; p < stage_of_.size(); ++p) {
    if (!missing(p)) continue;
    uint64_t bit = uint64_t{1} << stage_of_[p];
    if (p < first_positive())
      leading_ |= bit;
    else if (p > last_positive())
      trailing_ |= bit;
    else
      middle_ |= bit;
  }
}

}  // namespace picket::eql
