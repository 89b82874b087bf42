// Collects the values of a fixed set of fields from a document in one walk.
//
// With hundreds of rules, an event is asked for dozens of fields; walking
// the document once per field (ForEachValue) costs a scan of the top-level
// keys each time. A FieldCollector compiles its fields into a trie of path
// segments and walks the document once, descending only into keys that lead
// to a wanted field, and records every value it meets.
//
// Contract: after Collect(doc), Values(slot) holds exactly what
// ForEachValue(doc, path) visits, in the same order: dotted keys and nested
// objects are one field, arrays are flattened at every level, nulls give no
// value, objects are values. Values are views into the document; they are
// valid until the document is freed or Collect is called again.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "event/document.h"

namespace picket::event {

class FieldCollector {
 public:
  FieldCollector();

  // Adds a field (dotted path) and returns its slot; the same path gives the
  // same slot. Slots are dense, from 0, in order of first addition.
  uint32_t Add(std::string_view path);
  size_t size() const { return slot_count_; }

  // Walks `doc` and records the values of every added field.
  void Collect(Json doc);

  std::span<const Json> Values(uint32_t slot) const {
    const Found& f = found_[slot];
    if (f.generation != generation_) return {};
    return {values_.data() + f.start, f.count};
  }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  static constexpr size_t kLengthBuckets = 32;  // the last holds every longer segment
  // A child edge: its key segment's first and last 8 bytes as integers
  // (segments of up to 16 bytes are compared with two integer compares),
  // and the segment itself for longer ones.
  struct Child {
    uint64_t prefix = 0;
    uint64_t suffix = 0;
    uint32_t size = 0;
    uint32_t node = kNone;
    std::string segment;
  };
  // Children are kept sorted by segment length, with the start of each
  // length's run, so a key is compared only with children of its length:
  // no hashing, and most keys of a document meet one or two candidates.
  struct Node {
    uint32_t slot = kNone;  // a wanted field ends here
    // The slot of the path that continues with an empty last segment ("a."
    // after "a"): ForEachValue gives it this node's value too.
    uint32_t empty_tail_slot = kNone;
    uint32_t min_length = UINT32_MAX;
    uint64_t length_mask = 0;  // bit min(length, 63) set: a child of that length
    std::vector<Child> children;
    std::array<uint16_t, kLengthBuckets + 1> begin{};  // start of each length's run
  };

  inline uint32_t Child(uint32_t parent, std::string_view segment) const;
  uint32_t AddChild(uint32_t parent, std::string_view segment);
  uint32_t FollowDotted(uint32_t node, std::string_view key) const;
  void Descend(Json value, uint32_t node);
  inline void Record(Json value, uint32_t slot);
  void RecordArray(Json array, uint32_t slot);

  std::vector<Node> nodes_;
  size_t slot_count_ = 0;

  // Per slot, where its values of the current document are in values_
  // (none when its generation is not the current one). A slot's values are
  // kept contiguous: one met again after other slots' values (objects in an
  // array) are moved to the end first.
  struct Found {
    uint64_t generation = 0;
    uint32_t start = 0, count = 0;
  };
  std::vector<Found> found_;
  std::vector<Json> values_;  // of every slot, for the current document
  uint64_t generation_ = 0;
};

}  // namespace picket::event
