// Join-key values read from events by mapping type, as Elasticsearch's
// fields API gives them to the sequence matcher.
#include "eql/sequence_key_reader.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "eql/sequence_key.h"

namespace picket::eql {
namespace {

std::vector<std::string> Keys(const std::string& json, std::vector<JoinKeyField> fields) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_FALSE(parser.parse(json).get(doc));
  std::vector<std::string> keys;
  ReadJoinKeys(doc, fields, 100, &keys);
  std::vector<std::string> out;
  for (const std::string& k : keys) {
    out.emplace_back();
    AppendJoinKeyJson(&out.back(), k);
  }
  return out;
}

JoinKeyField Field(std::string path, event::FieldType type, bool optional = false) {
  JoinKeyField f;
  f.path = std::move(path);
  f.optional = optional;
  f.info.type = type;
  return f;
}

using V = std::vector<std::string>;
using event::FieldType;

TEST(SequenceKeyReader, ValuesByMappingType) {
  std::string doc = R"({"k":123,"l":"77","l2":1.9,"d":"1.5","b":"true","ip":"2001:DB8:0:0::1",)"
                    R"("ip4":"::ffff:10.0.0.1","t":"2026-02-26T10:00:00Z","s":"x","bad":"abc"})";
  EXPECT_EQ(Keys(doc, {Field("k", FieldType::kKeyword)}), V{R"(["123"])"});
  EXPECT_EQ(Keys(doc, {Field("l", FieldType::kLong)}), V{"[77]"});
  EXPECT_EQ(Keys(doc, {Field("l2", FieldType::kLong)}), V{"[1]"});
  EXPECT_EQ(Keys(doc, {Field("d", FieldType::kDouble)}), V{"[1.5]"});
  EXPECT_EQ(Keys(doc, {Field("b", FieldType::kBoolean)}), V{"[true]"});
  EXPECT_EQ(Keys(doc, {Field("ip", FieldType::kIp)}), V{R"(["2001:db8::1"])"});
  EXPECT_EQ(Keys(doc, {Field("ip4", FieldType::kIp)}), V{R"(["10.0.0.1"])"});
  EXPECT_EQ(Keys(doc, {Field("t", FieldType::kDate)}), V{R"(["2026-02-26T10:00:00.000Z"])"});
  EXPECT_TRUE(Keys(doc, {Field("bad", FieldType::kLong)}).empty());  // not a long: no value
  JoinKeyField capped = Field("s", FieldType::kKeyword);
  capped.info.ignore_above = 0;
  EXPECT_EQ(Keys(doc, {capped}), V{R"(["x"])"});
  EXPECT_TRUE(Keys(R"({"s":"longer"})", {[] {
                     JoinKeyField f = Field("s", FieldType::kKeyword);
                     f.info.ignore_above = 3;
                     return f;
                   }()})
                  .empty());
}

// A required key without a value leaves the event out; an optional one
// joins on null; several values give every combination (the first key
// varying fastest), each once.
TEST(SequenceKeyReader, MissingOptionalAndMultiValued) {
  std::string doc = R"({"h":["a","b","a"],"p":[1,2],"n":null})";
  EXPECT_TRUE(
      Keys(doc, {Field("h", FieldType::kKeyword), Field("x", FieldType::kKeyword)}).empty());
  EXPECT_EQ(Keys(doc, {Field("h", FieldType::kKeyword), Field("n", FieldType::kKeyword, true)}),
            (V{R"(["a",null])", R"(["b",null])"}));
  EXPECT_EQ(Keys(doc, {Field("h", FieldType::kKeyword), Field("p", FieldType::kLong)}),
            (V{R"(["a",1])", R"(["b",1])", R"(["a",2])", R"(["b",2])"}));
}

// One key field takes a shorter path than the product of several: it must
// give the same keys, count and limit as JoinKeyProduct over its values.
TEST(SequenceKeyReader, OneFieldAsTheProductOfOne) {
  simdjson::dom::parser parser;
  const char* docs[] = {R"({"h":["a","b","a","c"]})",
                        R"({"h":"a"})",
                        R"({"h":null})",
                        R"({"x":1})",
                        R"({"h":[[],{"y":1},7]})",
                        R"({"h.z":1,"h":{"z":[2,2]}})"};
  const char* paths[] = {"h", "h.z"};
  for (const char* json : docs) {
    simdjson::dom::element doc;
    ASSERT_FALSE(parser.parse(std::string(json)).get(doc));
    for (const char* path : paths) {
      for (bool optional : {false, true}) {
        for (size_t limit : {size_t{0}, size_t{1}, size_t{2}, size_t{100}}) {
          JoinKeyField f = Field(path, FieldType::kKeyword, optional);
          std::vector<std::vector<std::string>> values(1);
          size_t want_total = 0;
          std::vector<std::string> want{"old"};
          if (ReadJoinKeyValues(doc, f, &values[0]) > 0 || optional)
            want_total = JoinKeyProduct(values, limit, &want);
          std::vector<std::string> got{"old"};  // keys already there stay
          size_t total = ReadJoinKeys(doc, std::span<const JoinKeyField>(&f, 1), limit, &got);
          EXPECT_EQ(total, want_total) << json << " " << path << " " << optional << " " << limit;
          EXPECT_EQ(got, want) << json << " " << path << " " << optional << " " << limit;
        }
      }
    }
  }
}

}  // namespace
}  // namespace picket::eql
