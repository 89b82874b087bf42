// FieldCollector: after Collect(doc), Values(slot) is exactly what
// ForEachValue(doc, path) visits, in the same order (dotted keys and nested
// objects are one field, arrays flattened at every level, nulls and empty
// arrays give nothing, objects are values, empty keys never match). Targeted
// cases for each point, then a randomized differential test against
// ForEachValue.
#include "event/field_collector.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace picket::event {
namespace {

// One value, identified: its type, its minified text and, for strings, the
// address of its bytes in the document (so two equal strings at different
// places differ). Numbers in the random documents are all distinct.
std::string Describe(Json v) {
  std::string out;
  out += static_cast<char>(v.type());
  out += ':';
  out += simdjson::minify(v);
  if (v.type() == JsonType::STRING) {
    char address[32];
    std::snprintf(address, sizeof address, "@%p", v.get_string().value_unsafe().data());
    out += address;
  }
  return out;
}

// Minified texts only, for readable expectations in targeted tests.
std::vector<std::string> Texts(std::span<const Json> values) {
  std::vector<std::string> out;
  for (Json v : values) out.push_back(simdjson::minify(v));
  return out;
}

std::vector<Json> Reference(Json doc, std::string_view path) {
  std::vector<Json> out;
  ForEachValue(doc, path, [&](Json v) {
    out.push_back(v);
    return false;
  });
  return out;
}

// Element by element: same count, same identity, same order.
::testing::AssertionResult SameValues(std::span<const Json> actual,
                                      const std::vector<Json>& expected) {
  auto render = [](auto values) {
    std::string s = "[";
    for (Json v : values) s += simdjson::minify(v) + " ";
    return s + "]";
  };
  bool same = actual.size() == expected.size();
  for (size_t i = 0; same && i < actual.size(); ++i)
    same = Describe(actual[i]) == Describe(expected[i]);
  if (same) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "collector " << render(actual) << " != ForEachValue " << render(expected);
}

class FieldCollectorTest : public ::testing::Test {
 protected:
  Json Parse(const std::string& json) {
    documents_.emplace_back(json);
    // One parser per document, so earlier documents stay valid.
    parsers_.push_back(std::make_unique<simdjson::dom::parser>());
    return parsers_.back()->parse(documents_.back()).value();
  }
  // Values of `path` in `json` with a collector holding `paths` (which must
  // include `path`), checked against ForEachValue.
  std::vector<std::string> Collected(const std::string& json, const std::string& path,
                                     std::vector<std::string> paths = {}) {
    if (std::find(paths.begin(), paths.end(), path) == paths.end()) paths.push_back(path);
    FieldCollector c;
    for (const auto& p : paths) c.Add(p);
    Json doc = Parse(json);
    c.Collect(doc);
    std::span<const Json> got = c.Values(c.Add(path));
    EXPECT_TRUE(SameValues(got, Reference(doc, path))) << json << " path " << path;
    return Texts(got);
  }

  std::vector<simdjson::padded_string> documents_;
  std::vector<std::unique_ptr<simdjson::dom::parser>> parsers_;
};

using V = std::vector<std::string>;

TEST_F(FieldCollectorTest, SlotsAreDenseAndStable) {
  FieldCollector c;
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.Add("a.b"), 0u);
  EXPECT_EQ(c.Add("a"), 1u);
  EXPECT_EQ(c.Add("a.b"), 0u);
  EXPECT_EQ(c.Add("b"), 2u);
  EXPECT_EQ(c.Add("a"), 1u);
  EXPECT_EQ(c.size(), 3u);
  // Before any Collect, no slot has values.
  for (uint32_t s = 0; s < 3; ++s) EXPECT_TRUE(c.Values(s).empty());
}

