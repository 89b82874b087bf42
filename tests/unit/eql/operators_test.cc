// Conformance: EQL operators against Elasticsearch's answers. Each test
// names the section of the Elasticsearch reference ("EQL syntax reference"
// unless said otherwise) or the Elasticsearch source test it comes from.
// How Elasticsearch runs a condition (eql/compile.h): a field compared with
// constants is an index query (term, range, wildcard, regexp, terms with
// case_insensitive where the operator is), combined with bool must / should
// / must_not; computed values are scripts. Hence "a missing field" answers:
// `f == "x"` is false, `not f == "x"` and `f != "x"` are true
// (querytranslator_tests.txt: notFilter, fieldNotEqualsTrue).
#include <gtest/gtest.h>

#include "eql/eql_test_helpers.h"

namespace picket::eql {
namespace {

using testing::Match;
using testing::Types;

event::FieldTypes Ecs() {
  return Types({{"process.name", "keyword"},
                {"process.command_line", "wildcard"},
                {"process.args", "keyword"},
                {"process.args_count", "long"},
                {"process.pid", "long"},
                {"process.parent.name", "keyword"},
                {"file.path", "keyword"},
                {"file.name", "keyword"},
                {"file.extension", "keyword"},
                {"file.size", "long"},
                {"user.name", "keyword"},
                {"user.id", "keyword"},
                {"source.ip", "ip"},
                {"source.port", "long"},
                {"url.domain", "keyword"},
                {"event.category", "keyword"},
                {"event.code", "keyword"},
                {"event.duration", "double"},
                {"@timestamp", "date"},
                {"dll.code_signature.trusted", "boolean"},
                {"message", "match_only_text"},
                {"host.name", "keyword"},
                {"host.name.text", "match_only_text"}});
}

const char* kSvchost = R"({"process":{"name":"svchost.exe","pid":4,"args_count":4}})";

// "Comparison operators": == is case-sensitive and has no wildcards.
TEST(Comparison, EqualsIsCaseSensitiveWithoutWildcards) {
  auto t = Ecs();
  EXPECT_EQ(Match(R"(process.name == "svchost.exe")", kSvchost, t), 1);
  EXPECT_EQ(Match(R"(process.name == "SVCHOST.EXE")", kSvchost, t), 0);
  EXPECT_EQ(Match(R"(process.name == "svchost*")", kSvchost, t), 0);
  EXPECT_EQ(Match(R"(process.name == "svchost*")", R"({"process":{"name":"svchost*"}})", t), 1);
  EXPECT_EQ(Match(R"("svchost.exe" == process.name)", kSvchost, t), 1);  // constant first
}

// "Comparison operators": != (a bool must_not of the term query).
TEST(Comparison, NotEquals) {
  auto t = Ecs();
  EXPECT_EQ(Match(R"(process.name != "svchost.exe")", kSvchost, t), 0);
  EXPECT_EQ(Match(R"(process.name != "cmd.exe")", kSvchost, t), 1);
  EXPECT_EQ(Match(R"(process.name != "SVCHOST.EXE")", kSvchost, t), 1);  // case-sensitive
  // Missing field: must_not term matches (querytranslator_tests.txt fieldNotEqualsTrue).
  EXPECT_EQ(Match(R"(user.name != "root")", kSvchost, t), 1);
  // Several values: must_not of a term that one value matches.
  EXPECT_EQ(Match(R"(process.args != "-c")", R"({"process":{"args":["sh","-c"]}})", t), 0);
}

// "Comparison operators": < <= > >=, numeric on numbers; "When comparing
// strings, the operator uses a case-sensitive lexicographic order".
TEST(Comparison, Ranges) {
  auto t = Ecs();
  EXPECT_EQ(Match("process.pid < 5", kSvchost, t), 1);
  EXPECT_EQ(Match("process.pid <= 4", kSvchost, t), 1);
  EXPECT_EQ(Match("process.pid > 4", kSvchost, t), 0);
  EXPECT_EQ(Match("process.pid >= 4", kSvchost, t), 1);
  EXPECT_EQ(Match("process.pid > 3.5", kSvchost, t), 1);
  EXPECT_EQ(Match("-1 < process.pid", kSvchost, t), 1);  // VerifierTests testQueryOk
  EXPECT_EQ(Match(R"(process.name > "r")", kSvchost, t), 1);
  EXPECT_EQ(Match(R"(process.name > "t")", kSvchost, t), 0);
  EXPECT_EQ(Match(R"(process.name < "SVCHOST")", kSvchost, t), 0);  // 'S' < 's'
  EXPECT_EQ(Match(R"(user.name < "b")", R"({"user":{"name":"B"}})", t), 1);
  // Code point order: "é" (U+00E9) sorts after "z".
  EXPECT_EQ(Match(R"(user.name > "z")", R"({"user":{"name":"\u00e9"}})", t), 1);
  // A number on a keyword field compares as text ("9" > "10").
  EXPECT_EQ(Match(R"(user.id > "10")", R"({"user":{"id":"9"}})", t), 1);
  // IP addresses in address order.
  EXPECT_EQ(Match(R"(source.ip >= "10.0.0.0")", R"({"source":{"ip":"10.1.2.3"}})", t), 1);
  // Dates: a range query with Elasticsearch's date parsing.
  EXPECT_EQ(Match(R"(@timestamp > "2026-02-28")", R"({"@timestamp":"2026-03-01T00:00:00Z"})", t),
            1);
  EXPECT_EQ(Match(R"(@timestamp > "2026-03-01")", R"({"@timestamp":"2026-03-01T12:00:00Z"})", t),
            0);
  EXPECT_EQ(Match(R"(@timestamp >= "now-1d")", R"({"@timestamp":"2026-03-01T09:00:00Z"})", t), 1);
}

// "Limitations for comparisons": chained comparisons are a syntax error;
// the right side is a constant (see verifier_test.cc for field vs field).
TEST(Comparison, FieldTypesDecideEquality) {
  auto t = Ecs();
  // ip: an address or a CIDR block (a term query on an ip field).
  EXPECT_EQ(Match(R"(source.ip == "10.1.2.3")", R"({"source":{"ip":"10.1.2.3"}})", t), 1);
  EXPECT_EQ(Match(R"(source.ip == "10.0.0.0/8")", R"({"source":{"ip":"10.1.2.3"}})", t), 1);
  EXPECT_EQ(Match(R"(source.ip == "::ffff:10.1.2.3")", R"({"source":{"ip":"10.1.2.3"}})", t), 1);
  // numbers: numeric equality, a numeric string coerced, a fraction never
  // equals a long.
  EXPECT_EQ(Match("process.pid == 4", R"({"process":{"pid":"4"}})", t), 1);
  EXPECT_EQ(Match("process.pid == 4.0", kSvchost, t), 1);
  EXPECT_EQ(Match("process.pid == 4.5", kSvchost, t), 0);
  EXPECT_EQ(Match(R"(process.pid == "4")", kSvchost, t), 1);
  EXPECT_EQ(Match("event.duration == 1.5", R"({"event":{"duration":1.5}})", t), 1);
  // keyword: a number is its text.
  EXPECT_EQ(Match("event.code == 4624", R"({"event":{"code":"4624"}})", t), 1);
  EXPECT_EQ(Match(R"(event.code == "4624")", R"({"event":{"code":4624}})", t), 1);
  // dates: the precision written ("2026-03-01" is the whole day).
  EXPECT_EQ(Match(R"(@timestamp == "2026-03-01")", R"({"@timestamp":"2026-03-01T23:59:59Z"})", t),
            1);
  EXPECT_EQ(Match(R"(@timestamp == "2026-03-01")", R"({"@timestamp":"2026-03-02T00:00:00Z"})", t),
            0);
  // booleans.
  EXPECT_EQ(Match("dll.code_signature.trusted == true",
                  R"({"dll":{"code_signature":{"trusted":true}}})", t),
            1);
  EXPECT_EQ(Match("dll.code_signature.trusted == false",
                  R"({"dll":{"code_signature":{"trusted":true}}})", t),
            0);
  // A boolean field alone is `field == true` (AddMissingEqualsToBoolField).
  EXPECT_EQ(
      Match("dll.code_signature.trusted", R"({"dll":{"code_signature":{"trusted":true}}})", t), 1);
  EXPECT_EQ(
      Match("not dll.code_signature.trusted", R"({"dll":{"code_signature":{"trusted":false}}})", t),
      1);
}

// "Comparison operators": `:` case-insensitive, wildcards, lists;
// "Wildcards" section examples.
TEST(InsensitiveEquals, WildcardsAndLists) {
  auto t = Types({{"my_field", "keyword"}});
  auto f = [&](const char* cond, const char* value) {
    return Match(cond, std::string(R"({"my_field":")") + value + "\"}", t);
  };
  EXPECT_EQ(f(R"(my_field : "doc*")", "doc"), 1);
  EXPECT_EQ(f(R"(my_field : "doc*")", "document"), 1);
  EXPECT_EQ(f(R"(my_field : "doc*")", "DOS"), 0);
  EXPECT_EQ(f(R"(my_field : "doc*")", "DOCUMENT"), 1);
  EXPECT_EQ(f(R"(my_field : "*doc")", "asciidoc"), 1);
  EXPECT_EQ(f(R"(my_field : "d*c")", "disc"), 1);
  EXPECT_EQ(f(R"(my_field : "doc?")", "docs"), 1);
  EXPECT_EQ(f(R"(my_field : "doc?")", "doc"), 0);
  EXPECT_EQ(f(R"(my_field : "doc?")", "document"), 0);
  EXPECT_EQ(f(R"(my_field : "?doc")", "adoc"), 1);
  EXPECT_EQ(f(R"(my_field : "?doc")", "asciidoc"), 0);
  EXPECT_EQ(f(R"(my_field : "d?c")", "doc"), 1);
  EXPECT_EQ(f(R"(my_field : "d?c")", "disc"), 0);
  EXPECT_EQ(f(R"(my_field : ("doc*", "f*o", "ba?", "qux"))", "FOO"), 1);
  EXPECT_EQ(f(R"(my_field : ("doc*", "f*o", "ba?", "qux"))", "bar"), 1);
  EXPECT_EQ(f(R"(my_field : ("doc*", "f*o", "ba?", "qux"))", "quux"), 0);
  EXPECT_EQ(f(R"(my_field : "EXPLORER.EXE")", "explorer.exe"), 1);
  // ? is one character, not one byte.
  EXPECT_EQ(f(R"(my_field : "caf?")", "caf\u00e9"), 1);
  // A backslash is an ordinary character in an EQL pattern.
  EXPECT_EQ(f(R"(my_field : "C:\\Windows\\*")", "c:\\\\windows\\\\system32"), 1);
  // Case folding beyond ASCII, per code point (Lucene's automaton).
  EXPECT_EQ(f(R"(my_field : "\u{00C9}t\u{00C9}")", "\u00e9t\u00e9"), 1);
}

// "Pattern comparison keywords": like / like~ / regex / regex~.
TEST(Patterns, LikeAndRegex) {
  auto t = Types({{"my_field", "keyword"}});
  auto f = [&](const char* cond, const char* value) {
    return Match(cond, std::string(R"({"my_field":")") + value + "\"}", t);
  };
  EXPECT_EQ(f(R"(my_field like "DOC*")", "DOCUMENT"), 1);
  EXPECT_EQ(f(R"(my_field like "DOC*")", "DOS"), 0);
  EXPECT_EQ(f(R"(my_field like "DOC*")", "document"), 0);  // case-sensitive
  EXPECT_EQ(f(R"(my_field like "D*C")", "DisC"), 1);
  EXPECT_EQ(f(R"(my_field like "DOC?")", "DOCs"), 1);
  EXPECT_EQ(f(R"(my_field like "D?c")", "DOC"), 0);
  EXPECT_EQ(f(R"(my_field like~ "value*")", "VALUE-1"), 1);
  EXPECT_EQ(f(R"(my_field like ("Value-*", "VALUE2", "VAL?"))", "VAL3"), 1);
  EXPECT_EQ(f(R"(my_field like ("Value-*", "VALUE2", "VAL?"))", "value2"), 0);
  EXPECT_EQ(f(R"(my_field like~ ("value-*", "value2", "val?"))", "VALUE2"), 1);
  EXPECT_EQ(f(R"(my_field regex "VALUE[^Z].?")", "VALUEA"), 1);
  EXPECT_EQ(f(R"(my_field regex "VALUE[^Z].?")", "VALUEZ"), 0);
  EXPECT_EQ(f(R"(my_field regex "VALUE[^Z].?")", "valueA"), 0);
  EXPECT_EQ(f(R"(my_field regex~ "value[^z].?")", "VALUEAB"), 1);
  EXPECT_EQ(f(R"(my_field regex ("[vV]alue-[0-9]", "VALUE[^2].?", "VAL3"))", "Value-7"), 1);
  EXPECT_EQ(f(R"(my_field regex~ ("value-[0-9]", "value[^2].?", "val3"))", "VAL3"), 1);
}

// Query DSL "Regular expression syntax" (Lucene's dialect), which a regex
// on a field runs: anchored, `.` any character, "..." literal, ^ and $ plain
// characters, \d \s \w, repeats, optional operators.
TEST(Patterns, LuceneRegexDialect) {
  auto t = Types({{"f", "keyword"}});
  auto f = [&](const char* re, const char* value) {
    return Match(std::string("f regex \"\"\"") + re + "\"\"\"",
                 std::string(R"({"f":)") + value + "}", t);
  };
  EXPECT_EQ(f("abc", R"("abc")"), 1);
  EXPECT_EQ(f("abc", R"("xabcx")"), 0);  // the whole value
  EXPECT_EQ(f("a.c", R"("a\nc")"), 1);   // . matches a newline
  EXPECT_EQ(f("^abc", R"("abc")"), 0);   // ^ is a character
  EXPECT_EQ(f("^abc", R"("^abc")"), 1);
  EXPECT_EQ(f("a$", R"("a$")"), 1);
  EXPECT_EQ(f("\"a.b\"c", R"("a.bc")"), 1);  // a quoted literal
  EXPECT_EQ(f("\"a.b\"c", R"("axbc")"), 0);
  EXPECT_EQ(f("\\d{3}-\\w+", R"("123-abc_9")"), 1);
  EXPECT_EQ(f("a{2,3}", R"("aaaa")"), 0);
  EXPECT_EQ(f("a{2,}", R"("aaaa")"), 1);
  EXPECT_EQ(f("(ab)+", R"("ababab")"), 1);
  EXPECT_EQ(f(".*?x", R"("yyx")"), 1);  // *? is (.*)? in Lucene
  EXPECT_EQ(f("@", R"("anything")"), 1);
  EXPECT_EQ(f("#|a", R"("a")"), 1);
  EXPECT_EQ(f("<1-12>", R"("7")"), 1);
  EXPECT_EQ(f("<1-12>", R"("13")"), 0);
  EXPECT_EQ(f("<1-12>", R"("007")"), 1);  // variable width: leading zeros
  EXPECT_EQ(f("<01-12>", R"("07")"), 1);  // fixed width
  EXPECT_EQ(f("<01-12>", R"("7")"), 0);
  EXPECT_EQ(f("\\n", R"("n")"), 1);  // \n is the letter n
  EXPECT_EQ(f("[a-c]+x", R"("abcx")"), 1);
  EXPECT_EQ(f("*ab", R"("*ab")"), 1);  // a leading * is a character
  // regex~ is ASCII-only case-insensitive.
  EXPECT_EQ(Match(R"(f regex~ "ab[c-d]")", R"({"f":"ABD"})", t), 1);
  // The operators RE2 cannot run are refused with the reason.
  EXPECT_NE(testing::Error(R"(any where f regex "a&b")", t).find("intersection"),
            std::string::npos);
  EXPECT_NE(testing::Error(R"(any where f regex "~a")", t).find("complement"), std::string::npos);
}

// "Lookup operators": in (case-sensitive), in~, not in, not in~.
TEST(Lookup, InAndNotIn) {
  auto t = Types({{"my_field", "keyword"}, {"n", "long"}});
  auto f = [&](const char* cond, const char* value) {
    return Match(cond, std::string(R"({"my_field":")") + value + "\"}", t);
  };
  EXPECT_EQ(f(R"(my_field in ("Value-1", "VALUE2", "VAL3"))", "VALUE2"), 1);
  EXPECT_EQ(f(R"(my_field in ("Value-1", "VALUE2", "VAL3"))", "value2"), 0);
  EXPECT_EQ(f(R"(my_field in~ ("value-1", "value2", "val3"))", "VALUE2"), 1);
  EXPECT_EQ(f(R"(my_field not in ("Value-1", "VALUE2", "VAL3"))", "value2"), 1);
  EXPECT_EQ(f(R"(my_field not in~ ("value-1", "value2", "val3"))", "VALUE2"), 0);
  // in~ compares verbatim: * and ? are characters (inFilterInsensitiveVerbatimMatch).
  EXPECT_EQ(f(R"(my_field in~ ("test*"))", "TEST*"), 1);
  EXPECT_EQ(f(R"(my_field in~ ("test*"))", "testing"), 0);
  EXPECT_EQ(Match("n in (1, 2, 3)", R"({"n":2})", t), 1);
  EXPECT_EQ(Match("n in (1, 2, 3)", R"({"n":[7, 3]})", t), 1);
  // not in on a missing field: must_not terms matches.
  EXPECT_EQ(Match(R"(my_field not in ("a"))", "{}", t), 1);
  EXPECT_EQ(Match(R"(my_field in ("a", null))", R"({"my_field":"a"})", t), 1);
}

// "Math operators" and the warning on integer division.
TEST(Math, OperatorsAndIntegerDivision) {
  auto t = Ecs();
  auto args = [](int n) { return "{\"process\":{\"args_count\":" + std::to_string(n) + "}}"; };
  EXPECT_EQ(Match("( 4 / process.args_count ) == 1", args(4), t), 1);
  EXPECT_EQ(Match("( 4 / process.args_count ) == 1", args(3), t), 1);  // rounds down
  EXPECT_EQ(Match("( 4.0 / process.args_count ) == 1", args(3), t), 0);
  EXPECT_EQ(Match("( 4.0 / process.args_count ) == 1", args(4), t), 1);
  EXPECT_EQ(Match("process.args_count + 1 == 5", args(4), t), 1);
  EXPECT_EQ(Match("process.args_count - 1 == 3", args(4), t), 1);
  EXPECT_EQ(Match("process.args_count * 2 == 8", args(4), t), 1);
  EXPECT_EQ(Match("process.args_count % 3 == 1", args(4), t), 1);
  EXPECT_EQ(Match("-process.args_count == -4", args(4), t), 1);
  EXPECT_EQ(Match("1 + 2 * 3 == 7", "{}", t), 1);
  EXPECT_EQ(Match("(1 + 2) * 3 == 9", "{}", t), 1);
  EXPECT_EQ(Match("-7 % 3 == -1", "{}", t), 1);  // Java remainder
  EXPECT_EQ(Match("7 / 2 == 3", "{}", t), 1);
  EXPECT_EQ(Match("7 / 2.0 == 3.5", "{}", t), 1);
  // Division by zero of a field value: the script fails; no match.
  EXPECT_EQ(Match("4 / process.args_count == 1", args(0), t), 0);
  // of constants: folded when the query is planned, so Elasticsearch
  // refuses the query.
  EXPECT_NE(testing::Error("any where 1 / 0 == 1", t), "");
}

// "Logical operators".
TEST(Logic, AndOrNot) {
  auto t = Ecs();
  EXPECT_EQ(Match(R"(process.name == "svchost.exe" and process.pid == 4)", kSvchost, t), 1);
  EXPECT_EQ(Match(R"(process.name == "svchost.exe" and process.pid == 5)", kSvchost, t), 0);
  EXPECT_EQ(Match(R"(process.name == "x" or process.pid == 4)", kSvchost, t), 1);
  EXPECT_EQ(Match(R"(not process.name == "x")", kSvchost, t), 1);
  EXPECT_EQ(Match(R"(not (process.name == "x" or process.pid == 4))", kSvchost, t), 0);
  // A missing field under not: bool must_not (querytranslator_tests.txt notFilter).
  EXPECT_EQ(Match("not (process.parent.name == \"x\")", kSvchost, t), 1);
  EXPECT_EQ(Match("not (source.port > -1)", kSvchost, t), 1);
}

// "Match any condition".
TEST(Conditions, WhereTrue) {
  auto t = Ecs();
  auto q = testing::Compile("file where true", t);
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(testing::MatchesDoc(*q.query->event.matcher, R"({"event":{"category":["file"]}})"));
  EXPECT_FALSE(testing::MatchesDoc(*q.query->event.matcher, R"({"event":{"category":"process"}})"));
  EXPECT_FALSE(testing::MatchesDoc(*q.query->event.matcher, "{}"));
  // The category is a case-sensitive term on event.category.
  EXPECT_FALSE(testing::MatchesDoc(*q.query->event.matcher, R"({"event":{"category":"FILE"}})"));
  EXPECT_EQ(Match("true", "{}", t), 1);
  EXPECT_EQ(Match("false", "{}", t), 0);
  // Another event category field (the API's event_category_field, a
  // rule's event_category_override).
  QueryOptions o;
  o.event_category_field = "event.type";
  auto r = CompileQuery("start where true", t, o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(testing::MatchesDoc(*r.query->event.matcher, R"({"event":{"type":["start"]}})"));
  EXPECT_FALSE(testing::MatchesDoc(*r.query->event.matcher, R"({"event":{"category":"start"}})"));
}

// "Optional fields" and "Check if a field exists".
TEST(Null, OptionalFieldsAndExistence) {
  auto t = Ecs();
  EXPECT_EQ(Match("?user.id != null", R"({"user":{"id":"u1"}})", t), 1);
  EXPECT_EQ(Match("?user.id != null", "{}", t), 0);
  EXPECT_EQ(Match("?user.id == null", "{}", t), 1);
  EXPECT_EQ(Match("user.id == null", R"({"user":{"id":null}})", t), 1);
  EXPECT_EQ(Match("user.id == null", R"({"user":{"id":[]}})", t), 1);
  EXPECT_EQ(Match("user.id != null", R"({"user":{"id":""}})", t), 1);  // "" is a value
  // A field the (complete) mapping lacks is null when optional.
  auto r = testing::Compile("network where ?missing.field != null", t, /*complete=*/true);
  ASSERT_TRUE(r.ok()) << r.error.message;
  EXPECT_FALSE(testing::MatchesDoc(*r.query->event.matcher,
                                   R"({"event":{"category":"network"},"missing":{"field":1}})"));
  auto r2 = testing::Compile("network where ?missing.field == null", t, true);
  ASSERT_TRUE(r2.ok());
  EXPECT_TRUE(testing::MatchesDoc(*r2.query->event.matcher, R"({"event":{"category":"network"}})"));
  // Comparisons with null other than == and != are null: never true.
  EXPECT_EQ(Match("process.pid < null", kSvchost, t), 0);
  EXPECT_EQ(Match("null == null", "{}", t), 1);
}

// "Comparing fields" (Limitations) and the null rules of scripts: a
// function of a missing field is null, and a null comparison is not true.
TEST(Null, ComputedValuesOfMissingFields) {
  auto t = Ecs();
  EXPECT_EQ(Match("length(user.name) > 0", "{}", t), 0);
  EXPECT_EQ(Match("length(user.name) == null", "{}", t), 1);
  EXPECT_EQ(Match("not length(user.name) > 0", "{}", t), 1);  // not of a script query
  EXPECT_EQ(Match(R"(concat(user.name, "x") == "x")", "{}", t), 0);
  EXPECT_EQ(Match(R"(string(process.pid) : "4")", kSvchost, t), 1);
}

// Multi-valued fields: a condition on one field holds when some value
// satisfies it; two conditions may be met by different values.
TEST(Arrays, AnyValue) {
  auto t = Ecs();
  const char* doc = R"({"process":{"args":["cmd.exe","/c","whoami"]}})";
  EXPECT_EQ(Match(R"(process.args == "/c")", doc, t), 1);
  EXPECT_EQ(Match(R"(process.args : "WHO*")", doc, t), 1);
  EXPECT_EQ(Match(R"(process.args == "/c" and process.args == "whoami")", doc, t), 1);
  EXPECT_EQ(Match(R"(length(process.args) == 2)", doc, t), 1);  // "/c"
  EXPECT_EQ(Match(R"(process.args in ("x", "whoami"))", doc, t), 1);
}

TEST(Fields, DottedAndNestedObjectsAreOneField) {
  auto t = Ecs();
  for (const char* doc : {R"({"process.name":"a"})", R"({"process":{"name":"a"}})",
                          R"({"process":[{"name":"b"},{"name":"a"}]})"})
    EXPECT_EQ(Match(R"(process.name == "a")", doc, t), 1) << doc;
}

TEST(Fields, IgnoreAboveValuesAreNotIndexed) {
  event::FieldTypes t;
  std::string err;
  ASSERT_TRUE(t.LoadText("f\tkeyword\t8\tf\n", "test", &err)) << err;
  EXPECT_EQ(Match(R"(f == "abcdefgh")", R"({"f":"abcdefgh"})", t), 1);
  EXPECT_EQ(Match(R"(f == "abcdefghi")", R"({"f":"abcdefghi"})", t), 0);
  EXPECT_EQ(Match(R"(f : "abc*")", R"({"f":"abcdefghi"})", t), 0);
  EXPECT_EQ(Match(R"(f != null)", R"({"f":"abcdefghi"})", t), 0);
  EXPECT_EQ(Match(R"(length(f) > 0)", R"({"f":"abcdefghi"})", t), 0);  // no doc value
}

// An unmapped field is typed per value, as dynamic mapping would.
TEST(Fields, UnmappedFieldsByJsonType) {
  event::FieldTypes t;
  EXPECT_EQ(Match(R"(x == "a")", R"({"x":"a"})", t), 1);
  EXPECT_EQ(Match("x == 5", R"({"x":5})", t), 1);
  EXPECT_EQ(Match("x > 4", R"({"x":5})", t), 1);
  EXPECT_EQ(Match(R"(x : "A*")", R"({"x":"abc"})", t), 1);
  EXPECT_EQ(Match(R"(x : "5*")", R"({"x":55})", t), 0);  // a number is no keyword
  EXPECT_EQ(Match("x", R"({"x":true})", t), 1);
}

// A text field with a keyword multi-field is exact (the sub-field's
// value is the parent's).
TEST(Fields, TextWithKeywordSubField) {
  event::FieldTypes t;
  std::string err;
  ASSERT_TRUE(t.LoadText("title\ttext\t0\ttitle\ntitle.keyword\tkeyword\t0\ttitle\n", "t", &err));
  EXPECT_EQ(Match(R"(title == "Big News")", R"({"title":"Big News"})", t), 1);
  EXPECT_EQ(Match(R"(title.keyword == "Big News")", R"({"title":"Big News"})", t), 1);
}

}  // namespace
}  // namespace picket::eql
