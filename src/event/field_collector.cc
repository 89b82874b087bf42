#include "event/field_collector.h"

#include <algorithm>

namespace picket::event {

namespace {
// The first (up to) 8 bytes of a segment as an integer, zero-padded.
inline uint64_t Prefix(const char* p, size_t n) {
  uint64_t v = 0;
  if (n >= 8) {
    std::memcpy(&v, p, 8);
  } else {
    for (size_t i = 0; i < n; ++i) v |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  }
  return v;
}

inline size_t Bucket(size_t length, size_t buckets) {
  return length < buckets - 1 ? length : buckets - 1;
}
}  // namespace

FieldCollector::FieldCollector() { nodes_.emplace_back(); }

uint32_t FieldCollector::Child(uint32_t parent, std::string_view segment) const {
  const Node& n = nodes_[parent];
  if (n.children.empty()) return kNone;
  size_t b = Bucket(segment.size(), kLengthBuckets);
  uint32_t from = n.begin[b], to = n.begin[b + 1];
  if (from == to) return kNone;
  uint64_t prefix = Prefix(segment.data(), segment.size());
  for (uint32_t i = from; i < to; ++i) {
    const struct Child& c = n.children[i];
    if (c.prefix != prefix || c.segment.size() != segment.size()) continue;
    if (segment.size() <= 8 ||
        std::memcmp(c.segment.data() + 8, segment.data() + 8, segment.size() - 8) == 0)
      return c.node;
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
  n.begin.assign(kLengthBuckets + 1, 0);
  for (const struct Child& c : n.children) ++n.begin[Bucket(c.segment.size(), kLengthBuckets) + 1];
  for (size_t b = 1; b <= kLengthBuckets; ++b) n.begin[b] += n.begin[b - 1];
  n.min_length = std::min<uint32_t>(n.min_length, static_cast<uint32_t>(segment.size()));
  return child;
}

uint32_t FieldCollector::Add(std::string_view path) {
  uint32_t node = 0;
  // Split at every dot, as a document key "a.b" is split (empty segments
  // included, so that odd paths still mean what ForEachValue makes of them).
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string_view segment =
        path.substr(start, dot == std::string_view::npos ? dot : dot - start);
    node = AddChild(node, segment);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (nodes_[node].slot == kNone) {
    nodes_[node].slot = static_cast<uint32_t>(slot_count_++);
    ranges_.emplace_back();
  }
  return nodes_[node].slot;
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
    default:
      hits_.push_back(Hit{slot, value});
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
          if (key.size() <= here.min_length || std::memchr(key.data(), '.', key.size()) == nullptr)
            continue;
          at = FollowDotted(node, key);
          if (at == kNone) continue;
        }
        const Node& n = nodes_[at];
        if (n.slot != kNone) Record(field.value, n.slot);
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
  hits_.clear();
  Descend(doc, 0);
  // Group the hits by slot, keeping document order within a slot.
  touched_.clear();
  for (const Hit& h : hits_) {
    Range& r = ranges_[h.slot];
    if (r.generation != generation_) {
      r.generation = generation_;
      r.count = 0;
      touched_.push_back(h.slot);
    }
    ++r.count;
  }
  uint32_t next = 0;
  for (uint32_t slot : touched_) {
    Range& r = ranges_[slot];
    r.start = next;
    next += r.count;
    r.count = 0;
  }
  values_.resize(hits_.size());
  for (const Hit& h : hits_) {
    Range& r = ranges_[h.slot];
    values_[r.start + r.count++] = h.value;
  }
}

}  // namespace picket::event