TEST_F(FieldCollectorTest, DottedKeysAndNestedObjectsAreOneField) {
  EXPECT_EQ(Collected(R"({"a.b":1})", "a.b"), V{"1"});
  EXPECT_EQ(Collected(R"({"a":{"b":1}})", "a.b"), V{"1"});
  EXPECT_EQ(Collected(R"({"a.b":{"c":1}})", "a.b.c"), V{"1"});
  EXPECT_EQ(Collected(R"({"a":{"b.c":1}})", "a.b.c"), V{"1"});
  EXPECT_EQ(Collected(R"({"a.b.c":1})", "a.b.c"), V{"1"});
  // Every spelling in one document, in document order.
  EXPECT_EQ(Collected(R"({"a":{"b":{"c":1},"b.c":2},"a.b":{"c":3},"a.b.c":4,"a":{"b":{"c":5}}})",
                      "a.b.c"),
            (V{"1", "2", "3", "4", "5"}));
  // Keys that only share a prefix are other fields.
  EXPECT_EQ(Collected(R"({"ab":1,"a":{"bc":2},"a.bc":3,"a.b":{"cd":4}})", "a.b.c"), V{});
  EXPECT_EQ(Collected(R"({"a":{"b":1}})", "a.b.c"), V{});
  EXPECT_EQ(Collected(R"({"a":1})", "a.b"), V{});
}

TEST_F(FieldCollectorTest, ArraysAreFlattenedAtEveryLevel) {
  EXPECT_EQ(Collected(R"({"a":[1,[2,[3,[]]],4]})", "a"), (V{"1", "2", "3", "4"}));
  EXPECT_EQ(Collected(R"({"a":[{"b":1},{"b":[2,3]},{"c":9},{"b":[[4]]}]})", "a.b"),
            (V{"1", "2", "3", "4"}));
  EXPECT_EQ(Collected(R"({"a":[[{"b":1}],[[{"b":2}],{"b":3}]]})", "a.b"), (V{"1", "2", "3"}));
  EXPECT_EQ(Collected(R"({"a":[{"b.c":[1]},{"b":[{"c":2},[{"c":3}]]}]})", "a.b.c"),
            (V{"1", "2", "3"}));
  // A document that is an array.
  EXPECT_EQ(Collected(R"([{"a":1},[{"a":2}],{"a":[3]}])", "a"), (V{"1", "2", "3"}));
  // Array elements that are objects are values of the array's field.
  EXPECT_EQ(Collected(R"({"a":[{"b":1},[{"c":2}]]})", "a"), (V{R"({"b":1})", R"({"c":2})"}));
}

TEST_F(FieldCollectorTest, NullsAndEmptyArraysGiveNoValue) {
  EXPECT_EQ(Collected(R"({"a":null})", "a"), V{});
  EXPECT_EQ(Collected(R"({"a":[]})", "a"), V{});
  EXPECT_EQ(Collected(R"({"a":[[],[[]],null,[null]]})", "a"), V{});
  EXPECT_EQ(Collected(R"({"a":[null,1,[],[null,2]]})", "a"), (V{"1", "2"}));
  EXPECT_EQ(Collected(R"({"a":{"b":null},"a.b":[null]})", "a.b"), V{});
  // Falsy scalars are values.
  EXPECT_EQ(Collected(R"({"a":[false,0,"",0.0]})", "a"), (V{"false", "0", R"("")", "0.0"}));
}

TEST_F(FieldCollectorTest, ObjectsAreValues) {
  EXPECT_EQ(Collected(R"({"a":{"b":1}})", "a"), V{R"({"b":1})"});
  EXPECT_EQ(Collected(R"({"a":{}})", "a"), V{"{}"});
  EXPECT_EQ(Collected(R"({"a":{"b":null}})", "a"), V{R"({"b":null})"});
  // A field that is both a value and a prefix of another field.
  EXPECT_EQ(Collected(R"({"a":{"b":{"c":1}},"a.b":2})", "a.b", {"a.b.c", "a"}),
            (V{R"({"c":1})", "2"}));
  EXPECT_EQ(Collected(R"({"a":{"b":{"c":1}},"a.b":2})", "a", {"a.b.c", "a.b"}),
            V{R"({"b":{"c":1}})"});
}

