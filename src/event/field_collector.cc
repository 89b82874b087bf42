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
// The last (up to) 8 bytes of a segment: with Prefix, all of a segment of
// up to 16 bytes.
inline uint64_t Suffix(const char* p, size_t n) {
  if (n < 8) return Prefix(p, n);
  uint64_t v;
  std::memcpy(&v, p + n - 8, 8);
  return v;
}

// Whether a word has a '.' byte (exact: the borrow trick only blurs which
// byte, not whether one is).
inline bool WordHasDot(uint64_t v) {
  v ^= 0x2e2e2e2e2e2e2e2eULL;
  return ((v - 0x0101010101010101ULL) & ~v & 0x8080808080808080ULL) != 0;
}

// Whether a key has a dot. Every key a wanted field does not start with
// is asked, so short keys are read as (overlapping) words, not bytes.
inline bool HasDot(const char* p, size_t n) {
  if (n > 16) return std::memchr(p, '.', n) != nullptr;
  if (n >= 8) {
    uint64_t a, b;
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + n - 8, 8);
    return WordHasDot(a) || WordHasDot(b);
  }
  if (n >= 4) return WordHasDot(Load32(p) | Load32(p + n - 4) << 32);
  for (size_t i = 0; i < n; ++i)
    if (p[i] == '.') return true;
  return false;
}

inline size_t Bucket(size_t length, size_t buckets) {
  return length < buckets - 1 ? length : buckets - 1;
}
}  // namespace

FieldCollector::FieldCollector() { nodes_.emplace_back(); }

[[gnu::always_inline]] inline uint32_t FieldCollector::Child(uint32_t parent,
                                                             std::string_view segment) const {
  const Node& n = nodes_[parent];
  const size_t size = segment.size();
  // Most keys that lead nowhere are told apart by their length alone.
  if (!(n.length_mask >> std::min<size_t>(size, 63) & 1)) return kNone;
  size_t b = Bucket(size, kLengthBuckets);
  uint32_t from = n.begin[b], to = n.begin[b + 1];
  const uint64_t prefix = Prefix(segment.data(), size);
  for (uint32_t i = from; i < to; ++i) {
    const struct Child& c = n.children[i];
    if (c.prefix != prefix || c.size != size) continue;
    if (size <= 8) return c.node;
    if (size <= 16) {
      if (c.suffix == Suffix(segment.data(), size)) return c.node;
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
  n.children.push_back({Prefix(segment.data(), segment.size()),
                        Suffix(segment.data(), segment.size()),
                        static_cast<uint32_t>(segment.size()), child, std::string(segment)});
  std::stable_sort(n.children.begin(), n.children.end(),
                   [](const struct Child& a, const struct Child& b) { return a.size < b.size; });
  // Runs of children per length bucket.
  n.begin.fill(0);
  n.length_mask |= uint64_t{1} << std::min<size_t>(segment.size(), 63);
  for (const struct Child& c : n.children) ++n.begin[Bucket(c.size, kLengthBuckets) + 1];
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

[[gnu::always_inline]] inline void FieldCollector::Record(Json value, uint32_t slot) {
  switch (value.type()) {
    case JsonType::NULL_VALUE:
      return;
    case JsonType::ARRAY:
      RecordArray(value, slot);
      return;
    default: {
      Found& f = found_[slot];
      const uint32_t end = static_cast<uint32_t>(values_.size());
      if (f.generation != generation_) {
        f = {generation_, end, 0};
      } else if (f.start + f.count != end) {
        for (uint32_t i = 0; i < f.count; ++i) {
          Json moved = values_[f.start + i];
          values_.push_back(moved);
        }
        f.start = end;
      }
      values_.push_back(value);
      ++f.count;
    }
  }
}

void FieldCollector::RecordArray(Json array, uint32_t slot) {
  simdjson::dom::array items = array.get_array().value_unsafe();
  for (Json item : items) Record(item, slot);
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
  values_.clear();
  if (nodes_[0].empty_tail_slot != kNone) Record(doc, nodes_[0].empty_tail_slot);
  Descend(doc, 0);
}

}  // namespace picket::event
