#include "engine/json_intersection.h"

#include <simdjson.h>

#include <optional>
#include <utility>
#include <vector>

#include "engine/json_text.h"

namespace picket::engine {

namespace {

// A JSON value in a form the fold can keep: objects with their members in
// order, arrays, and scalars with their text and comparable value.
struct Node {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;  // unescaped, for kString
  std::string text;    // JSON text, for scalars
  std::vector<std::pair<std::string, Node>> members;
  std::vector<Node> items;
  // Objects and arrays that came from a document are distinct references
  // to JavaScript: never `===`, never found by lodash's intersection.
  bool is_reference() const { return kind == Kind::kArray || kind == Kind::kObject; }
};

Node FromDom(simdjson::dom::element e) {
  Node n;
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
      n.kind = Node::Kind::kObject;
      simdjson::dom::object fields = e.get_object().value_unsafe();  // a local: see document.h
      for (auto field : fields)
        n.members.emplace_back(std::string(field.key), FromDom(field.value));
      return n;
    }
    case simdjson::dom::element_type::ARRAY: {
      n.kind = Node::Kind::kArray;
      simdjson::dom::array items = e.get_array().value_unsafe();
      for (simdjson::dom::element item : items) n.items.push_back(FromDom(item));
      return n;
    }
    case simdjson::dom::element_type::STRING:
      n.kind = Node::Kind::kString;
      n.string = std::string(e.get_string().value_unsafe());
      break;
    case simdjson::dom::element_type::BOOL:
      n.kind = Node::Kind::kBool;
      n.boolean = e.get_bool().value_unsafe();
      break;
    case simdjson::dom::element_type::NULL_VALUE:
      n.kind = Node::Kind::kNull;
      break;
    case simdjson::dom::element_type::INT64:
      n.kind = Node::Kind::kNumber;
      n.number = static_cast<double>(e.get_int64().value_unsafe());
      break;
    case simdjson::dom::element_type::UINT64:
      n.kind = Node::Kind::kNumber;
      n.number = static_cast<double>(e.get_uint64().value_unsafe());
      break;
    default:
      n.kind = Node::Kind::kNumber;
      n.number = e.get_double().value_unsafe();
      break;
  }
  n.text = simdjson::to_string(e);
  return n;
}

// JavaScript `===` (and lodash's SameValueZero, NaN aside) between scalars.
bool SameScalar(const Node& a, const Node& b) {
  if (a.is_reference() || b.is_reference() || a.kind != b.kind) return false;
  switch (a.kind) {
    case Node::Kind::kNull:
      return true;
    case Node::Kind::kBool:
      return a.boolean == b.boolean;
    case Node::Kind::kNumber:
      return a.number == b.number;
    default:
      return a.string == b.string;
  }
}

// lodash intersection(a, b): a's distinct values also in b.
Node ArrayIntersection(const std::vector<const Node*>& a, const std::vector<const Node*>& b) {
  Node out;
  out.kind = Node::Kind::kArray;
  for (const Node* x : a) {
    bool in_b = false, seen = false;
    for (const Node* y : b) in_b |= SameScalar(*x, *y);
    for (const Node& kept : out.items) seen |= SameScalar(*x, kept);
    if (in_b && !seen) out.items.push_back(*x);
  }
  return out;
}

std::vector<const Node*> AsArray(const Node& n) {
  std::vector<const Node*> v;
  if (n.kind == Node::Kind::kArray)
    for (const Node& item : n.items) v.push_back(&item);
  else
    v.push_back(&n);
  return v;
}

// objectPairIntersection; nullopt = undefined.
std::optional<Node> Intersect(const Node& a, const Node& b) {
  Node out;
  out.kind = Node::Kind::kObject;
  for (const auto& [key, av] : a.members) {
    const Node* bv = nullptr;
    for (const auto& [k, v] : b.members)
      if (k == key) bv = &v;  // the last of duplicate keys, as JSON.parse keeps it
    if (!bv) continue;
    if (av.kind == Node::Kind::kObject && bv->kind == Node::Kind::kObject) {
      if (std::optional<Node> sub = Intersect(av, *bv)) out.members.emplace_back(key, *sub);
    } else if (SameScalar(av, *bv)) {
      out.members.emplace_back(key, av);
    } else if (av.kind == Node::Kind::kArray || bv->kind == Node::Kind::kArray) {
      out.members.emplace_back(key, ArrayIntersection(AsArray(av), AsArray(*bv)));
    }
  }
  if (out.members.empty()) return std::nullopt;
  return out;
}

void Write(const Node& n, std::string* out) {
  switch (n.kind) {
    case Node::Kind::kObject: {
      out->push_back('{');
      bool first = true;
      for (const auto& [key, value] : n.members) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsonKey(out, key);
        Write(value, out);
      }
      out->push_back('}');
      return;
    }
    case Node::Kind::kArray: {
      out->push_back('[');
      for (size_t i = 0; i < n.items.size(); ++i) {
        if (i) out->push_back(',');
        Write(n.items[i], out);
      }
      out->push_back(']');
      return;
    }
    default:
      out->append(n.text);
  }
}

}  // namespace

std::string IntersectJsonObjects(std::span<const std::string_view> objects) {
  simdjson::dom::parser parser;
  std::optional<Node> acc;
  for (size_t i = 0; i < objects.size(); ++i) {
    Node node;
    node.kind = Node::Kind::kObject;
    simdjson::padded_string padded(objects[i]);
    simdjson::dom::element root;
    if (!parser.parse(padded).get(root) && root.type() == simdjson::dom::element_type::OBJECT)
      node = FromDom(root);
    if (i == 0) {
      acc = std::move(node);
    } else {
      if (!acc) break;
      acc = Intersect(*acc, node);
    }
  }
  std::string out;
  if (!acc || acc->members.empty()) return "{}";
  Write(*acc, &out);
  return out;
}

}  // namespace picket::engine
