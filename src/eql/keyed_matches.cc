#include "eql/keyed_matches.h"

#include <cstdint>
#include <utility>

namespace picket::eql {

namespace {
// More keys than this for one event and stage are dropped: a product of
// multi-valued key fields must not grow without bound on hostile input.
constexpr size_t kMaxKeysPerStage = 1024;
}  // namespace

void AddStageKeys(event::Json doc, std::span<const JoinKeyField> fields, size_t stage,
                  size_t written_stages, std::vector<std::string>* scratch,
                  std::vector<KeyedMatch>* matches) {
  scratch->clear();
  ReadJoinKeys(doc, fields, kMaxKeysPerStage, scratch);
  for (std::string& key : *scratch) {
    KeyedMatch* match = nullptr;
    // An event has few keys: a linear search beats hashing them.
    for (KeyedMatch& existing : *matches)
      if (existing.key == key) match = &existing;
    if (!match) match = &matches->emplace_back(KeyedMatch{std::move(key), 0, false});
    if (stage < written_stages)
      match->stages |= uint64_t{1} << stage;
    else
      match->until = true;
  }
}

}  // namespace picket::eql