TEST_F(FieldCollectorTest, EmptyKeysNeverMatch) {
  EXPECT_EQ(Collected(R"({"":1,"a":2})", "a"), V{"2"});
  EXPECT_EQ(Collected(R"({"":{"a":1}})", "a"), V{});
  EXPECT_EQ(Collected(R"({"":{"a":1}})", ".a"), V{});
  EXPECT_EQ(Collected(R"({"a":{"":{"b":1}}})", "a..b"), V{});
  EXPECT_EQ(Collected(R"({"a":{"":1}})", "a"), V{R"({"":1})"});
}

TEST_F(FieldCollectorTest, KeysWithEmptySegments) {
  // "a..b" is a, then ".b" (a key ".b", or "." then "b"), or "a." then b.
  EXPECT_EQ(Collected(R"({"a":{".b":1},"a.":{"b":2},"a..b":3,"a":{"":{"b":9}},"a.b":8})", "a..b"),
            (V{"1", "2", "3"}));
  EXPECT_EQ(Collected(R"({".a":1,".":{"a":2},"a":3,"":{"a":4}})", ".a"), V{"1"});
  EXPECT_EQ(Collected(R"({".":1,"..":2,"":3})", "."), V{"1"});
  EXPECT_EQ(Collected(R"({"a.":1,"a":2})", "a.b"), V{});
  EXPECT_EQ(Collected(R"({"a.":{"b":1}})", "a.b"), V{});
  EXPECT_EQ(Collected(R"({"a":{".b":1},"a..b":2})", "a.b"), V{});
  // Dotted keys are split at every dot, including leading and doubled ones.
  EXPECT_EQ(Collected(R"({"a":{"b":{"":{"c":1}}},"a.b..c":2,"a.b.":{"c":3}})", "a.b..c",
                      {"a.b.c", "a", "a.b"}),
            (V{"2", "3"}));
}

// ForEachValue("a.", doc) visits the value of "a" itself (the rest of the
// path after "a." is empty, and an empty path is the value), as well as the
// value of a key "a.".
TEST_F(FieldCollectorTest, TrailingDotPathsAsForEachValue) {
  EXPECT_EQ(Collected(R"({"a":1,"a.":2})", "a."), (V{"1", "2"}));
  EXPECT_EQ(Collected(R"({"a":{"b":1}})", "a."), V{R"({"b":1})"});
  EXPECT_EQ(Collected(R"({"a":{"b":[1,[2]]}})", "a.b."), (V{"1", "2"}));
  EXPECT_EQ(Collected(R"({"a.":1})", "a.."), V{"1"});
  EXPECT_EQ(Collected(R"({".":1})", ".."), V{"1"});
}

// ForEachValue(doc, "") visits the document itself.
TEST_F(FieldCollectorTest, EmptyPathAsForEachValue) {
  EXPECT_EQ(Collected(R"({"a":1})", ""), V{R"({"a":1})"});
}

TEST_F(FieldCollectorTest, SegmentsOfEveryLengthCompareEveryByte) {
  // Segments of length 1..40 (across the 8-byte prefix, the 16-byte suffix
  // and the last length bucket), against keys of the same length that
  // differ in one byte, and keys one byte shorter or longer.
  for (size_t length = 1; length <= 40; ++length) {
    std::string segment;
    for (size_t i = 0; i < length; ++i) segment += static_cast<char>('a' + (i * 7) % 26);
    FieldCollector c;
    uint32_t slot = c.Add(segment);
    uint32_t nested = c.Add("x." + segment + ".y");
    std::string doc = "{";
    std::string inner = "{";
    for (size_t i = 0; i < length; ++i) {
      std::string other = segment;
      other[i] = other[i] == 'z' ? 'A' : static_cast<char>(other[i] + 1);
      doc += "\"" + other + "\":0,";
      inner += "\"" + other + ".y\":0,";
    }
    doc += "\"" + segment.substr(0, length - 1) + "\":0,";
    doc += "\"" + segment + "a\":0,";
    doc += "\"" + segment + "\":1,";
    inner += "\"" + segment + "\":{\"y\":2}}";
    doc += "\"x\":" + inner + "}";
    Json json = Parse(doc);
    c.Collect(json);
    EXPECT_TRUE(SameValues(c.Values(slot), Reference(json, segment))) << segment;
    EXPECT_TRUE(SameValues(c.Values(nested), Reference(json, "x." + segment + ".y"))) << segment;
    EXPECT_EQ(Texts(c.Values(slot)), V{"1"}) << segment;
    EXPECT_EQ(Texts(c.Values(nested)), V{"2"}) << segment;
  }
}

