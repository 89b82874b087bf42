// Field access in ECS JSON documents, with Elasticsearch's view of fields.
//
// A field is a dotted path. As in Elasticsearch, {"process.name":"x"},
// {"process":{"name":"x"}} and mixtures ({"process.parent":{"name":"x"}})
// are the same field, and arrays at any level are flattened: a document has
// a list of values per field. Null values and empty arrays give no value.
//
// ForEachValue visits the values of one field without building strings and
// without allocating; it is the hot path of every query.
#pragma once
#include <simdjson.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace picket::event {

using Json = simdjson::dom::element;
using JsonType = simdjson::dom::element_type;

namespace internal {
// a[0, n) == b[0, n) for the short keys of documents, inline: a call to
// memcmp cost more than the compare itself in field walks. Loads stay
// inside both ranges (overlapping words for lengths between two sizes).
inline bool SameBytes(const char* a, const char* b, size_t n) {
  if (n >= 8) {
    uint64_t x, y;
    for (size_t i = 0; i + 8 <= n; i += 8) {
      std::memcpy(&x, a + i, 8);
      std::memcpy(&y, b + i, 8);
      if (x != y) return false;
    }
    std::memcpy(&x, a + n - 8, 8);
    std::memcpy(&y, b + n - 8, 8);
    return x == y;
  }
  if (n >= 4) {
    uint32_t x, y, u, v;
    std::memcpy(&x, a, 4);
    std::memcpy(&y, b, 4);
    std::memcpy(&u, a + n - 4, 4);
    std::memcpy(&v, b + n - 4, 4);
    return x == y && u == v;
  }
  for (size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// Arrays and objects are bound to locals (not iterated straight from
// value_unsafe() of a temporary result, which would dangle in a range-for).
template <typename Visit>
bool VisitFlattened(Json value, Visit& visit) {
  switch (value.type()) {
    case JsonType::NULL_VALUE:
      return false;
    case JsonType::ARRAY: {
      simdjson::dom::array items = value.get_array().value_unsafe();
      for (Json child : items)
        if (VisitFlattened(child, visit)) return true;
      return false;
    }
    default:
      return visit(value);
  }
}
}  // namespace internal

// Calls visit(Json) for every value of the field at `path` under `node`
// (objects included, nulls excluded, arrays flattened). visit returns true to
// stop early; ForEachValue then returns true.
template <typename Visit>
bool ForEachValue(Json node, std::string_view path, Visit&& visit) {
  if (path.empty()) return internal::VisitFlattened(node, visit);
  switch (node.type()) {
    case JsonType::ARRAY: {
      simdjson::dom::array items = node.get_array().value_unsafe();
      for (Json child : items)
        if (ForEachValue(child, path, visit)) return true;
      return false;
    }
    case JsonType::OBJECT: {
      simdjson::dom::object fields = node.get_object().value_unsafe();
      for (auto field : fields) {
        std::string_view key = field.key;
        // Most keys differ in their first byte or end where the path has no
        // dot: both are tested before comparing the bytes.
        const size_t k = key.size();
        if (k == 0 || k > path.size() || key[0] != path[0]) continue;
        if (k < path.size() && path[k] != '.') continue;
        if (!internal::SameBytes(key.data(), path.data(), k)) continue;
        if (k == path.size()) {
          if (internal::VisitFlattened(field.value, visit)) return true;
        } else if (ForEachValue(field.value, path.substr(k + 1), visit)) {
          return true;
        }
      }
      return false;
    }
    default:
      return false;
  }
}

// True when the field has at least one non-null value.
inline bool HasValue(Json node, std::string_view path) {
  return ForEachValue(node, path, [](Json) { return true; });
}

// Visits every leaf (non-object, non-null value; arrays flattened) of the
// document with its full dotted path, built in `*path_buffer` (reused across
// calls to avoid allocation). visit(std::string_view path, Json value)
// returns true to stop.
template <typename Visit>
bool ForEachLeaf(Json node, std::string* path_buffer, Visit&& visit) {
  switch (node.type()) {
    case JsonType::NULL_VALUE:
      return false;
    case JsonType::ARRAY: {
      simdjson::dom::array items = node.get_array().value_unsafe();
      for (Json child : items)
        if (ForEachLeaf(child, path_buffer, visit)) return true;
      return false;
    }
    case JsonType::OBJECT: {
      size_t base = path_buffer->size();
      simdjson::dom::object fields = node.get_object().value_unsafe();
      for (auto field : fields) {
        if (base) path_buffer->push_back('.');
        path_buffer->append(field.key);
        bool stop = ForEachLeaf(field.value, path_buffer, visit);
        path_buffer->resize(base);
        if (stop) return true;
      }
      return false;
    }
    default:
      return visit(std::string_view(*path_buffer), node);
  }
}

// The text Elasticsearch would index for a scalar on a keyword field:
// strings as they are, booleans as "true"/"false", numbers in their shortest
// round-trip form. Returns false for objects, arrays and null.
bool ScalarToKeyword(Json value, std::string* out);

// The same text without a copy for strings: a view of the string itself, or
// of `scratch` holding ScalarToKeyword's text. False for objects, arrays, null.
inline bool KeywordText(Json value, std::string* scratch, std::string_view* out) {
  if (value.type() == JsonType::STRING) {
    *out = value.get_string().value_unsafe();
    return true;
  }
  if (!ScalarToKeyword(value, scratch)) return false;
  *out = *scratch;
  return true;
}

// The first string value of a field, if any (convenience for engine fields
// such as host.id or @timestamp).
bool FirstString(Json node, std::string_view path, std::string_view* out);

}  // namespace picket::event
