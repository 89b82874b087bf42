// What Elasticsearch refuses when it verifies an EQL query against the
// index mapping, with its messages. Cases come from Elasticsearch's
// VerifierTests and QueryTranslatorFailTests (test names in comments), on a
// mapping shaped like their mapping-default.json.
//
// One deliberate difference: Elasticsearch reports "error building [...]"
// problems one column to the right of the function (its ParsingException
// adds 1 to an already 1-based column); picket points at the function.
#include <gtest/gtest.h>

#include "eql/eql_test_helpers.h"

namespace picket::eql {
namespace {

using testing::ErrorAt;

event::FieldTypes Mapping() {
  event::FieldTypes t;
  std::string err;
  EXPECT_TRUE(
      t.LoadText("@timestamp\tdate\t0\t@timestamp\n"
                 "event.category\tkeyword\t0\tevent.category\n"
                 "pid\tlong\t0\tpid\n"
                 "ppid\tlong\t0\tppid\n"
                 "opcode\tlong\t0\topcode\n"
                 "serial_event_id\tlong\t0\tserial_event_id\n"
                 "exit_code\tlong\t0\texit_code\n"
                 "md5\tkeyword\t0\tmd5\n"
                 "command_line\tkeyword\t0\tcommand_line\n"
                 "process_name\tkeyword\t0\tprocess_name\n"
                 "parent_process_name\tkeyword\t0\tparent_process_name\n"
                 "user_domain\tkeyword\t0\tuser_domain\n"
                 "hostname\ttext\t0\thostname\n"
                 "hostname.keyword\tkeyword\t0\thostname\n"
                 "plain_text\ttext\t0\tplain_text\n"
                 "multi_field\tkeyword\t0\tmulti_field\n"
                 "multi_field.english\ttext\t0\tmulti_field\n"
                 "source_address\tip\t0\tsource_address\n"
                 "bool\tboolean\t0\tbool\n"
                 "constant_keyword\tconstant_keyword\t0\tconstant_keyword\n"
                 "location\tgeo_point\t0\tlocation\n"
                 "processes\tnested\t0\tprocesses\n"
                 "processes.pid\tlong\t0\tprocesses.pid\n"
                 "long_field\tlong\t0\tlong_field\n"
                 "short_field\tshort\t0\tshort_field\n",
                 "mapping", &err))
      << err;
  return t;
}

std::string E(const std::string& query) { return ErrorAt(query, Mapping(), /*complete=*/true); }

TEST(Verifier, ConditionMustBeBoolean) {  // testQueryCondition
  EXPECT_EQ(E("any where bool"), "");
  EXPECT_EQ(E("any where pid"), "1:11: Condition expression needs to be boolean, found [LONG]");
  EXPECT_EQ(E("any where @timestamp"),
            "1:11: Condition expression needs to be boolean, found [DATETIME]");
  EXPECT_EQ(E("any where command_line"),
            "1:11: Condition expression needs to be boolean, found [KEYWORD]");
  EXPECT_EQ(E("any where hostname"),
            "1:11: Condition expression needs to be boolean, found [TEXT]");
  EXPECT_EQ(E("any where constant_keyword"),
            "1:11: Condition expression needs to be boolean, found [KEYWORD]");
  EXPECT_EQ(E("any where source_address"),
            "1:11: Condition expression needs to be boolean, found [IP]");
  EXPECT_EQ(E("any where 1"), "1:11: Condition expression needs to be boolean, found [INTEGER]");
}

TEST(Verifier, UnknownColumns) {  // testMissingColumn, testMisspelledColumn*
  EXPECT_EQ(E("foo where xxx == 100"), "1:11: Unknown column [xxx]");
  EXPECT_EQ(E("foo where md4 == 1"), "1:11: Unknown column [md4], did you mean [md5]?");
  EXPECT_EQ(E("foo where pib == 1"),
            "1:11: Unknown column [pib], did you mean any of [pid, ppid]?");
  // Optional fields are legal and null when unknown (testQueryOk).
  for (const char* q :
       {"file where ?foo == 123", "file where ?foo == null", "file where ?`?foo` == null",
        "file where serial_event_id == 82 and (true == (?bar in (\"abc\", \"xyz\")))",
        "file where concat(?foo, \"test\", ?bar) == \"onetest!\""})
    EXPECT_EQ(E(q), "") << q;
  // Without a complete mapping (the built-in ECS table), an unknown field
  // is a dynamically mapped one.
  EXPECT_EQ(ErrorAt("foo where xxx == 100", Mapping(), false), "");
}

TEST(Verifier, EventCategoryFieldMustExist) {  // testMissingEventCategory
  event::FieldTypes t;
  std::string err;
  ASSERT_TRUE(t.LoadText("@timestamp\tdate\t0\t@timestamp\nx\tkeyword\t0\tx\n", "m", &err));
  EXPECT_EQ(ErrorAt("foo where true", t, true), "1:1: Unknown column [event.category]");
  EXPECT_EQ(ErrorAt("any where true", t, true), "");
}

TEST(Verifier, UnsupportedAndNestedFields) {  // testGeo, testNested
  EXPECT_EQ(E("foo where location == 0"),
            "1:11: Cannot use field [location] with unsupported type [geo_point]");
  EXPECT_EQ(E("foo where processes == 0"),
            "1:11: Cannot use field [processes] type [nested] due to nested fields not being "
            "supported yet");
  EXPECT_EQ(E("foo where processes.pid == 0"),
            "1:11: Cannot use field [processes.pid] type [long] with unsupported nested type in "
            "hierarchy (field [processes])");
}

TEST(Verifier, UnknownFunctions) {  // testArrayFunctionsUnsupported, testFunctionParsingUnknown
  EXPECT_EQ(E("registry where arrayContains(md5, \"En\")"),
            "1:16: Unknown function [arrayContains], did you mean [stringcontains]?");
  EXPECT_EQ(E("registry where arraySearch(md5, md5, true)"),
            "1:16: Unknown function [arraySearch]");
  EXPECT_EQ(E("network where safe(process_name)"), "1:15: Unknown function [safe]");
  EXPECT_EQ(E("process where match(plain_text, \"foo.*\")"),  // testMatchIsNotValidFunction
            "1:15: Unknown function [match], did you mean [cidrmatch]?");
  EXPECT_EQ(E("process where wildcard(process_name, \"*.exe\")"),
            "1:15: Unknown function [wildcard]");
}

TEST(Verifier, TypesOfInLists) {  // testMixedSet, testPropertyEquationInClauseFilterUnsupported
  EXPECT_EQ(E("foo where long_field in (1, \"string\")"),
            "1:29: 2nd argument of [long_field in (1, \"string\")] must be [long], found value "
            "[\"string\"] type [keyword]");
  EXPECT_EQ(E("foo where short_field in (1, 2.5)"), "");  // numbers are compatible
  EXPECT_EQ(
      E("process where opcode in (1,3) and process_name in (parent_process_name, \"SYSTEM\")"),
      "1:52: Comparisons against fields are not (currently) supported; offender "
      "[parent_process_name] in [process_name in (parent_process_name, \"SYSTEM\")]");
}

TEST(Verifier, ComparingFields) {  // testPropertyEquationFilterUnsupported
  EXPECT_EQ(
      E("process where (serial_event_id<9 and serial_event_id >= 7) or (opcode == pid)"),
      "1:74: Comparisons against fields are not (currently) supported; offender [pid] in [==]");
  EXPECT_EQ(E("process where length(md5) == length(command_line)"),
            "1:30: Comparisons against fields are not (currently) supported; offender "
            "[length(command_line)] in [==]");
  // A field against a function of a constant, or a function of a field
  // against a constant, is fine.
  EXPECT_EQ(E("process where pid == add(1, 2) and length(md5) > 3"), "");
}

TEST(Verifier, TextFieldsAreInexact) {  // testMultiField, testStringFunctionWithText, *WithInexact
  EXPECT_EQ(E("foo where multi_field == \"bar\""), "");
  EXPECT_EQ(
      E("foo where multi_field.english == \"bar\""),
      "1:11: [multi_field.english == \"bar\"] cannot operate on first argument field of data "
      "type [text]: No keyword/multi-field defined exact matches for [english]; define one or "
      "use MATCH/QUERY instead");
  EXPECT_EQ(
      E("process where string(multi_field.english) == \"foo\""),
      "1:22: [string(multi_field.english)] cannot operate on field of data type [text]: No "
      "keyword/multi-field defined exact matches for [english]; define one or use MATCH/QUERY "
      "instead");
  EXPECT_EQ(E("process where concat(plain_text)"),
            "1:22: [concat(plain_text)] cannot operate on field of data type [text]: No "
            "keyword/multi-field defined exact matches for [plain_text]; define one or use "
            "MATCH/QUERY instead");
  EXPECT_EQ(E("process where endsWith(plain_text, \"foo\") == true"),
            "1:24: [endsWith(plain_text, \"foo\")] cannot operate on first argument field of data "
            "type [text]: No keyword/multi-field defined exact matches for [plain_text]; define "
            "one or use MATCH/QUERY instead");
  EXPECT_EQ(E("process where indexOf(\"bla\", plain_text) == 1"),
            "1:30: [indexOf(\"bla\", plain_text)] cannot operate on second argument field of data "
            "type [text]: No keyword/multi-field defined exact matches for [plain_text]; define "
            "one or use MATCH/QUERY instead");
  EXPECT_EQ(E("process where length(plain_text) > 0"),
            "1:22: [length(plain_text)] cannot operate on field of data type [text]: No "
            "keyword/multi-field defined exact matches for [plain_text]; define one or use "
            "MATCH/QUERY instead");
  // A text field with a keyword sub-field is exact (hostname.keyword).
  EXPECT_EQ(E("process where endsWith(hostname, \"c\")"), "");
  EXPECT_EQ(E("process where hostname == \"c\""), "");
}

TEST(Verifier, InsensitiveEqualsNeedsStrings) {  // testIncorrectUsageOfStringEquals
  EXPECT_EQ(E("foo where pid : 123"),
            "1:11: first argument of [:] must be [string], found value [pid] type [long]; consider "
            "using [==] instead");
  EXPECT_EQ(E("foo where md5 : 123"),
            "1:17: second argument of [:] must be [string], found value [123] type [integer]; "
            "consider using [==] instead");
  EXPECT_EQ(E("foo where pid like \"1*\""),
            "1:11: argument of [pid like \"1*\"] must be [string], found value [pid] type [long]");
  EXPECT_EQ(
      E("foo where pid regex \"1.*\""),
      "1:11: argument of [pid regex \"1.*\"] must be [string], found value [pid] type [long]");
}

TEST(Verifier, FunctionArguments) {
  // testBetweenMissingOrNullParams / testBetweenWrongTypeParams
  EXPECT_EQ(E("process where between() == \"yst\""),
            "1:15: error building [between]: expects three or four arguments");
  EXPECT_EQ(E("process where between(process_name, \"s\", \"e\", false, false) == \"yst\""),
            "1:15: error building [between]: expects three or four arguments");
  EXPECT_EQ(E("process where between(process_name, 1, 2)"),
            "1:37: second argument of [between(process_name, 1, 2)] must be [string], found value "
            "[1] type [integer]");
  EXPECT_EQ(
      E("process where between(process_name, \"s\", 2)"),
      "1:42: third argument of [between(process_name, \"s\", 2)] must be [string], found value "
      "[2] type [integer]");
  EXPECT_EQ(E("process where between(process_name, \"s\", \"e\", 1)"),
            "1:47: fourth argument of [between(process_name, \"s\", \"e\", 1)] must be [boolean], "
            "found value [1] type [integer]");
  EXPECT_EQ(E("process where between(process_name, \"s\", \"e\", \"true\")"),
            "1:47: fourth argument of [between(process_name, \"s\", \"e\", \"true\")] must be "
            "[boolean], found value [\"true\"] type [keyword]");
  // testCIDRMatch*
  EXPECT_EQ(E("process where cidrMatch(source_address, hostname)"),
            "1:41: second argument of [cidrMatch(source_address, hostname)] must be a constant, "
            "received [hostname]");
  EXPECT_EQ(E("process where cidrMatch(source_address)"),
            "1:15: error building [cidrmatch]: expects at least two arguments");
  EXPECT_EQ(
      E("process where cidrMatch(hostname, \"10.0.0.0/8\")"),
      "1:25: first argument of [cidrMatch(hostname, \"10.0.0.0/8\")] must be [ip], found value "
      "[hostname] type [text]");
  EXPECT_EQ(E("process where cidrMatch(source_address, 12345)"),
            "1:41: second argument of [cidrMatch(source_address, 12345)] must be [string], found "
            "value [12345] type [integer]");
  // testNumberFunction*
  EXPECT_EQ(
      E("process where number(pid) == 1"),
      "1:22: first argument of [number(pid)] must be [string], found value [pid] type [long]");
  EXPECT_EQ(E("process where number(process_name, 1.0) == 1"),
            "1:36: second argument of [number(process_name, 1.0)] must be [integer], found value "
            "[1.0] type [double]");
  EXPECT_EQ(E("process where number(process_name, pid) != null"), "");
  // testStringContainsWrongParams
  EXPECT_EQ(E("process where stringContains()"),
            "1:15: error building [stringcontains]: expects exactly two arguments");
  EXPECT_EQ(E("process where stringContains(process_name, 1)"),
            "1:44: second argument of [stringContains(process_name, 1)] must be [string], found "
            "value [1] type [integer]");
  EXPECT_EQ(E("process where add(md5, 1) > 2"),
            "1:19: first argument of [add(md5, 1)] must be [numeric], found value [md5] type "
            "[keyword]");
  EXPECT_EQ(
      E("process where md5 + 1 > 2"),
      "1:15: first argument of [md5 + 1] must be [numeric], found value [md5] type [keyword]");
  EXPECT_EQ(
      E("process where substring(md5, \"a\") == \"b\""),
      "1:30: second argument of [substring(md5, \"a\")] must be [integer], found value [\"a\"] "
      "type [keyword]");
  EXPECT_EQ(E("process where startsWith(pid, \"1\")"),
            "1:26: first argument of [startsWith(pid, \"1\")] must be [string], found value [pid] "
            "type [long]");
}

TEST(Verifier, JoinKeyTypes) {  // testKeysWithDifferentTypes & co.
  EXPECT_EQ(E("sequence [process where true] by pid [process where true] by md5"),
            "1:62: Sequence key [md5] type [keyword] is incompatible with key [pid] type [long]");
  EXPECT_EQ(E("sequence [process where true] by hostname [process where true] by user_domain"), "");
  EXPECT_EQ(
      E("sequence [process where true] by @timestamp [process where true] by opcode"),
      "1:69: Sequence key [opcode] type [long] is incompatible with key [@timestamp] type [date]");
  EXPECT_EQ(E("sample [process where true] by pid [process where true] by md5"),
            "1:60: Sample key [md5] type [keyword] is incompatible with key [pid] type [long]");
  EXPECT_EQ(E("sequence by xyz [process where true] [process where true]"),
            "1:13: Unknown column [xyz]");
}

// What Elasticsearch accepts at verification but fails when it runs the
// search (a term query the field's type cannot parse): picket refuses the
// query at load, with the reason.
TEST(Verifier, QueriesThatFailTheSearch) {
  EXPECT_NE(E("process where serial_event_id == \"abcdef\"").find("Elasticsearch fails the search"),
            std::string::npos);
  EXPECT_NE(
      E("process where source_address == \"not-an-ip\"").find("Elasticsearch fails the search"),
      std::string::npos);
  EXPECT_NE(E("process where cidrMatch(source_address, \"10.0.0.0/33\")")
                .find("Elasticsearch fails the search"),
            std::string::npos);
  EXPECT_EQ(E("process where serial_event_id == \"12\""), "");
}

}  // namespace
}  // namespace picket::eql