TEST_F(FieldCollectorTest, NonAsciiAndEscapedKeys) {
  EXPECT_EQ(Collected(R"({"é":{"ß":1},"é.ß":2,"\u00e9":{"\u00df":3}})", "é.ß"), (V{"1", "2", "3"}));
  EXPECT_EQ(Collected(R"({"a\u0000":1,"a":2,"a\u0000b":3})", "a"), V{"2"});
  EXPECT_EQ(Collected(R"({"\u00ff\u00fe":{"x":1},"\u00ff\u00fd":{"x":2}})", "\u00ff\u00fe.x"),
            V{"1"});
}

TEST_F(FieldCollectorTest, ShorterSiblingsAndDottedKeys) {
  // Children of different lengths under one node; a dotted key longer than
  // the shortest child.
  std::vector<std::string> paths = {"abcdef.x", "abcdefghijklmnop.y", "a.b", "ab.c.d"};
  EXPECT_EQ(Collected(R"({"a.b":1,"abcdef.x":2,"abcdef":{"x":3},"ab.c":{"d":4}})", "a.b", paths),
            V{"1"});
  EXPECT_EQ(
      Collected(R"({"a.b":1,"abcdef.x":2,"abcdef":{"x":3},"ab.c":{"d":4}})", "abcdef.x", paths),
      (V{"2", "3"}));
  EXPECT_EQ(Collected(R"({"ab.c":{"d":4},"ab":{"c.d":5}})", "ab.c.d", paths), (V{"4", "5"}));
  EXPECT_EQ(
      Collected(R"({"abcdefghijklmnop.y":1,"abcdefghijklmnoq.y":2})", "abcdefghijklmnop.y", paths),
      V{"1"});
}

TEST_F(FieldCollectorTest, CollectAgainForgetsThePreviousDocument) {
  FieldCollector c;
  uint32_t a = c.Add("a"), b = c.Add("b.c"), d = c.Add("d");
  Json first = Parse(R"({"a":[1,2],"b":{"c":3},"d":4})");
  c.Collect(first);
  EXPECT_EQ(Texts(c.Values(a)), (V{"1", "2"}));
  EXPECT_EQ(Texts(c.Values(b)), V{"3"});
  EXPECT_EQ(Texts(c.Values(d)), V{"4"});
  Json second = Parse(R"({"b.c":5,"x":6})");
  c.Collect(second);
  EXPECT_TRUE(c.Values(a).empty());
  EXPECT_EQ(Texts(c.Values(b)), V{"5"});
  EXPECT_TRUE(c.Values(d).empty());
  Json empty = Parse("{}");
  c.Collect(empty);
  for (uint32_t s : {a, b, d}) EXPECT_TRUE(c.Values(s).empty());
  // Slots added after a Collect have no values until the next one.
  uint32_t e = c.Add("e");
  EXPECT_TRUE(c.Values(e).empty());
  Json third = Parse(R"({"e":7,"d":[8],"a":9})");
  c.Collect(third);
  EXPECT_EQ(Texts(c.Values(e)), V{"7"});
  EXPECT_EQ(Texts(c.Values(d)), V{"8"});
  EXPECT_EQ(Texts(c.Values(a)), V{"9"});
  EXPECT_TRUE(c.Values(b).empty());
  // The same document twice gives the same values.
  c.Collect(first);
  EXPECT_EQ(Texts(c.Values(a)), (V{"1", "2"}));
  c.Collect(first);
  EXPECT_EQ(Texts(c.Values(a)), (V{"1", "2"}));
  EXPECT_TRUE(c.Values(e).empty());
}

