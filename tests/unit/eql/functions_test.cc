// Conformance: every function of Elasticsearch's "EQL function reference",
// with its documented examples (section name per test), its ~ variant and
// its null handling. Examples run both on constants (Elasticsearch folds
// them) and on fields (a script over the field's values).
#include <gtest/gtest.h>

#include "eql/eql_test_helpers.h"

namespace picket::eql {
namespace {

using testing::Match;
using testing::Types;

event::FieldTypes Fields() {
  return Types({{"process.args_count", "long"},
                {"process.parent.args_count", "long"},
                {"process.name", "keyword"},
                {"process.pid", "keyword"},
                {"process.command_line", "wildcard"},
                {"file.path", "keyword"},
                {"file.name", "keyword"},
                {"file.extension", "keyword"},
                {"source.address", "ip"},
                {"url.domain", "keyword"}});
}

// Whether `expr` (a condition) holds for the document.
int Holds(const std::string& expr, const std::string& doc = "{}") {
  return Match(expr, doc, Fields());
}

// "add"
TEST(Functions, Add) {
  EXPECT_EQ(Holds("add(4, 5) == 9"), 1);
  EXPECT_EQ(Holds("add(4, 0.5) == 4.5"), 1);
  EXPECT_EQ(Holds("add(0.5, 0.25) == 0.75"), 1);
  EXPECT_EQ(Holds("add(4, -2) == 2"), 1);
  EXPECT_EQ(Holds("add(-2, -2) == -4"), 1);
  const char* doc = R"({"process":{"args_count":4,"parent":{"args_count":2}}})";
  EXPECT_EQ(Holds("add(process.args_count, 5) == 9", doc), 1);
  EXPECT_EQ(Holds("add(process.args_count, 0.5) == 4.5", doc), 1);
  EXPECT_EQ(Holds("add(process.args_count, process.parent.args_count) == 6", doc), 1);
  EXPECT_EQ(Holds("add(null, 4) == null"), 1);
  EXPECT_EQ(Holds("add(4, null) == null"), 1);
  EXPECT_EQ(Holds("add(null, process.args_count) == null", doc), 1);
  EXPECT_EQ(testing::Error("any where add~(1, 2) == 3"),
            "Unused parameters [true] detected when building [add]");
}

// "between"
TEST(Functions, Between) {
  const char* doc = R"({"file":{"path":"C:\\Windows\\System32\\cmd.exe"}})";
  EXPECT_EQ(Holds(R"(between(file.path, "System32\\", ".exe") == "cmd")", doc), 1);
  EXPECT_EQ(Holds(R"(between(file.path, "system32\\", ".exe") == "")", doc), 1);
  EXPECT_EQ(Holds(R"(between(file.path, "workspace\\", ".exe") == "")", doc), 1);
  EXPECT_EQ(Holds(R"(between~(file.path, "system32\\", ".exe") == "cmd")", doc), 1);
  EXPECT_EQ(Holds(R"(between(file.path, "\\", "\\", false) == "Windows")", doc), 1);
  EXPECT_EQ(Holds(R"(between(file.path, "\\", "\\", true) == "Windows\\System32")", doc), 1);
  EXPECT_EQ(Holds(R"(between("", "System32\\", ".exe") == "")"), 1);
  EXPECT_EQ(Holds(R"(between("", "", "") == "")"), 1);
  EXPECT_EQ(Holds(R"(between(null, "System32\\", ".exe") == null)"), 1);
}

// "cidrMatch"
TEST(Functions, CidrMatch) {
  const char* doc = R"({"source":{"address":"192.168.152.12"}})";
  EXPECT_EQ(Holds(R"(cidrMatch(source.address, "192.168.0.0/16"))", doc), 1);
  EXPECT_EQ(Holds(R"(cidrMatch(source.address, "192.168.0.0/16", "10.0.0.0/8"))", doc), 1);
  EXPECT_EQ(Holds(R"(cidrMatch(source.address, "10.0.0.0/8"))", doc), 0);
  EXPECT_EQ(Holds(R"(cidrMatch(source.address, "10.0.0.0/8", "10.128.0.0/9"))", doc), 0);
  EXPECT_EQ(Holds(R"(not cidrMatch(source.address, "10.0.0.0/8"))", doc), 1);
  EXPECT_EQ(Holds(R"(cidrMatch(source.address, "10.0.0.0/8") == false)", doc), 1);
  EXPECT_EQ(Holds(R"(cidrMatch(source.address, "2001:db8::/32"))",
                  R"({"source":{"address":"2001:db8::1"}})"),
            1);
  // null handling, on constants and fields.
  EXPECT_EQ(Holds(R"(cidrMatch(null, "10.0.0.0/8") == null)"), 1);
  EXPECT_EQ(Holds(R"(cidrMatch(source.address, "10.0.0.0/8"))", "{}"), 0);
  EXPECT_EQ(Holds(R"(string(cidrMatch(source.address, "192.168.0.0/16")) : "true")", doc), 1);
}

// "concat"
TEST(Functions, Concat) {
  EXPECT_EQ(Holds(R"(concat("process is ", "regsvr32.exe") == "process is regsvr32.exe")"), 1);
  EXPECT_EQ(Holds(R"(concat("regsvr32.exe", " ", 42) == "regsvr32.exe 42")"), 1);
  EXPECT_EQ(Holds(R"(concat("regsvr32.exe", " ", 42.5) == "regsvr32.exe 42.5")"), 1);
  EXPECT_EQ(Holds(R"(concat("regsvr32.exe", " ", true) == "regsvr32.exe true")"), 1);
  EXPECT_EQ(Holds(R"(concat("regsvr32.exe") == "regsvr32.exe")"), 1);
  const char* doc = R"({"process":{"name":"regsvr32.exe","args_count":4}})";
  EXPECT_EQ(Holds(R"(concat(process.name, " ", 42) == "regsvr32.exe 42")", doc), 1);
  EXPECT_EQ(Holds(R"(concat(process.name, " ", process.args_count) == "regsvr32.exe 4")", doc), 1);
  EXPECT_EQ(Holds(R"(concat(null, "regsvr32.exe") == null)"), 1);
  EXPECT_EQ(Holds(R"(concat(process.name, null) == null)", doc), 1);
  EXPECT_EQ(Holds(R"(concat(null) == null)"), 1);
  EXPECT_EQ(Holds(R"(concat(1.0, "x") == "1.0x")"), 1);  // Java's Double.toString
}

// "divide"
TEST(Functions, Divide) {
  EXPECT_EQ(Holds("divide(4, 2) == 2"), 1);
  EXPECT_EQ(Holds("divide(4, 3) == 1"), 1);
  EXPECT_EQ(Holds("divide(4, 3.0) > 1.33 and divide(4, 3.0) < 1.34"), 1);
  EXPECT_EQ(Holds("divide(4, 0.5) == 8"), 1);
  EXPECT_EQ(Holds("divide(0.5, 4) == 0.125"), 1);
  EXPECT_EQ(Holds("divide(0.5, 0.25) == 2.0"), 1);
  EXPECT_EQ(Holds("divide(4, -2) == -2"), 1);
  EXPECT_EQ(Holds("divide(-4, -2) == 2"), 1);
  const char* doc = R"({"process":{"args_count":4,"parent":{"args_count":2}}})";
  EXPECT_EQ(Holds("divide(process.args_count, 3) == 1", doc), 1);
  EXPECT_EQ(Holds("divide(12, process.args_count) == 3", doc), 1);
  EXPECT_EQ(Holds("divide(process.args_count, process.parent.args_count) == 2", doc), 1);
  EXPECT_EQ(Holds("divide(4.0, process.args_count) == 1", R"({"process":{"args_count":3}})"), 0);
  EXPECT_EQ(Holds("divide(null, 4) == null"), 1);
  EXPECT_EQ(Holds("divide(process.args_count, null) == null", doc), 1);
}

// "endsWith"
TEST(Functions, EndsWith) {
  EXPECT_EQ(Holds(R"(endsWith("regsvr32.exe", ".exe"))"), 1);
  EXPECT_EQ(Holds(R"(endsWith("regsvr32.exe", ".EXE"))"), 0);
  EXPECT_EQ(Holds(R"(endsWith("regsvr32.exe", ".dll"))"), 0);
  EXPECT_EQ(Holds(R"(endsWith("", ""))"), 1);
  EXPECT_EQ(Holds(R"(endsWith~("regsvr32.exe", ".EXE"))"), 1);
  const char* doc = R"({"file":{"name":"regsvr32.exe","extension":".exe"}})";
  EXPECT_EQ(Holds(R"(endsWith(file.name, ".exe"))", doc), 1);
  EXPECT_EQ(Holds(R"(endsWith(file.name, ".dll"))", doc), 0);
  EXPECT_EQ(Holds(R"(endsWith(file.name, "*.exe"))", doc), 0);  // * is a character here
  EXPECT_EQ(Holds(R"(endsWith~(file.name, ".EXE"))", doc), 1);
  EXPECT_EQ(Holds(R"(endsWith("regsvr32.exe", file.extension))", doc), 1);
  EXPECT_EQ(Holds(R"(endsWith("ntdll.dll", file.name))", doc), 0);
  EXPECT_EQ(Holds(R"(endsWith("regsvr32.exe", null) == null)"), 1);
  EXPECT_EQ(Holds(R"(endsWith(null, null) == null)"), 1);
}

// "indexOf"
TEST(Functions, IndexOf) {
  const char* doc = R"({"url":{"domain":"subdomain.example.com"}})";
  EXPECT_EQ(Holds(R"(indexOf(url.domain, "d") == 3)", doc), 1);
  EXPECT_EQ(Holds(R"(indexOf(url.domain, "D") == null)", doc), 1);
  EXPECT_EQ(Holds(R"(indexOf(url.domain, ".") == 9)", doc), 1);
  EXPECT_EQ(Holds(R"(indexOf(url.domain, ".", 9) == 9)", doc), 1);
  EXPECT_EQ(Holds(R"(indexOf(url.domain, ".", 10) == 17)", doc), 1);
  EXPECT_EQ(Holds(R"(indexOf(url.domain, ".", -6) == 9)", doc), 1);
  // The reference says 4 here, but also that "d" is at 3; Elasticsearch
  // lower-cases both strings and searches, which gives 3.
  EXPECT_EQ(Holds(R"(indexOf~(url.domain, "D") == 3)", doc), 1);
  EXPECT_EQ(Holds(R"(indexOf("", "") == 0)"), 1);
  EXPECT_EQ(Holds(R"(indexOf(url.domain, "") == 0)", doc), 1);
  EXPECT_EQ(Holds(R"(indexOf(url.domain, "", 9) == 9)", doc), 1);
  EXPECT_EQ(Holds(R"(indexOf(url.domain, "", 10) == 10)", doc), 1);
  EXPECT_EQ(Holds(R"(indexOf(url.domain, "", -6) == 0)", doc), 1);
  EXPECT_EQ(Holds(R"(indexOf(url.domain, "z") == null)", doc), 1);
  EXPECT_EQ(Holds(R"(indexOf(url.domain, "z", 9) == null)", doc), 1);
  EXPECT_EQ(Holds(R"(indexOf(url.domain, ".", 30) == null)", doc), 1);
  EXPECT_EQ(Holds(R"(indexOf(null, ".", 9) == null)"), 1);
  EXPECT_EQ(Holds(R"(indexOf(url.domain, null, 9) == null)", doc), 1);
  EXPECT_EQ(Holds(R"(indexOf(url.domain, ".", null) == null)", doc), 1);
}

// "length"
TEST(Functions, Length) {
  EXPECT_EQ(Holds(R"(length("explorer.exe") == 12)"), 1);
  EXPECT_EQ(Holds(R"(length("start explorer.exe") == 18)"), 1);
  EXPECT_EQ(Holds(R"(length("") == 0)"), 1);
  EXPECT_EQ(Holds(R"(length(null) == null)"), 1);
  EXPECT_EQ(Holds(R"(length(process.name) == 12)", R"({"process":{"name":"regsvr32.exe"}})"), 1);
  // Java's length counts UTF-16 units: a supplementary character is 2.
  EXPECT_EQ(Holds(R"(length("\u{01f4a9}") == 2)"), 1);
  EXPECT_EQ(testing::Error("any where length~(process.name) > 1", Fields()),
            "Unused parameters [true] detected when building [length]");
}

// "modulo"
TEST(Functions, Modulo) {
  EXPECT_EQ(Holds("modulo(10, 6) == 4"), 1);
  EXPECT_EQ(Holds("modulo(10, 5) == 0"), 1);
  EXPECT_EQ(Holds("modulo(10, 0.5) == 0"), 1);
  EXPECT_EQ(Holds("modulo(10, -6) == 4"), 1);
  EXPECT_EQ(Holds("modulo(-10, -6) == -4"), 1);
  const char* doc = R"({"process":{"args_count":10,"parent":{"args_count":6}}})";
  EXPECT_EQ(Holds("modulo(process.args_count, 6) == 4", doc), 1);
  EXPECT_EQ(Holds("modulo(106, process.args_count) == 6", doc), 1);
  EXPECT_EQ(Holds("modulo(process.args_count, process.parent.args_count) == 4", doc), 1);
  EXPECT_EQ(Holds("modulo(null, 5) == null"), 1);
  EXPECT_EQ(Holds("modulo(7, null) == null"), 1);
}

// "multiply"
TEST(Functions, Multiply) {
  EXPECT_EQ(Holds("multiply(2, 2) == 4"), 1);
  EXPECT_EQ(Holds("multiply(0.5, 2) == 1"), 1);
  EXPECT_EQ(Holds("multiply(0.25, 2) == 0.5"), 1);
  EXPECT_EQ(Holds("multiply(-2, 2) == -4"), 1);
  EXPECT_EQ(Holds("multiply(-2, -2) == 4"), 1);
  EXPECT_EQ(Holds("multiply(process.args_count, 2) == 4", R"({"process":{"args_count":2}})"), 1);
  EXPECT_EQ(Holds("multiply(null, 2) == null"), 1);
  // Integer overflow fails a folded query (Math.multiplyExact).
  EXPECT_NE(testing::Error("any where multiply(2147483647, 2) > 0"), "");
  EXPECT_EQ(Holds("multiply(2147483647, 2.0) > 0"), 1);
}

// "number"
TEST(Functions, Number) {
  EXPECT_EQ(Holds(R"(number("1337") == 1337)"), 1);
  EXPECT_EQ(Holds(R"(number("42.5") == 42.5)"), 1);
  EXPECT_EQ(Holds(R"(number("deadbeef", 16) == 3735928559)"), 1);
  EXPECT_EQ(Holds(R"(number("0xdeadbeef") == 3735928559)"), 1);
  EXPECT_EQ(Holds(R"(number("0xdeadbeef", 16) == 3735928559)"), 1);
  EXPECT_EQ(Holds(R"(number("+1337") == 1337)"), 1);
  EXPECT_EQ(Holds(R"(number("-1337") == -1337)"), 1);
  EXPECT_EQ(Holds(R"(number("  1337  ") == 1337)"), 1);
  EXPECT_EQ(Holds(R"(number(process.pid) == 1337)", R"({"process":{"pid":"1337"}})"), 1);
  EXPECT_EQ(Holds(R"(number(null) == null)"), 1);
  EXPECT_EQ(Holds(R"(number(null, 16) == null)"), 1);
  EXPECT_EQ(Holds(R"(number("0xdeadbeef", null) == 3735928559)"), 1);
  EXPECT_EQ(Holds(R"(number("1337", null) == 1337)"), 1);
  // Not a number: Elasticsearch's script throws; no match.
  EXPECT_EQ(Holds(R"(number(process.pid) > 0)", R"({"process":{"pid":"x"}})"), 0);
}

// "startsWith"
TEST(Functions, StartsWith) {
  EXPECT_EQ(Holds(R"(startsWith("regsvr32.exe", "regsvr32"))"), 1);
  EXPECT_EQ(Holds(R"(startsWith("regsvr32.exe", "Regsvr32"))"), 0);
  EXPECT_EQ(Holds(R"(startsWith("regsvr32.exe", "explorer"))"), 0);
  EXPECT_EQ(Holds(R"(startsWith("", ""))"), 1);
  EXPECT_EQ(Holds(R"(startsWith~("regsvr32.exe", "Regsvr32"))"), 1);
  const char* doc = R"({"process":{"name":"regsvr32.exe"}})";
  EXPECT_EQ(Holds(R"(startsWith(process.name, "regsvr32"))", doc), 1);
  EXPECT_EQ(Holds(R"(startsWith(process.name, "explorer"))", doc), 0);
  EXPECT_EQ(Holds(R"(startsWith~(process.name, "REGSVR"))", doc), 1);
  EXPECT_EQ(
      Holds(R"(startsWith("regsvr32.exe", process.name))", R"({"process":{"name":"regsvr32"}})"),
      1);
  EXPECT_EQ(Holds(R"(startsWith("regsvr32.exe", null) == null)"), 1);
  EXPECT_EQ(Holds(R"(startsWith(null, null) == null)"), 1);
}

// "string"
TEST(Functions, String) {
  EXPECT_EQ(Holds(R"(string(42) == "42")"), 1);
  EXPECT_EQ(Holds(R"(string(42.5) == "42.5")"), 1);
  EXPECT_EQ(Holds(R"(string("regsvr32.exe") == "regsvr32.exe")"), 1);
  EXPECT_EQ(Holds(R"(string(true) == "true")"), 1);
  EXPECT_EQ(Holds(R"(string(null) == null)"), 1);
  EXPECT_EQ(Holds(R"(string(process.args_count) == "4")", R"({"process":{"args_count":4}})"), 1);
}

// "stringContains": empty strings are false (Elasticsearch's script
// helper), but a field tested against a constant is a wildcard query
// (*sub*), which an empty substring matches.
TEST(Functions, StringContains) {
  const char* doc = R"({"process":{"command_line":"start regsvr32.exe","name":"regsvr32.exe"}})";
  EXPECT_EQ(Holds(R"(stringContains(process.command_line, "regsvr32"))", doc), 1);
  EXPECT_EQ(Holds(R"(stringContains(process.command_line, "Regsvr32"))", doc), 0);
  EXPECT_EQ(Holds(R"(stringContains(process.command_line, "start "))", doc), 1);
  EXPECT_EQ(Holds(R"(stringContains(process.command_line, "explorer"))", doc), 0);
  EXPECT_EQ(Holds(R"(stringContains~(process.command_line, "Regsvr32"))", doc), 1);
  EXPECT_EQ(Holds(R"(stringContains(process.command_line, process.name))", doc), 1);
  EXPECT_EQ(Holds(R"(stringContains("", ""))"), 0);
  EXPECT_EQ(Holds(R"(stringContains("abc", ""))"), 0);
  EXPECT_EQ(Holds(R"(stringContains(process.command_line, ""))", doc), 1);  // *"" * query
  EXPECT_EQ(Holds(R"(stringContains(null, "regsvr32") == null)"), 1);
  EXPECT_EQ(Holds(R"(stringContains(process.command_line, "re?svr"))", doc), 0);  // ? literal
}

// "substring"
TEST(Functions, Substring) {
  EXPECT_EQ(Holds(R"(substring("start regsvr32.exe", 6) == "regsvr32.exe")"), 1);
  EXPECT_EQ(Holds(R"(substring("start regsvr32.exe", 0, 5) == "start")"), 1);
  EXPECT_EQ(Holds(R"(substring("start regsvr32.exe", 6, 14) == "regsvr32")"), 1);
  EXPECT_EQ(Holds(R"(substring("start regsvr32.exe", -4) == ".exe")"), 1);
  EXPECT_EQ(Holds(R"(substring("start regsvr32.exe", -4, -1) == ".ex")"), 1);
  EXPECT_EQ(Holds(R"(substring("abc", 5) == "")"), 1);
  EXPECT_EQ(Holds(R"(substring("abc", 2, 1) == "")"), 1);
  EXPECT_EQ(Holds(R"(substring(file.name, -4) : ".EXE")", R"({"file":{"name":"a.exe"}})"), 1);
}

// "subtract"
TEST(Functions, Subtract) {
  EXPECT_EQ(Holds("subtract(10, 2) == 8"), 1);
  EXPECT_EQ(Holds("subtract(10.5, 0.5) == 10"), 1);
  EXPECT_EQ(Holds("subtract(1, 0.2) == 0.8"), 1);
  EXPECT_EQ(Holds("subtract(-2, 4) == -6"), 1);
  EXPECT_EQ(Holds("subtract(-2, -4) == 2"), 1);
  const char* doc = R"({"process":{"args_count":10,"parent":{"args_count":6}}})";
  EXPECT_EQ(Holds("subtract(process.args_count, 6) == 4", doc), 1);
  EXPECT_EQ(Holds("subtract(15, process.args_count) == 5", doc), 1);
  EXPECT_EQ(Holds("subtract(process.args_count, 0.5) == 9.5", doc), 1);
  EXPECT_EQ(Holds("subtract(process.args_count, process.parent.args_count) == 4", doc), 1);
  EXPECT_EQ(Holds("subtract(null, 2) == null"), 1);
}

// Syntax reference, "Case-insensitive functions": names are
// case-insensitive, and ~ exists for the matching functions only.
TEST(Functions, NamesAndTildeVariants) {
  EXPECT_EQ(Holds(R"(STARTSWITH("abc", "a"))"), 1);
  EXPECT_EQ(Holds(R"(stringcontains("abc", "b"))"), 1);
  EXPECT_EQ(Holds(R"(endswith~("ABC", "c"))"), 1);
  for (const char* f :
       {"concat~(\"a\") == \"a\"", "string~(1) == \"1\"", "substring~(\"ab\", 1) == \"b\"",
        "number~(\"1\") == 1", "cidrMatch~(source.address, \"10.0.0.0/8\")", "subtract~(2, 1) == 1",
        "multiply~(2, 1) == 2", "divide~(2, 1) == 2", "modulo~(2, 1) == 0"})
    EXPECT_NE(
        testing::Error(std::string("any where ") + f, Fields()).find("Unused parameters [true]"),
        std::string::npos)
        << f;
}

}  // namespace
}  // namespace picket::eql
