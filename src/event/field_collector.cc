#include "event/field_collector.h"

#include <algorithm>
#include <cstring>

namespace picket::event {

namespace {
// The first (up to) 8 bytes of a segment as an integer, zero-padded, with
// loads that stay inside the segment (overlapping for short ones).
inline uint64_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t Prefix(const char* p, size_t n) {
  uint64_t v;
  if (n >= 8) {
    std::memcpy(&v, p, 8);
    return v;
  }
  if (n >= 4) return Load32(p) | Load32(p + n - 4) << (8 * (n - 4));
  if (n == 0) return 0;
  auto byte = [&](size_t i) { return uint64_t{static_cast<unsigned char>(p[i])} << (8 * i); };
  return byte(0) | byte(n / 2) | byte(n - 1);
}
// The last 8 bytes of a segment longer than 8.
inline uint64_t Suffix(const char* p, size_t n) {
  uint64_t v;
  std::memcpy(&v, p + n - 8, 8);
  return v;
}

// Whether a key has a dot; inline for the short keys of field names.
inline bool HasDot(const char* p, size_t n) {
  if (n > 16) return std::memchr(p, '.', n) != nullptr;
  for (size_t i = 0; i < n; ++i)
    if (p[i] == '.') return true;
  return false;
}

inline size_t Bucket(size_t length, size_t buckets) {
  return length < buckets - 1 ? length : buckets - 1;
}
}  // namespace

FieldCollector::FieldCollector() { nodes_.emplace_back(); }

inline uint32_t FieldCollector::Child(uint32_t parent, std::string_view segment) const {
  const Node& n = nodes_[parent];
  // Most keys that lead nowhere are told apart by their length alone.
  if (!(n.length_mask >> std::min<size_t>(segment.size(), 63) & 1)) return kNone;
  size_t b = Bucket(segment.size(), kLengthBuckets);
  uint32_t from = n.begin[b], to = n.begin[b + 1];
  if (from == to) return kNone;
  const size_t size = segment.size();
  const uint64_t prefix = Prefix(segment.data(), size);
  for (uint32_t i = from; i < to; ++i) {
    const struct Child& c = n.children[i];
    if (c.prefix != prefix || c.segment.size() != size) continue;
    if (size <= 8) return c.node;
    if (size <= 16) {
      if (Suffix(c.segment.data(), size) == Suffix(segment.data(), size)) return c.node;
      continue;
    }
    if (std::memcmp(c.segment.data() + 8, segment.data() + 8, size - 8) == 0) return c.node;
  }
  return kNone;
}

uint32_t FieldCollector::AddChild(uint32_t parent, std::string_view segment) {
  uint32_t found = Child(parent, segment);
  if (found != kNone) return found;
  uint32_t child = static_cast<uint32_t>(nodes_.size());
  nodes_.emplace_back();
  Node& n = nodes_[parent];
  n.children.push_back({std::string(segment), Prefix(segment.data(), segment.size()), child});
  std::stable_sort(n.children.begin(), n.children.end(),
                   [](const struct Child& a, const struct Child& b) {
                     return a.segment.size() < b.segment.size();
                   });
  // Runs of children per length bucket.
  n.begin.fill(0);
  n.length_mask |= uint64_t{1} << std::min<size_t>(segment.size(), 63);
  for (const struct Child& c : n.children) ++n.begin[Bucket(c.segment.size(), kLengthBuckets) + 1];
  for (size_t b = 1; b <= kLengthBuckets; ++b) n.begin[b] += n.begin[b - 1];
  n.min_length = std::min<uint32_t>(n.min_length, static_cast<uint32_t>(segment.size()));
  return child;
}

uint32_t FieldCollector::Add(std::string_view path) {
  uint32_t node = 0, parent = 0;
  // Split at every dot, as a document key "a.b" is split (empty segments
  // included, so that odd paths still mean what ForEachValue makes of them).
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string_view segment =
        path.substr(start, dot == std::string_view::npos ? dot : dot - start);
    parent = node;
    node = AddChild(node, segment);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (nodes_[node].slot == kNone) {
    nodes_[node].slot = static_cast<uint32_t>(slot_count_++);
    found_.emplace_back();
  }
  // ForEachValue reads "a." at key "a" as "a" followed by the empty path,
  // which is the value itself (and "" as the document itself).
  uint32_t slot = nodes_[node].slot;
  if (path.empty() || path.back() == '.') nodes_[parent].empty_tail_slot = slot;
  return slot;
}

void FieldCollector::Record(Json value, uint32_t slot) {
  switch (value.type()) {
    case JsonType::NULL_VALUE:
      return;
    case JsonType::ARRAY: {
      simdjson::dom::array items = value.get_array().value_unsafe();
      for (Json item : items) Record(item, slot);
      return;
    }
    default: {
      Found& f = found_[slot];
      if (f.generation != generation_) {
        f.generation = generation_;
        f.values.clear();
      }
      f.values.push_back(value);
    }
  }
}

uint32_t FieldCollector::FollowDotted(uint32_t node, std::string_view key) const {
  size_t start = 0;
  while (node != kNone) {
    size_t dot = key.find('.', start);
    if (dot == std::string_view::npos) return Child(node, key.substr(start));
    node = Child(node, key.substr(start, dot - start));
    start = dot + 1;
  }
  return kNone;
}

void FieldCollector::Descend(Json value, uint32_t node) {
  switch (value.type()) {
    case JsonType::ARRAY: {
      simdjson::dom::array items = value.get_array().value_unsafe();
      for (Json item : items) Descend(item, node);
      return;
    }
    case JsonType::OBJECT: {
      simdjson::dom::object fields = value.get_object().value_unsafe();
      const Node& here = nodes_[node];
      for (auto field : fields) {
        std::string_view key = field.key;
        // ForEachValue never matches an empty key.
        if (key.empty()) continue;
        // Most keys are one segment; a dotted key ("process.name") is
        // longer than its first segment plus the dot.
        uint32_t at = Child(node, key);
        if (at == kNone) {
          if (key.size() <= here.min_length || !HasDot(key.data(), key.size())) continue;
          at = FollowDotted(node, key);
          if (at == kNone) continue;
        }
        const Node& n = nodes_[at];
        if (n.slot != kNone) Record(field.value, n.slot);
        if (n.empty_tail_slot != kNone) Record(field.value, n.empty_tail_slot);
        if (!n.children.empty()) Descend(field.value, at);
      }
      return;
    }
    default:
      return;
  }
}

void FieldCollector::Collect(Json doc) {
  ++generation_;
  if (nodes_[0].empty_tail_slot != kNone) Record(doc, nodes_[0].empty_tail_slot);
  Descend(doc, 0);
}

}  // namespace picket::event