TEST_F(FieldCollectorTest, ScalarAndArrayDocuments) {
  EXPECT_EQ(Collected("1", "a"), V{});
  EXPECT_EQ(Collected("null", "a"), V{});
  EXPECT_EQ(Collected("[]", "a"), V{});
  EXPECT_EQ(Collected("[[[{\"a\":1}]],2]", "a"), V{"1"});
}

// ---- randomized differential test against ForEachValue ----------------------

// Small documents over a small alphabet of keys (dotted, empty, with empty
// segments), with nested objects, arrays of arrays, nulls and scalars. Every
// number is distinct, so values are told apart by their text.
class RandomDocument {
 public:
  explicit RandomDocument(uint32_t seed) : rng_(seed) {}

  std::string Next() {
    std::string out;
    if (Pick(8) == 0) {
      out += '[';
      for (int i = 0, n = Pick(3); i < n; ++i) {
        if (i) out += ',';
        Value(1, &out);
      }
      out += ']';
    } else {
      Object(0, &out);
    }
    return out;
  }

 private:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  void Object(int depth, std::string* out) {
    static const char* const kKeys[] = {"a",  "b", "c",  "a.b", "b.c", "a.a",  "",
                                        "a.", ".", ".a", "b.",  "..",  "a..b", "a.b.c"};
    *out += '{';
    for (int i = 0, n = Pick(depth == 0 ? 6 : 4); i < n; ++i) {
      if (i) *out += ',';
      *out += '"';
      *out += kKeys[Pick(std::size(kKeys))];
      *out += "\":";
      Value(depth + 1, out);
    }
    *out += '}';
  }

  void Array(int depth, std::string* out) {
    *out += '[';
    for (int i = 0, n = Pick(4); i < n; ++i) {
      if (i) *out += ',';
      Value(depth + 1, out);
    }
    *out += ']';
  }

  void Value(int depth, std::string* out) {
    int kind = Pick(depth >= 5 ? 6 : 12);
    switch (kind) {
      case 0:
      case 1:
      case 2:
        *out += std::to_string(++counter_);
        return;
      case 3:
        *out += "\"s" + std::to_string(++counter_) + "\"";
        return;
      case 4:
        *out += "null";
        return;
      case 5:
        *out += Pick(2) ? "true" : "[]";
        return;
      case 6:
      case 7:
        Array(depth, out);
        return;
      default:
        Object(depth, out);
        return;
    }
  }

  std::mt19937 rng_;
  uint64_t counter_ = 0;
};

// Paths the collector is held to; paths ending in a dot and the empty path
// are added by the test after the main one.
const std::vector<std::string> kPaths = {
    "a",   "b",     "c",   "a.b",  "b.c",   "a.a",   "b.a",  "c.a",   "a.b.c", "a.a.b",
    "a.c", "b.b",   ".a",  ".",    "a..b",  ".a.b",  "b..c", "a...b", "a.b.a", "a.a.a",
    "x",   "b.c.a", "..a", "a..a", "a.b.b", "c.a.b", ".b",   "a..b.c"};
const std::vector<std::string> kTrailingDotPaths = {"a.", "b.", "a.b.", "a..", "..", ".a.", ""};

struct Coverage {
  size_t values = 0;
  size_t ordered = 0;        // (document, path) pairs with two or more values
  size_t objects = 0;        // object values
  size_t nested_arrays = 0;  // documents with an array directly in an array
};

