// EvalContext: values a FieldCollector found are handed over with Adopt and
// served by Values without walking the event; other fields are walked once
// per event; NextEvent forgets both. Matching with a context that adopted a
// collector agrees with matching without one.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <span>

#include "event/field_collector.h"
#include "kql/kql_test_helpers.h"

namespace picket::kql {
namespace {

using event::FieldCollector;
using event::Json;
using V = std::vector<std::string>;

// Which collector slot holds which field, in both forms Adopt has taken:
// the FieldId of each slot, or a FieldId -> slot + 1 table (0: none).
struct Adoption {
  std::vector<uint32_t> ids;
  std::vector<uint32_t> slot_of_id;
  uint32_t Add(FieldCollector* collector, const std::string& path) {
    uint32_t slot = collector->Add(path);
    uint32_t id = FieldId(path);
    if (slot == ids.size()) ids.push_back(id);
    if (id >= slot_of_id.size()) slot_of_id.resize(id + 1, 0);
    slot_of_id[id] = slot + 1;
    return id;
  }
};

template <typename Context>
void AdoptInto(Context* context, const FieldCollector& collector, const Adoption& adoption) {
  if constexpr (requires { context->Adopt(&collector, &adoption.slot_of_id); })
    context->Adopt(&collector, &adoption.slot_of_id);
  else
    context->Adopt(collector, std::span<const uint32_t>(adoption.ids));
}

V Texts(std::span<const Json> values) {
  V out;
  for (Json v : values) out.push_back(simdjson::minify(v));
  return out;
}

class EvalContextTest : public ::testing::Test {
 protected:
  Json ParseJson(const std::string& json) {
    parsers_.push_back(std::make_unique<simdjson::dom::parser>());
    simdjson::padded_string padded(json);
    return parsers_.back()->parse(padded).value();
  }
  std::vector<std::unique_ptr<simdjson::dom::parser>> parsers_;
};

TEST_F(EvalContextTest, AdoptedValuesAreServedWithoutWalking) {
  FieldCollector collector;
  Adoption adoption;
  uint32_t a = adoption.Add(&collector, "ctx_test.a");
  uint32_t bc = adoption.Add(&collector, "ctx_test.b.c");
  uint32_t none = adoption.Add(&collector, "ctx_test.none");
  Json event = ParseJson(R"({"ctx_test":{"a":[1,{"x":2}],"b.c":[[3],null,4]}})");
  Json other = ParseJson(R"({"ctx_test":{"a":9,"b":{"c":9},"none":9}})");
  EvalContext context;
  context.NextEvent();
  collector.Collect(event);
  AdoptInto(&context, collector, adoption);
  EXPECT_EQ(Texts(context.Values(a, "ctx_test.a", event)), (V{"1", R"({"x":2})"}));
  EXPECT_EQ(Texts(context.Values(bc, "ctx_test.b.c", event)), (V{"3", "4"}));
  // The adopted values stand, whatever event is passed: nothing is walked.
  EXPECT_EQ(Texts(context.Values(a, "ctx_test.a", other)), (V{"1", R"({"x":2})"}));
  EXPECT_EQ(Texts(context.Values(bc, "ctx_test.b.c", other)), (V{"3", "4"}));
  // A collected field without values has none, even if `other` has some.
  EXPECT_EQ(Texts(context.Values(none, "ctx_test.none", other)), V{});
}

TEST_F(EvalContextTest, OtherFieldsAreWalkedOncePerEvent) {
  FieldCollector collector;
  Adoption adoption;
  uint32_t a = adoption.Add(&collector, "ctx_test2.a");
  uint32_t b = FieldId("ctx_test2.b");
  Json event = ParseJson(R"({"ctx_test2":{"a":1,"b":[2,[3]]}})");
  Json other = ParseJson(R"({"ctx_test2":{"a":8,"b":9}})");
  EvalContext context;
  context.NextEvent();
  collector.Collect(event);
  AdoptInto(&context, collector, adoption);
  EXPECT_EQ(Texts(context.Values(b, "ctx_test2.b", event)), (V{"2", "3"}));
  EXPECT_EQ(Texts(context.Values(a, "ctx_test2.a", event)), V{"1"});
  // Cached for the event.
  EXPECT_EQ(Texts(context.Values(b, "ctx_test2.b", other)), (V{"2", "3"}));
}

TEST_F(EvalContextTest, NextEventForgetsAdoptedAndWalkedValues) {
  FieldCollector collector;
  Adoption adoption;
  uint32_t a = adoption.Add(&collector, "ctx_test3.a");
  uint32_t b = FieldId("ctx_test3.b");
  Json first = ParseJson(R"({"ctx_test3":{"a":1,"b":2}})");
  Json second = ParseJson(R"({"ctx_test3.a":[3,4],"ctx_test3.b":5})");
  Json third = ParseJson(R"({"ctx_test3":{"a":6,"b":7}})");
  EvalContext context;
  context.NextEvent();
  collector.Collect(first);
  AdoptInto(&context, collector, adoption);
  EXPECT_EQ(Texts(context.Values(a, "ctx_test3.a", first)), V{"1"});
  EXPECT_EQ(Texts(context.Values(b, "ctx_test3.b", first)), V{"2"});
  // A new event without a collector: every field is walked.
  context.NextEvent();
  EXPECT_EQ(Texts(context.Values(a, "ctx_test3.a", second)), (V{"3", "4"}));
  EXPECT_EQ(Texts(context.Values(b, "ctx_test3.b", second)), V{"5"});
  // And with one again.
  context.NextEvent();
  collector.Collect(third);
  AdoptInto(&context, collector, adoption);
  EXPECT_EQ(Texts(context.Values(b, "ctx_test3.b", third)), V{"7"});
  EXPECT_EQ(Texts(context.Values(a, "ctx_test3.a", third)), V{"6"});
}

TEST_F(EvalContextTest, ManyFieldsInAnyOrder) {
  // Slots in one order, FieldIds in another; interleaved with walked fields.
  FieldCollector collector;
  Adoption adoption;
  std::vector<std::string> paths;
  for (int i = 0; i < 40; ++i) paths.push_back("ctx_many.f" + std::to_string((i * 17) % 40));
  FieldId("ctx_many.f39");  // ids not in slot order
  std::vector<uint32_t> ids;
  for (const auto& p : paths) ids.push_back(adoption.Add(&collector, p));
  std::string json = R"({"ctx_many":{)";
  for (int i = 0; i < 40; ++i)
    json += (i ? "," : "") + std::string("\"f") + std::to_string(i) + "\":[" + std::to_string(i) +
            "," + std::to_string(100 + i) + "],\"g" + std::to_string(i) +
            "\":" + std::to_string(200 + i);
  json += "}}";
  Json event = ParseJson(json);
  EvalContext context;
  for (int round = 0; round < 3; ++round) {
    context.NextEvent();
    collector.Collect(event);
    AdoptInto(&context, collector, adoption);
    for (int k = 0; k < 40; ++k) {
      int i = (k * 17) % 40;
      std::string g = "ctx_many.g" + std::to_string(i);
      EXPECT_EQ(Texts(context.Values(FieldId(g), g, event)), V{std::to_string(200 + i)});
      EXPECT_EQ(Texts(context.Values(ids[k], paths[k], event)),
                (V{std::to_string(i), std::to_string(100 + i)}))
          << paths[k];
    }
  }
}

// The engine's use: a collector walks the event for the fields of every
// rule, the context adopts its values, and each rule matches with the
// context. The result is the same as matching without a context.
TEST_F(EvalContextTest, MatchingWithAdoptedValuesAgrees) {
  event::FieldTypes types;
  std::string error;
  ASSERT_TRUE(
      types.LoadText("a\tkeyword\nn\tlong\nt\tkeyword\t0\tt\nt.text\ttext\t0\tt\n"
                     "o\tnested\no.a\tkeyword\n",
                     "test", &error))
      << error;
  const char* const queries[] = {
      "a:x",
      "a:x and n > 1",
      "not a:y",
      "a.b:(x or y)",
      "a:* and not n:*",
      "t.text:hello",
      "n <= 2 or a:z",
      "o:{ a:x }",
      "a.b.c:1",
      "a:(x and not y)",
      "a*:x",
      "x",
      "b:\"x\" and a:x",
      "not (a:x or n < 1)",
      "a.b:* and a:*",
  };
  std::vector<std::unique_ptr<Matcher>> matchers;
  for (const char* q : queries) {
    auto parsed = Parse(q);
    ASSERT_TRUE(parsed.ok()) << q;
    auto compiled = Compile(*parsed.root, types);
    ASSERT_TRUE(compiled.ok()) << q;
    matchers.push_back(std::move(compiled.matcher));
  }
  // The collector holds some of the fields the matchers read; the others
  // are walked.
  FieldCollector collector;
  Adoption adoption;
  for (const char* path : {"a", "n", "t", "a.b", "o", "unused.field"})
    adoption.Add(&collector, path);

  std::mt19937 rng(99);
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  const char* const keys[] = {"a", "n", "t", "a.b", "a.b.c", "o", "b"};
  const char* const values[] = {R"("x")",
                                R"("y")",
                                R"("z")",
                                "0",
                                "1",
                                "2",
                                "null",
                                "[]",
                                R"("Hello world")",
                                R"({"b":"x"})",
                                R"([{"a":"x"}])",
                                R"(["x",["y"]])",
                                R"({"b":{"c":1}})"};
  EvalContext context;
  size_t matches = 0;
  for (int n = 0; n < 3000; ++n) {
    std::string json = "{";
    for (int i = 0, k = pick(5); i < k; ++i)
      json += (i ? "," : "") + std::string("\"") + keys[pick(std::size(keys))] +
              "\":" + values[pick(std::size(values))];
    json += "}";
    simdjson::dom::parser parser;
    simdjson::padded_string padded(json);
    Json event = parser.parse(padded).value();
    context.NextEvent();
    collector.Collect(event);
    AdoptInto(&context, collector, adoption);
    for (size_t q = 0; q < matchers.size(); ++q) {
      bool expected = matchers[q]->Matches(event);
      ASSERT_EQ(matchers[q]->Matches(event, &context), expected) << queries[q] << " on " << json;
      matches += expected;
    }
  }
  EXPECT_GT(matches, 5000u);
}

}  // namespace
}  // namespace picket::kql
