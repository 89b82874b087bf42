// The EQL grammar (Elasticsearch's EqlBase.g4) and the checks its plan
// builder makes, with Elasticsearch's messages. Cases marked "ES:" come
// from Elasticsearch's own parser tests (ExpressionTests, LogicalPlanTests,
// QueryTranslatorFailTests, VerifierTests); the others from the EQL syntax
// reference (section named in the test).
#include "eql/parser.h"

#include <gtest/gtest.h>

#include "eql/eql_test_helpers.h"

namespace picket::eql {
namespace {

using testing::ErrorAt;

std::string StringValue(const std::string& literal) {
  auto r = ParseExpression(literal);
  if (!r.ok()) return "ERROR: " + r.error.message;
  if (r.expr->kind != ExprKind::kLiteral || r.expr->literal.type != Value::Type::kString)
    return "NOT A STRING";
  return r.expr->literal.s;
}

std::string ExprError(const std::string& text) {
  auto r = ParseExpression(text);
  if (r.ok()) return "";
  uint32_t line, column;
  ParseError::LineColumn(text, r.error.offset, &line, &column);
  return std::to_string(line) + ":" + std::to_string(column) + ": " + r.error.message;
}

// Syntax reference, "Escape characters in a string".
TEST(Strings, Escapes) {
  EXPECT_EQ(StringValue(R"("hello \" world!")"), "hello \" world!");  // ES: testDoubleQuotedString
  EXPECT_EQ(StringValue(R"("example \r of \" escaped \n characters")"),
            "example \r of \" escaped \n characters");
  EXPECT_EQ(StringValue(R"("a\tb\\c\'d\be\ff")"), "a\tb\\c'd\be\ff");
  EXPECT_EQ(StringValue(R"("hello'world")"), "hello'world");
  // Any other escape is a lexer error.
  EXPECT_EQ(ExprError(R"("a\qb")"), "1:1: token recognition error at: '\"a\\q'");
}

// Syntax reference: \u{XXXXXXXX} with 2-8 hex digits. ES:
// testStringWithUnicodeEscapedChars / testStringWithIncorrectUnicodeEscapedChars.
TEST(Strings, UnicodeEscapes) {
  EXPECT_EQ(StringValue(R"("\u0021")"), "!");
  EXPECT_EQ(StringValue(R"("\u{41}")"), "A");
  EXPECT_EQ(StringValue(R"("\u{075}")"), "u");
  EXPECT_EQ(StringValue(R"("\u{00eb}")"), "\xc3\xab");
  EXPECT_EQ(StringValue(R"("\u{200F}")"), "\xe2\x80\x8f");  // right-to-left mark
  EXPECT_EQ(StringValue(R"("\u{0000200f}")"), "\xe2\x80\x8f");
  EXPECT_EQ(StringValue(R"("\u{01f4a9}")"), "\xf0\x9f\x92\xa9");
  EXPECT_EQ(StringValue(R"("\u01f0}")"), "\xc7\xb0}");              // 4 digits, then a plain }
  EXPECT_EQ(StringValue(R"("\ud83d\udca9")"), "\xf0\x9f\x92\xa9");  // a surrogate pair
  EXPECT_EQ(ExprError(R"("\u00U1")"), "1:1: token recognition error at: '\"\\u00U'");
  EXPECT_EQ(ExprError(R"("\u{00AFU1}")"), "1:1: token recognition error at: '\"\\u{00AFU'");
  EXPECT_EQ(ExprError(R"("\u001")"), "1:1: token recognition error at: '\"\\u001\"'");
  EXPECT_EQ(ExprError(R"("\u{}")"), "1:1: token recognition error at: '\"\\u{}'");
  EXPECT_EQ(ExprError(R"("\u{D}")"),
            "1:2: Unicode sequence in curly braces should use [2-8] hex digits, [\\u{D}] has [1]");
  EXPECT_EQ(ExprError(R"("\u{00AFD1431}")"),
            "1:2: Unicode sequence in curly braces should use [2-8] hex digits, [\\u{00AFD1431}] "
            "has [9]");
  EXPECT_EQ(ExprError(R"("\u0000")"), "1:2: Unicode sequence results in null");
  EXPECT_EQ(ExprError(R"("\u{00000000}")"), "1:2: Unicode sequence results in null");
  EXPECT_EQ(ExprError(R"("\u{10000000}")"), "1:2: Invalid unicode character code [10000000]");
}

// Syntax reference, "Raw strings"; ES: testStrings, testTripleDoubleQuotedUnescapedString.
TEST(Strings, RawStrings) {
  EXPECT_EQ(
      StringValue(R"("""Raw string with a literal double quote " and blackslash \ included""")"),
      R"(Raw string with a literal double quote " and blackslash \ included)");
  EXPECT_EQ(StringValue(R"("""hello"world""")"), "hello\"world");
  EXPECT_EQ(StringValue(R"("""hello\"world""")"), "hello\\\"world");
  EXPECT_EQ(StringValue(R"("""hello\nworld""")"), "hello\\nworld");
  EXPECT_EQ(StringValue(R"("""""hello"\"world""""")"), R"(""hello"\"world"")");
  EXPECT_EQ(StringValue(R"("""""")"), "");
  EXPECT_EQ(StringValue(R"("""""""")"), "\"\"");
  EXPECT_EQ(ExprError(R"(""""""hello world!""" == """foobar""")"),
            "1:7: mismatched input 'hello' expecting {<EOF>, 'and', 'in', 'in~', 'like', 'like~', "
            "'not', 'or', 'regex', 'regex~', ':', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', "
            "'/', '%'}");
}

// Syntax reference: "Strings enclosed in single quotes (') are not
// supported"; "?\" and ?' do not indicate raw strings". ES:
// testSingleQuotedStringForbidden, testSingleQuotedUnescapedStringDisallowed.
TEST(Strings, RefusedStyles) {
  EXPECT_EQ(ExprError("'hello world'"),
            "1:1: Use double quotes [\"] to define string literals, not single quotes [']");
  EXPECT_EQ(ErrorAt("process where name=='hello world'"),
            "1:21: Use double quotes [\"] to define string literals, not single quotes [']");
  EXPECT_EQ(ExprError("?'hello world'"),
            "1:1: Use triple double quotes [\"\"\"] to define unescaped string literals, not [?']");
  EXPECT_EQ(
      ExprError("?\"hello world\""),
      "1:1: Use triple double quotes [\"\"\"] to define unescaped string literals, not [?\"]");
  EXPECT_EQ(ExprError("\"unterminated"), "1:1: token recognition error at: '\"unterminated'");
  EXPECT_EQ(ExprError("\"line\nbreak\""), "1:1: token recognition error at: '\"line\\n'");
}

// ES: testNumbers.
TEST(Literals, Numbers) {
  auto v = [](const char* text) { return ParseExpression(text).expr->literal; };
  EXPECT_EQ(v("5").type, Value::Type::kInt);
  EXPECT_EQ(v("8589934592").type, Value::Type::kLong);
  EXPECT_EQ(v("8589934592").i, 8589934592LL);
  EXPECT_EQ(v("5e14").type, Value::Type::kDouble);
  EXPECT_EQ(v("5.2").d, 5.2);
  EXPECT_EQ(v(".5").d, 0.5);
  EXPECT_EQ(v("1.").d, 1.0);
  // Too large for a long: a double.
  EXPECT_EQ(v("92233720368547758070").type, Value::Type::kDouble);
  auto neg = ParseExpression("-5.2");
  ASSERT_TRUE(neg.ok());
  EXPECT_EQ(neg.expr->kind, ExprKind::kNeg);
  EXPECT_EQ(ParseExpression("true").expr->literal.type, Value::Type::kBool);
  EXPECT_EQ(ParseExpression("null").expr->literal.type, Value::Type::kNull);
}

// Syntax reference, "Escape a field name"; ES: testBackQuotedIdentifier*.
TEST(Fields, BackQuotedAndOptional) {
  auto field = [](const char* text) {
    auto r = ParseExpression(text);
    return r.ok() && r.expr->kind == ExprKind::kField ? r.expr->field : "ERROR";
  };
  EXPECT_EQ(field("`table`.`@timestamp`"), "table.@timestamp");
  EXPECT_EQ(field("```test``table```.`@timestamp`"), "`test`table`.@timestamp");
  EXPECT_EQ(field("`my-field`"), "my-field");
  EXPECT_EQ(field("`6myfield`"), "6myfield");
  EXPECT_EQ(field("process.name"), "process.name");
  EXPECT_EQ(field("@timestamp"), "@timestamp");
  EXPECT_EQ(field("`kubernetes.audit.annotations.authorization_k8s_io/decision`"),
            "kubernetes.audit.annotations.authorization_k8s_io/decision");
  auto opt = ParseExpression("?user.id");
  ASSERT_TRUE(opt.ok());
  EXPECT_TRUE(opt.expr->optional);
  EXPECT_EQ(opt.expr->field, "user.id");
  EXPECT_TRUE(ParseExpression("?`?foo`").expr->optional);
  EXPECT_EQ(ExprError("`wrong_identifier == true"),
            "1:1: token recognition error at: '`wrong_identifier == true'");
  EXPECT_EQ(ExprError("wrong_identifier` == true"),
            "1:17: token recognition error at: '` == true'");
  // ES: testArrayIndexesUnsupported
  EXPECT_EQ(ErrorAt("registry where length(bytes_written_string_list) > 0 and "
                    "bytes_written_string_list[0] == \"EN-us\""),
            "1:84: Array indexes are not supported");
  // ES: testOptionalFieldsUnsupported (an optional event category)
  EXPECT_NE(ErrorAt("?x where true"), "");
}

TEST(Keywords, LowerCaseOnly) {
  EXPECT_EQ(ErrorAt("process where true and true"), "");
  EXPECT_NE(ErrorAt("process where true AND true"), "");
  EXPECT_NE(ErrorAt("process WHERE true"), "");
  // Comments, line and nested block.
  EXPECT_EQ(ErrorAt("process where // a comment\n true /* and /* nested */ */ and true"), "");
  EXPECT_EQ(ErrorAt("process where true /* open"), "1:20: unterminated /* comment");
}

// Syntax reference, "Comparison operators" and "Limitations for comparisons".
TEST(Operators, ComparisonsDoNotChainAndEqualsIsNotAssign) {
  EXPECT_EQ(ExprError("a == b == c").rfind("1:8: mismatched input '==' expecting {<EOF>, 'and'", 0),
            0u);
  EXPECT_EQ(ExprError("a = 1").rfind("1:3: mismatched input '='", 0), 0u);
  // Expected tokens in ANTLR's order (token types).
  EXPECT_EQ(ExprError("name in ()"),
            "1:10: mismatched input ')' expecting {'false', 'not', "
            "'null', 'true', '+', '-', '(', '?', STRING, INTEGER_VALUE, "
            "DECIMAL_VALUE, IDENTIFIER, QUOTED_IDENTIFIER, TILDE_IDENTIFIER}");
  EXPECT_NE(ExprError("a not like \"x\""), "");
  EXPECT_EQ(ExprError("a not in (\"x\")"), "");
  EXPECT_EQ(ExprError("a not in~ (\"x\")"), "");
}

TEST(Operators, Precedence) {
  auto render = [](const char* text) {
    auto r = ParseExpression(text);
    return r.ok() ? Render(*r.expr) : "ERROR " + r.error.message;
  };
  EXPECT_EQ(render("not a == 1 and b == 2"), "not a == 1 and b == 2");
  EXPECT_EQ(render("a == 1 or b == 2 and c == 3"), "a == 1 or b == 2 and c == 3");
  EXPECT_EQ(render("(a == 1 or b == 2) and c == 3"), "(a == 1 or b == 2) and c == 3");
  EXPECT_EQ(render("1 * -2 <= -3 * 4"), "1 * -2 <= -3 * 4");  // ES: testComplexComparison
  EXPECT_EQ(render("a + b * c - d"), "a + b * c - d");
  EXPECT_EQ(render("(a + b) * c"), "(a + b) * c");
  EXPECT_EQ(render("a - (b - c)"), "a - (b - c)");
  EXPECT_EQ(render("x : (\"a\", \"b*\")"), "x : (\"a\", \"b*\")");
  EXPECT_EQ(render("x like~ \"a?\""), "x like~ \"a?\"");
  EXPECT_EQ(render("endsWith~(x, \"y\")"), "endsWith~(x, \"y\")");
}

// ES: testProcessRelationshipsUnsupported.
TEST(Queries, ProcessRelationshipsAreRefused) {
  EXPECT_EQ(ErrorAt("process where opcode==1 and process_name == \"csrss.exe\"\n"
                    "  and descendant of [file where file_name == \"csrss.exe\" and opcode==0]"),
            "2:7: Process relationships are not supported");
  EXPECT_EQ(ErrorAt("process where process_name==\"svchost.exe\"\n"
                    "  and child of [file where file_name == \"svchost.exe\" and opcode==0]"),
            "2:7: Process relationships are not supported");
}

TEST(Queries, EventCategories) {
  // Syntax reference, "Escape an event category".
  for (const char* q :
       {"\".my.event.category\" where true", "\"my-event-category\" where true",
        "\"\"\"my event category\"\"\" where true", "any where true", "file where true"})
    EXPECT_EQ(ErrorAt(q), "") << q;
  EXPECT_NE(ErrorAt("`identifier` where foo == true"), "");
  EXPECT_NE(ErrorAt("42 where true"), "");  // ES: testQueryStartsWithNumber
  auto r = ParseQuery("\"my-event\" where true");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.query->event.category, "my-event");
  EXPECT_EQ(ParseQuery("any where true").query->event.category, "");
  EXPECT_EQ(ErrorAt("join by pid [process where true] [network where true]"),
            "1:1: Join is not supported");
}

// Syntax reference, "Sequences", "with maxspan", "by keyword", "until",
// "with runs", "Missing events".
TEST(Sequences, Structure) {
  auto r = ParseQuery(
      "sequence by host.id, ?process.entity_id with maxspan=15m\n"
      "  [ file where file.extension == \"exe\" ] by file.path\n"
      "  [ library where true ] by dll.path with runs=3\n"
      "until [ process where event.type == \"stop\" ] by process.executable\n"
      "| head 5");
  ASSERT_TRUE(r.ok()) << r.error.message;
  const Query& q = *r.query;
  EXPECT_EQ(q.type, QueryType::kSequence);
  EXPECT_EQ(q.maxspan_ms, 15 * 60 * 1000);
  EXPECT_EQ(q.maxspan_text, "15m");
  ASSERT_EQ(q.shared_keys.size(), 2u);
  EXPECT_TRUE(q.shared_keys[1].optional);
  ASSERT_EQ(q.stages.size(), 2u);
  EXPECT_EQ(q.stages[0].filter.category, "file");
  ASSERT_EQ(q.stages[0].keys.size(), 3u);  // shared keys first
  EXPECT_EQ(q.stages[0].keys[2].field, "file.path");
  EXPECT_EQ(q.stages[1].runs, 3);
  EXPECT_EQ(q.UnrolledStageCount(), 4u);
  ASSERT_TRUE(q.until.has_value());
  EXPECT_EQ(q.until->keys.size(), 3u);
  ASSERT_EQ(q.pipes.size(), 1u);
  EXPECT_EQ(q.pipes[0].count, 5);

  auto missing = ParseQuery(
      "sequence by host.name, user.name with maxspan=5s\n"
      "  [ authentication where event.code : \"4624\" ]\n"
      "  ![ authentication where event.code : \"4647\" ]");
  ASSERT_TRUE(missing.ok()) << missing.error.message;
  EXPECT_TRUE(missing.query->stages[1].missing);

  for (const char* unit : {"ms", "s", "m", "h", "d"})
    EXPECT_EQ(
        ErrorAt(std::string("sequence with maxspan=2") + unit + " [a where true] [b where true]"),
        "");
  EXPECT_EQ(ParseQuery("sequence with maxspan=2d [a where true] [b where true]").query->maxspan_ms,
            2LL * 24 * 3600 * 1000);
}

TEST(Sequences, Errors) {
  // ES: QueryTranslatorFailTests testSequenceWithBeforeBy / testSequenceWithNoTimeUnit.
  EXPECT_EQ(ErrorAt("sequence with maxspan=1s by key [a where true] [b where true]"),
            "1:1: Please specify sequence [by] before [with] not after");
  EXPECT_EQ(ErrorAt("sequence with maxspan=30 [a where true] [b where true]"),
            "1:23: No time unit specified, did you mean [s] as in [30s]?");
  EXPECT_EQ(ErrorAt("sequence with maxspan=2.5m [a where true] [b where true]"),
            "1:23: Decimal time interval [2.5] not supported; please use an positive integer");
  EXPECT_EQ(ErrorAt("sequence with maxspan=0s [a where true] [b where true]"),
            "1:23: A positive maxspan value is required; found [0]");
  EXPECT_EQ(ErrorAt("sequence with maxspan=1w [a where true] [b where true]"),
            "1:24: Unrecognized time unit [w] in [1w], please specify one of [ms, s, m, h, d]");
  EXPECT_EQ(ErrorAt("sequence [a where true] by x [b where true]"),
            "1:30: Inconsistent number of join keys specified; expected [1] but found [0]");
  EXPECT_EQ(ErrorAt("sequence [a where true] by x [b where true] by y, z"),
            "1:45: Inconsistent number of join keys specified; expected [1] but found [2]");
  EXPECT_EQ(ErrorAt("sequence [a where true] by x [b where true] by y until [c where true]"),
            "1:56: Inconsistent number of join keys specified; expected [1] but found [0]");
  EXPECT_EQ(ErrorAt("sequence [a where true]"),
            "1:1: A sequence requires a minimum of 2 queries, found [1]");
  EXPECT_EQ(ErrorAt("sequence [a where true] with runs=2"), "");
  EXPECT_EQ(ErrorAt("sequence [a where true] until [b where true]"),
            "1:25: A sequence requires a minimum of 2 queries (not counting [until]), found [1]");
  EXPECT_EQ(ErrorAt("sequence [a where true] with runs=101 [b where true]"),
            "1:35: A query cannot be repeated more than 100 times; found [101]");
  EXPECT_EQ(ErrorAt("sequence [a where true] with runs=0 [b where true]"),
            "1:35: A positive runs value is required; found [0]");
  EXPECT_EQ(ErrorAt("sequence [a where true] with repeat=2 [b where true]"),
            "1:30: Unrecognized option [repeat], expecting [runs]");
  EXPECT_EQ(ErrorAt("sequence [a where true] ![b where true]"),
            "1:1: A sequence with missing events ![...] requires [with maxspan]");
  EXPECT_EQ(ErrorAt("sequence with maxspan=1m ![a where true] ![b where true]"),
            "1:1: A sequence requires at least one positive (non-missing) event query");
  EXPECT_EQ(ErrorAt("sequence with maxspan=1m [a where true] [b where true] until ![c where true]"),
            "1:62: A missing event clause cannot be used as [until]");
  EXPECT_EQ(ErrorAt("sequence [process where true] by unique_pid * 2 [process where true] by x"),
            "1:34: Unsupported join key [unique_pid * 2]; join keys are fields");
  // fork is not EQL any more (queries-unsupported.eql).
  EXPECT_NE(ErrorAt("sequence by unique_pid [process where true] [file where true] fork=true"), "");
}

// Syntax reference, "Samples".
TEST(Samples, Structure) {
  auto r =
      ParseQuery("sample by host [ file where file.extension == \"exe\" ] [ process where true ]");
  ASSERT_TRUE(r.ok()) << r.error.message;
  EXPECT_EQ(r.query->type, QueryType::kSample);
  EXPECT_EQ(r.query->stages.size(), 2u);
  EXPECT_EQ(r.query->stages[1].keys[0].field, "host");
  // ES: LogicalPlanTests testSamplePlan: keys of the sample and of the stage.
  auto keyed =
      ParseQuery("sample by pid [process where true] by host_name [file where true] by host");
  ASSERT_TRUE(keyed.ok());
  EXPECT_EQ(keyed.query->stages[0].keys[1].field, "host_name");
  EXPECT_EQ(ErrorAt("sample by host [a where true]"),
            "1:1: A sample requires a minimum of 2 queries, found [1]");
  EXPECT_EQ(ErrorAt("sample by host [a where true] ![b where true]"),
            "1:31: Samples do not support missing event clauses ![...]");
  EXPECT_NE(ErrorAt("sample by host with maxspan=1m [a where true] [b where true]"), "");
  EXPECT_NE(ErrorAt("sample by host [a where true] with runs=2 [b where true]"), "");
}

// Pipe reference (head, tail); syntax reference: other Endgame pipes are
// not supported.
TEST(Pipes, HeadTailAndTheRest) {
  auto r = ParseQuery("process where true | tail 10 | head 7");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.query->pipes.size(), 2u);
  EXPECT_EQ(r.query->pipes[0].kind, PipeKind::kTail);
  EXPECT_EQ(r.query->pipes[1].count, 7);
  // ES: testFoldedHeadTailValidValue
  EXPECT_EQ(ParseQuery("any where true | head 2147483648-1").query->pipes[0].count, 2147483647);
  EXPECT_EQ(ErrorAt("process where true | count"), "1:22: Pipe [count] is not supported");
  EXPECT_EQ(ErrorAt("process where true | unique process_name"),
            "1:22: Pipe [unique] is not supported");
  EXPECT_EQ(ErrorAt("process where true | sortt x"),
            "1:22: Unrecognized pipe [sortt], did you mean [sort]?");
  EXPECT_EQ(ErrorAt("process where true | head"),
            "1:20: Pipe [head] expects exactly one argument but found [0]");
  EXPECT_EQ(ErrorAt("process where true | head 1, 2"),
            "1:20: Pipe [head] expects exactly one argument but found [2]");
  EXPECT_EQ(ErrorAt("process where true | head -1"),
            "1:27: Pipe [head] expects a positive integer but found [-1]");
  EXPECT_EQ(ErrorAt("process where true | tail \"x\""),
            "1:27: Pipe [tail] expects a positive integer but found [\"x\"]");
}

TEST(Limits, DepthAndSize) {
  std::string deep = "any where " + std::string(300, '(') + "true" + std::string(300, ')');
  EXPECT_NE(ErrorAt(deep).find("nested deeper than 200 levels"), std::string::npos);
  std::string nots = "any where ";
  for (int i = 0; i < 300; ++i) nots += "not ";
  EXPECT_NE(ErrorAt(nots + "true").find("nested deeper"), std::string::npos);
  ParseLimits small;
  small.max_query_bytes = 16;
  EXPECT_EQ(ParseQuery("any where true and true", small).error.message,
            "query longer than 16 bytes");
}

TEST(Errors, RenderWithCaretAndFilePosition) {
  std::string q = "process where\n  process.name == 'x'";
  auto r = ParseQuery(q);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.Render(q, "rule.toml", 10, 5),
            "rule.toml:11:19: Use double quotes [\"] to define string literals, not single quotes "
            "[']\n    process.name == 'x'\n                    ^");
}

}  // namespace
}  // namespace picket::eql
