// libFuzzer target: FieldCollector against ForEachValue. The input is parsed
// as one JSON document (up to 64 KiB); the paths are a fixed list of odd
// ones (dotted, empty segments) plus paths derived from the document's own
// keys (each key path, and its tails after every dot). For every path,
// Values(slot) must be what ForEachValue visits, element by element, with
// the paths added in either order, and again after collecting another
// document in between. Any disagreement aborts.
// Paths ending in a dot and the empty path are included (ForEachValue gives
// the value before the trailing dot, and the document for "").
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "event/document.h"
#include "event/field_collector.h"

namespace {

using picket::event::FieldCollector;
using picket::event::Json;
using picket::event::JsonType;

constexpr size_t kMaxInput = 64 << 10;
constexpr size_t kMaxPaths = 64;
constexpr size_t kMaxPathBytes = 256;

// Identity of a value within its document: strings and object keys by the
// address of their bytes in the document's string buffer, numbers and
// booleans by value, an object by its first key (an empty object by type).
struct Identity {
  JsonType type;
  const void* address = nullptr;
  uint64_t bits = 0;
  bool operator==(const Identity&) const = default;
};

Identity IdentityOf(Json v) {
  Identity id{v.type()};
  switch (v.type()) {
    case JsonType::STRING:
      id.address = v.get_string().value_unsafe().data();
      break;
    case JsonType::INT64: {
      int64_t x = v.get_int64().value_unsafe();
      std::memcpy(&id.bits, &x, sizeof x);
      break;
    }
    case JsonType::UINT64:
      id.bits = v.get_uint64().value_unsafe();
      break;
    case JsonType::DOUBLE: {
      double x = v.get_double().value_unsafe();
      std::memcpy(&id.bits, &x, sizeof x);
      break;
    }
    case JsonType::BOOL:
      id.bits = v.get_bool().value_unsafe();
      break;
    case JsonType::OBJECT: {
      simdjson::dom::object o = v.get_object().value_unsafe();
      auto it = o.begin();
      if (it != o.end()) id.address = it.key_c_str();
      break;
    }
    default:
      break;
  }
  return id;
}

// Every key path of the document (arrays crossed), and the tails of each
// after every dot.
void DerivePaths(Json node, std::string* prefix, int depth, std::vector<std::string>* out) {
  if (depth > 6 || out->size() >= kMaxPaths) return;
  switch (node.type()) {
    case JsonType::ARRAY: {
      simdjson::dom::array items = node.get_array().value_unsafe();
      for (Json item : items) DerivePaths(item, prefix, depth + 1, out);
      return;
    }
    case JsonType::OBJECT: {
      simdjson::dom::object fields = node.get_object().value_unsafe();
      size_t base = prefix->size();
      for (auto field : fields) {
        if (out->size() >= kMaxPaths) return;
        if (base) prefix->push_back('.');
        prefix->append(field.key);
        if (prefix->size() <= kMaxPathBytes) {
          out->push_back(*prefix);
          for (size_t dot = prefix->find('.'); dot != std::string::npos && out->size() < kMaxPaths;
               dot = prefix->find('.', dot + 1))
            out->push_back(prefix->substr(dot + 1));
          DerivePaths(field.value, prefix, depth + 1, out);
        }
        prefix->resize(base);
      }
      return;
    }
    default:
      return;
  }
}

[[noreturn]] void Disagree(std::string_view what, std::string_view path, size_t expected,
                           size_t actual) {
  std::fprintf(stderr,
               "FieldCollector disagrees with ForEachValue (%.*s) on path \"%.*s\": %zu values "
               "expected, %zu collected\n",
               static_cast<int>(what.size()), what.data(), static_cast<int>(path.size()),
               path.data(), expected, actual);
  std::abort();
}

void Check(const FieldCollector& collector, uint32_t slot, Json doc, std::string_view path,
           std::string_view what) {
  std::vector<Identity> expected;
  picket::event::ForEachValue(doc, path, [&](Json v) {
    expected.push_back(IdentityOf(v));
    return false;
  });
  std::span<const Json> actual = collector.Values(slot);
  if (actual.size() != expected.size()) Disagree(what, path, expected.size(), actual.size());
  for (size_t i = 0; i < actual.size(); ++i)
    if (!(IdentityOf(actual[i]) == expected[i])) Disagree(what, path, expected.size(), i);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInput) return 0;
  static simdjson::dom::parser parser;
  static simdjson::dom::parser other_parser;
  static const Json other = [] {
    static const simdjson::padded_string text(
        std::string(R"({"a":{"b":[1,{"c":2}]},"a.b":3,"":4,"a.":{"b":5},".a":6})"));
    return other_parser.parse(text).value();
  }();
  simdjson::dom::element doc;
  if (parser.parse(reinterpret_cast<const char*>(data), size).get(doc)) return 0;

  std::vector<std::string> paths = {"a",   "b",     "a.b", "b.c", "a.b.c", "a.a", ".a", ".", "a..b",
                                    "..a", "a...b", "x.y", "a.",  "a.b.",  "a..", "..", ""};
  std::string prefix;
  DerivePaths(doc, &prefix, 0, &paths);
  std::vector<std::string> checked;
  for (const auto& p : paths) checked.push_back(p);

  FieldCollector forward, backward;
  std::vector<uint32_t> forward_slots, backward_slots(checked.size());
  for (const auto& p : checked) forward_slots.push_back(forward.Add(p));
  for (size_t i = checked.size(); i-- > 0;) backward_slots[i] = backward.Add(checked[i]);
  for (size_t i = 0; i < checked.size(); ++i)
    if (forward.Add(checked[i]) != forward_slots[i])
      Disagree("slot of a path added again", checked[i], 0, 0);

  forward.Collect(doc);
  backward.Collect(other);
  for (size_t i = 0; i < checked.size(); ++i) {
    Check(forward, forward_slots[i], doc, checked[i], "forward");
    Check(backward, backward_slots[i], other, checked[i], "backward, other document");
  }
  forward.Collect(other);
  backward.Collect(doc);
  for (size_t i = 0; i < checked.size(); ++i) {
    Check(forward, forward_slots[i], other, checked[i], "forward, other document");
    Check(backward, backward_slots[i], doc, checked[i], "backward");
  }
  return 0;
}