// Collects every document with three collectors (all paths in order; all in
// reverse order, each added twice; every third path, fresh per document)
// and compares each path's values with ForEachValue.
void Differential(const std::vector<std::string>& paths, uint32_t seed, int documents,
                  Coverage* coverage) {
  FieldCollector forward, backward;
  std::vector<uint32_t> forward_slots, backward_slots(paths.size());
  for (const auto& p : paths) forward_slots.push_back(forward.Add(p));
  for (size_t i = paths.size(); i-- > 0;) backward_slots[i] = backward.Add(paths[i]);
  for (size_t i = 0; i < paths.size(); ++i) ASSERT_EQ(backward.Add(paths[i]), backward_slots[i]);
  ASSERT_EQ(forward.size(), paths.size());

  RandomDocument random(seed);
  simdjson::dom::parser parser;
  for (int n = 0; n < documents; ++n) {
    std::string text = random.Next();
    simdjson::padded_string padded(text);
    Json doc = parser.parse(padded).value();
    forward.Collect(doc);
    backward.Collect(doc);
    FieldCollector some;
    std::vector<std::pair<uint32_t, size_t>> some_slots;
    for (size_t i = n % 3; i < paths.size(); i += 3) some_slots.push_back({some.Add(paths[i]), i});
    some.Collect(doc);

    if (text.find("[[") != std::string::npos) ++coverage->nested_arrays;
    for (size_t i = 0; i < paths.size(); ++i) {
      std::vector<Json> expected = Reference(doc, paths[i]);
      ASSERT_TRUE(SameValues(forward.Values(forward_slots[i]), expected))
          << "document " << n << ": " << text << "\npath \"" << paths[i] << "\"";
      ASSERT_TRUE(SameValues(backward.Values(backward_slots[i]), expected))
          << "document " << n << ": " << text << "\npath \"" << paths[i] << "\" (reverse order)";
      coverage->values += expected.size();
      if (expected.size() >= 2) ++coverage->ordered;
      for (Json v : expected) coverage->objects += v.type() == JsonType::OBJECT;
    }
    for (auto [slot, i] : some_slots)
      ASSERT_TRUE(SameValues(some.Values(slot), Reference(doc, paths[i])))
          << "document " << n << ": " << text << "\npath \"" << paths[i] << "\" (subset)";
  }
}

TEST(FieldCollectorRandom, MatchesForEachValue) {
  Coverage coverage;
  for (uint32_t seed : {1u, 2u, 3u, 20240601u}) {
    Differential(kPaths, seed, 2000, &coverage);
    if (HasFatalFailure()) return;
  }
  // The documents exercise what the comparison is meant to catch: order
  // (several values per field), flattening (arrays in arrays) and objects.
  EXPECT_GT(coverage.ordered, 1000u);
  EXPECT_GT(coverage.objects, 3000u);
  EXPECT_GT(coverage.nested_arrays, 500u);
  EXPECT_GT(coverage.values, 8000u);
}

// Paths ending in a dot, and the empty path (see TrailingDotPathsAsForEachValue).
TEST(FieldCollectorRandom, MatchesForEachValueOnTrailingDotPaths) {
  Coverage coverage;
  std::vector<std::string> paths = kPaths;
  paths.insert(paths.end(), kTrailingDotPaths.begin(), kTrailingDotPaths.end());
  Differential(paths, 7, 2000, &coverage);
}

// The comparison itself catches reordered and unflattened values.
TEST(FieldCollectorRandom, ComparisonDetectsOrderAndFlattening) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(std::string(R"({"a":[1,[2,"s"]],"b":["s","s"]})"));
  Json doc = parser.parse(padded).value();
  std::vector<Json> a = Reference(doc, "a");
  ASSERT_EQ(a.size(), 3u);
  std::vector<Json> reversed(a.rbegin(), a.rend());
  EXPECT_FALSE(SameValues(a, reversed));
  std::vector<Json> shorter(a.begin(), a.end() - 1);
  EXPECT_FALSE(SameValues(a, shorter));
  std::vector<Json> unflattened = {a[0], doc["a"].at(1).value()};
  EXPECT_FALSE(SameValues(unflattened, std::vector<Json>(a.begin(), a.begin() + 2)));
  // Equal strings at different places are different values.
  std::vector<Json> b = Reference(doc, "b");
  ASSERT_EQ(b.size(), 2u);
  EXPECT_FALSE(SameValues(std::vector<Json>{b[1], b[0]}, b));
  EXPECT_TRUE(SameValues(b, b));
}

}  // namespace
}  // namespace picket::event
