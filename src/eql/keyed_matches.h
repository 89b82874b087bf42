// Gathers an event's join keys over the stages it matched: one KeyedMatch per
// distinct key, carrying every written stage (bit) and whether `until`
// matched with that key. Shared by the streaming rule unit and the batch of
// `picket hunt --eql`, so that both join an event to the same keys.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "eql/sequence_batch.h"
#include "eql/sequence_key_reader.h"
#include "event/document.h"

namespace picket::eql {

// Reads the keys of `stage` (its key fields `fields`) from `doc` and merges
// them into *matches. Stages numbered `written_stages` or more are the
// `until` condition. `scratch` is reused between calls to save allocations.
void AddStageKeys(event::Json doc, std::span<const JoinKeyField> fields, size_t stage,
                  size_t written_stages, std::vector<std::string>* scratch,
                  std::vector<KeyedMatch>* matches);

// Whether one of the matches is at a positive stage (`positive_mask`: the
// plan's stages that are not missing-event stages). Only such an event can
// fill a position of a reported sequence, so only it needs a payload.
inline bool AtAPositiveStage(std::span<const KeyedMatch> matches, uint64_t positive_mask) {
  for (const KeyedMatch& m : matches)
    if (m.stages & positive_mask) return true;
  return false;
}

}  // namespace picket::eql
