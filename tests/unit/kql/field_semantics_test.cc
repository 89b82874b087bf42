// Matching by field mapping, as Elasticsearch does it (docs/semantics.md).
#include <gtest/gtest.h>

#include "kql/kql_test_helpers.h"

namespace picket::kql {
namespace {

using testing::Eval;
using testing::Types;

TEST(Keyword, ExactAndCaseSensitive) {
  auto t = Types({{"process.name", "keyword"}});
  const char* doc = R"({"process":{"name":"Python"}})";
  EXPECT_EQ(Eval("process.name:python*", doc, t), 0);  // the macOS framework build
  EXPECT_EQ(Eval("process.name:Python*", doc, t), 1);
  EXPECT_EQ(Eval("process.name:Python", doc, t), 1);
  EXPECT_EQ(Eval("process.name:Pyth", doc, t), 0);
  EXPECT_EQ(Eval("process.name:*yth*", doc, t), 1);
  EXPECT_EQ(Eval("process.name:P*t*n", doc, t), 1);
  EXPECT_EQ(Eval("process.name:P*x*n", doc, t), 0);
  EXPECT_EQ(Eval("process.name:\"Pyth*\"", doc, t), 0);  // quoted: literal star
}

TEST(Keyword, QuestionMarkIsLiteral) {
  auto t = Types({{"f", "keyword"}});
  EXPECT_EQ(Eval("f:a?c", R"({"f":"abc"})", t), 0);
  EXPECT_EQ(Eval("f:a?c", R"({"f":"a?c"})", t), 1);
}

TEST(Keyword, IgnoreAboveValuesAreNotIndexed) {
  event::FieldTypes t;
  std::string err;
  ASSERT_TRUE(t.LoadText("f\tkeyword\t8\tf\n", "test", &err)) << err;
  EXPECT_EQ(Eval("f:abcdefgh", R"({"f":"abcdefgh"})", t), 1);
  EXPECT_EQ(Eval("f:abcdefghi", R"({"f":"abcdefghi"})", t), 0);
  EXPECT_EQ(Eval("f:*", R"({"f":"abcdefghi"})", t), 0);
  EXPECT_EQ(Eval("f:*", R"({"f":["abcdefghi","x"]})", t), 1);
}

TEST(Keyword, NumbersAndBooleansAsTerms) {
  auto t = Types({{"k", "keyword"}});
  EXPECT_EQ(Eval("k:42", R"({"k":42})", t), 1);
  EXPECT_EQ(Eval("k:true", R"({"k":true})", t), 1);
  EXPECT_EQ(Eval("k < b", R"({"k":"a"})", t), 1);  // lexicographic range
  EXPECT_EQ(Eval("k < 10", R"({"k":"9"})", t), 0);
}

TEST(Fields, DottedKeysNestedObjectsAndMixtures) {
  auto t = Types({{"process.parent.name", "keyword"}});
  for (const char* doc :
       {R"({"process.parent.name":"x"})", R"({"process":{"parent":{"name":"x"}}})",
        R"({"process.parent":{"name":"x"}})", R"({"process":{"parent.name":"x"}})"})
    EXPECT_EQ(Eval("process.parent.name:x", doc, t), 1) << doc;
  EXPECT_EQ(
      Eval("process.parent.name:x", R"({"process":{"parent":[{"name":"y"},{"name":"x"}]}})", t), 1);
  EXPECT_EQ(Eval("process.parent.name:x", R"({"process":{"parent":{"name":null}}})", t), 0);
  EXPECT_EQ(Eval("not process.parent.name:x", R"({"process":{}})", t), 1);
  EXPECT_EQ(Eval("process.parent.name:*", R"({"process":{"parent":{"name":[]}}})", t), 0);
  EXPECT_EQ(Eval("process.parent.name:x", R"({"process":{"parent":{"name":[["a",["x"]]]}}})", t),
            1);
}

TEST(Fields, ValueListsOverArrays) {
  auto t = Types({{"a", "keyword"}});
  const char* doc = R"({"a":["x","y"]})";
  EXPECT_EQ(Eval("a:(x and y)", doc, t), 1);
  EXPECT_EQ(Eval("a:(x and not y)", doc, t), 0);
  EXPECT_EQ(Eval("a:(z or y)", doc, t), 1);
  EXPECT_EQ(Eval("not a:(z or w)", doc, t), 1);
}

TEST(Fields, WildcardFieldNames) {
  auto t = Types({{"file.hash.md5", "keyword"}, {"file.hash.sha256", "keyword"}});
  const char* doc = R"({"file":{"hash":{"md5":"aa","sha256":"bb"}}})";
  EXPECT_EQ(Eval("file.hash.*:bb", doc, t), 1);
  EXPECT_EQ(Eval("file.hash.*:cc", doc, t), 0);
  EXPECT_EQ(Eval("file.*:*", doc, t), 1);
  EXPECT_EQ(Eval("user.*:*", doc, t), 0);
}

TEST(Text, AnalysedMatchAndPhrase) {
  auto t = Types({{"message", "match_only_text"}});
  const char* doc = R"({"message":"Accepted password for ROOT from 10.0.0.1 port 22"})";
  EXPECT_EQ(Eval("message:root", doc, t), 1);  // lower-cased tokens
  EXPECT_EQ(Eval("message:Password", doc, t), 1);
  EXPECT_EQ(Eval("message:passw", doc, t), 0);                // whole tokens only
  EXPECT_EQ(Eval("message:(nothing here root)", doc, t), 1);  // match: any token
  EXPECT_EQ(Eval("message:\"password for root\"", doc, t), 1);
  EXPECT_EQ(Eval("message:\"root for password\"", doc, t), 0);
  EXPECT_EQ(Eval("message:pass*", doc, t), 1);     // wildcard per token
  EXPECT_EQ(Eval("message:10.0.0.1", doc, t), 1);  // digits keep their dots
}

TEST(Text, MultiFieldReadsParentValue) {
  event::FieldTypes t;
  std::string err;
  ASSERT_TRUE(
      t.LoadText("process.name\tkeyword\t1024\tprocess.name\n"
                 "process.name.text\tmatch_only_text\t0\tprocess.name\n",
                 "test", &err));
  const char* doc = R"({"process":{"name":"Python"}})";
  EXPECT_EQ(Eval("process.name.text:python", doc, t), 1);
  EXPECT_EQ(Eval("process.name:python", doc, t), 0);
}

TEST(Ip, ExactAndCidrV4V6) {
  auto t = Types({{"source.ip", "ip"}});
  EXPECT_EQ(Eval("source.ip:10.1.2.3", R"({"source":{"ip":"10.1.2.3"}})", t), 1);
  EXPECT_EQ(Eval("source.ip:10.0.0.0/8", R"({"source":{"ip":"10.1.2.3"}})", t), 1);
  EXPECT_EQ(Eval("source.ip:10.0.0.0/16", R"({"source":{"ip":"10.1.2.3"}})", t), 0);
  EXPECT_EQ(Eval("source.ip:\"fe80::/10\"", R"({"source":{"ip":"fe80::1"}})", t), 1);
  EXPECT_EQ(Eval("source.ip:fe80\\:\\:1", R"({"source":{"ip":"FE80:0::1"}})", t), 1);
  EXPECT_EQ(Eval("source.ip:\"::ffff:10.1.2.3\"", R"({"source":{"ip":"10.1.2.3"}})", t), 1);
  EXPECT_EQ(Eval("source.ip:10.*", R"({"source":{"ip":"10.1.2.3"}})", t), 0);
  EXPECT_EQ(Eval("source.ip >= 10.1.2.3", R"({"source":{"ip":"10.1.2.4"}})", t), 1);
}

TEST(Numeric, CoercionAndRanges) {
  auto t = Types({{"n", "long"}, {"d", "double"}});
  EXPECT_EQ(Eval("n:42", R"({"n":"42"})", t), 1);  // numeric strings are coerced
  EXPECT_EQ(Eval("n:42.5", R"({"n":42})", t), 0);
  EXPECT_EQ(Eval("n >= 65000", R"({"n":65000})", t), 1);
  EXPECT_EQ(Eval("n > 65000", R"({"n":65000})", t), 0);
  EXPECT_EQ(Eval("n < 10", R"({"n":9})", t), 1);  // numeric, not lexicographic
  EXPECT_EQ(Eval("d:1.5", R"({"d":1.5})", t), 1);
  EXPECT_EQ(Eval("n:abc", R"({"n":1})", t), 0);
}

TEST(Date, ExactValuesRoundToTheirPrecision) {
  auto t = Types({{"@timestamp", "date"}});
  const char* doc = R"({"@timestamp":"2026-03-01T10:00:00.000Z"})";
  EXPECT_EQ(Eval("@timestamp:2026-03-01", doc, t), 1);
  EXPECT_EQ(Eval("@timestamp:2026-03-02", doc, t), 0);
  EXPECT_EQ(Eval("@timestamp:\"2026-03-01T10:00:00Z\"", doc, t), 1);
  EXPECT_EQ(Eval("@timestamp:1772359200000", doc, t), 1);
}

TEST(Date, RangesWithDateMath) {
  auto t = Types({{"@timestamp", "date"}});
  // now = 2026-03-01T10:00:00Z in Eval.
  EXPECT_EQ(Eval("@timestamp >= now-1d", R"({"@timestamp":"2026-02-28T12:00:00Z"})", t), 1);
  EXPECT_EQ(Eval("@timestamp >= now-1d", R"({"@timestamp":"2026-02-27T12:00:00Z"})", t), 0);
  EXPECT_EQ(Eval("@timestamp >= now-7d/d", R"({"@timestamp":"2026-02-22T00:00:00Z"})", t), 1);
  EXPECT_EQ(Eval("@timestamp >= now-7d/d", R"({"@timestamp":"2026-02-21T23:59:59Z"})", t), 0);
  EXPECT_EQ(Eval("@timestamp <= 2026-02-28", R"({"@timestamp":"2026-02-28T23:00:00Z"})", t), 1);
  EXPECT_EQ(Eval("@timestamp < 2026-02-28", R"({"@timestamp":"2026-02-28T00:00:00Z"})", t), 0);
  EXPECT_EQ(Eval("@timestamp > 2026-02-28", R"({"@timestamp":"2026-02-28T23:00:00Z"})", t), 0);
  EXPECT_EQ(Eval("@timestamp > 1000", R"({"@timestamp":2000})", t), 1);  // epoch millis
}

TEST(Boolean, TrueFalseAndStrings) {
  auto t = Types({{"b", "boolean"}});
  EXPECT_EQ(Eval("b:true", R"({"b":true})", t), 1);
  EXPECT_EQ(Eval("b:true", R"({"b":"true"})", t), 1);
  EXPECT_EQ(Eval("b:false", R"({"b":true})", t), 0);
  EXPECT_EQ(Eval("b:yes", R"({"b":true})", t), 0);
}

TEST(FreeText, MatchesAnyFieldByItsType) {
  auto t = Types({{"message", "text"}, {"k", "keyword"}});
  const char* doc = R"({"message":"Hello big World","k":"exact value","n":5})";
  EXPECT_EQ(Eval("world", doc, t), 1);
  EXPECT_EQ(Eval("\"big world\"", doc, t), 1);
  EXPECT_EQ(Eval("\"exact value\"", doc, t), 1);
  EXPECT_EQ(Eval("exact", doc, t), 0);  // keyword needs the whole value
  EXPECT_EQ(Eval("5", doc, t), 1);
  EXPECT_EQ(Eval("*", doc, t), 1);
  EXPECT_EQ(Eval("not missing", doc, t), 1);
}

TEST(ShellSpawnRule, UpstreamQuerySemantics) {
  auto types = event::FieldTypes::BuiltIn();
  const std::string q =
      "event.category:process and host.os.type:macos and event.type:start and "
      "event.action:exec and process.parent.name:python* and "
      "process.name:(bash or dash or sh or tcsh or csh or zsh or ksh or fish) and "
      "process.args:\"-c\" and not process.command_line:(*pip* or *conda* or *brew* or *jupyter*)";
  std::string base =
      R"({"event":{"category":["process"],"type":["start"],"action":"exec"},"host":{"os":{"type":"macos"}},)";
  EXPECT_EQ(
      Eval(
          q,
          base +
              R"("process":{"name":"sh","args":["sh","-c","id"],"command_line":"sh -c id","parent":{"name":"python3.12"}}})",
          *types),
      1);
  EXPECT_EQ(
      Eval(q,
           base + R"("process":{"name":"sh","args":["sh","-c","id"],"parent":{"name":"python3"}}})",
           *types),
      1);
  EXPECT_EQ(
      Eval(
          q,
          base +
              R"("process":{"name":"sh","args":["sh","-c","pip install x"],"command_line":"sh -c pip install x","parent":{"name":"python3"}}})",
          *types),
      0);
  EXPECT_EQ(
      Eval(
          q,
          base + R"("process":{"name":"sh","args":["sh","-lc","id"],"parent":{"name":"python3"}}})",
          *types),
      0);
  EXPECT_EQ(
      Eval(q,
           base + R"("process":{"name":"sh","args":["sh","-c","id"],"parent":{"name":"Python"}}})",
           *types),
      0);
}

}  // namespace
}  // namespace picket::kql
