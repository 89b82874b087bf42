// The Python literal parser (scan/py_literal.h): targeted cases, and a
// differential test against CPython's ast.literal_eval on generated inputs.
#include "scan/py_literal.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "oracle_util.h"

namespace picket::scan {
namespace {

using namespace picket::scan::testing;

// Mirrors canon() in tests/scan_corpus/oracle.py.
std::string Canon(const PyValue& v) {
  char buf[96];
  auto hex = [](const std::string& s) {
    static const char* d = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s) {
      out += d[c >> 4];
      out += d[c & 15];
    }
    return out;
  };
  auto join = [&](std::string head, bool sort) {
    std::vector<std::string> parts;
    for (const PyValue& x : v.items) parts.push_back(Canon(x));
    if (sort) std::sort(parts.begin(), parts.end());
    std::string out = head + "(";
    for (size_t i = 0; i < parts.size(); ++i) out += (i ? "," : "") + parts[i];
    return out + ")";
  };
  switch (v.kind) {
    case PyValue::kNone:
      return "N";
    case PyValue::kEllipsis:
      return "E";
    case PyValue::kBool:
      return v.integer ? "B1" : "B0";
    case PyValue::kInt:
      return v.big ? "I:big" : "I" + std::to_string(v.integer);
    case PyValue::kFloat:
      snprintf(buf, sizeof buf, "F%.17g", v.real);
      return buf;
    case PyValue::kComplex:
      snprintf(buf, sizeof buf, "C%.17g,%.17g", v.real, v.imag);
      return buf;
    case PyValue::kStr:
      return "S" + hex(v.text);
    case PyValue::kBytes:
      return "Y" + hex(v.text);
    case PyValue::kTuple:
      return join("T", false);
    case PyValue::kList:
      return join("L", false);
    case PyValue::kSet:
      return join("Z", true);
    case PyValue::kDict: {
      std::string out = "D(";
      for (size_t i = 0; i + 1 < v.items.size(); i += 2) {
        out += (i ? "," : "") + Canon(v.items[i]) + ":" + Canon(v.items[i + 1]);
      }
      return out + ")";
    }
  }
  return "?";
}

std::string Eval(std::string_view src, bool strip_long = false) {
  LiteralOptions options;
  options.strip_long_suffix = strip_long;
  LiteralResult r = ParsePythonLiteral(src, options);
  return r.status == LiteralResult::kOk ? Canon(r.value) : "invalid: " + r.error;
}

TEST(PyLiteral, NumpyHeaderTricks) {
  // Duplicate keys: the last value wins (numpy keeps the last 'descr').
  LiteralResult dup = ParsePythonLiteral("{'descr': '<f8', 'descr': '|O'}");
  ASSERT_EQ(dup.status, LiteralResult::kOk);
  EXPECT_TRUE(dup.value.Get("descr")->IsStr("|O"));
  EXPECT_EQ(dup.value.size(), 1u);
  // Escapes and implicit concatenation.
  EXPECT_TRUE(ParsePythonLiteral("'\\x7cO'").value.IsStr("|O"));
  EXPECT_TRUE(ParsePythonLiteral("'\\u004f'").value.IsStr("O"));
  EXPECT_TRUE(ParsePythonLiteral("'\\N{LATIN CAPITAL LETTER O}'").value.IsStr("O"));
  EXPECT_TRUE(ParsePythonLiteral("'|' \"O\"").value.IsStr("|O"));
  EXPECT_TRUE(ParsePythonLiteral("('|'\n 'O')").value.IsStr("|O"));
  EXPECT_TRUE(ParsePythonLiteral("'\\174O'").value.IsStr("|O"));
  EXPECT_TRUE(ParsePythonLiteral("r'|O'").value.IsStr("|O"));
  // An unknown \N name is flagged, never silently equal to ASCII.
  LiteralResult unknown = ParsePythonLiteral("'\\N{CYRILLIC CAPITAL LETTER O}'");
  EXPECT_TRUE(unknown.approximate);
  EXPECT_FALSE(unknown.value.IsStr("O"));
  // Python 2 longs only with numpy's filter.
  EXPECT_EQ(Eval("(3L, 4)"), "invalid: invalid decimal literal");
  EXPECT_EQ(Eval("(3L, 4)", true), "T(I3,I4)");
  EXPECT_EQ(Eval("(3Lx,)", true), "invalid: invalid decimal literal");
  // Dict keys compare as Python does.
  EXPECT_EQ(Eval("{1: 'a', True: 'b', 1.0: 'c'}"), "D(I1:S63)");
  EXPECT_EQ(Eval("{[1]: 2}"), "invalid: malformed node or string (not a literal)");
}

TEST(PyLiteral, RejectsWhatLiteralEvalRejects) {
  for (const char* src :
       {"foo",      "1 + 2",         "-'a'",        "--1", "1 - -2j",          "f'x'",    "{**{}}",
        "[*[]]",    "'a' b'b'",      "b'\xc3\xa9'", "(,)", "1 if 1 else 2",    "  \n  1", "'\\x4'",
        "set([1])", "'unterminated", "1e",          "01",  "{'a': 1} garbage", "()()"}) {
    EXPECT_NE(ParsePythonLiteral(src).status, LiteralResult::kOk) << src;
  }
  std::string deep(201, '[');
  deep += std::string(201, ']');
  EXPECT_EQ(ParsePythonLiteral(deep).status, LiteralResult::kInvalid);
  EXPECT_EQ(ParsePythonLiteral(deep.substr(1, 400)).status, LiteralResult::kOk);
}

TEST(PyLiteral, NodeLimit) {
  LiteralOptions options;
  options.max_nodes = 100;
  std::string big = "[";
  for (int i = 0; i < 200; ++i) big += "1,";
  big += "]";
  EXPECT_EQ(ParsePythonLiteral(big, options).status, LiteralResult::kLimit);
}

// Differential: CPython's ast.literal_eval on several thousand generated
// header-like strings (tests/scan_corpus/oracle.py literal).
TEST(PyLiteral, AgreesWithAstLiteralEval) {
  std::vector<std::string> lines = OracleLines("literal", 1, 6000);
  if (lines.empty()) GTEST_SKIP() << "/usr/bin/python3 not available";
  simdjson::dom::parser parser;
  int compared = 0, disagreements = 0;
  for (const std::string& line : lines) {
    simdjson::dom::element e;
    ASSERT_EQ(parser.parse(line).get(e), simdjson::SUCCESS);
    std::string src = FromHex(std::string_view(e["src"]));
    bool ok = bool(e["ok"]);
    LiteralResult r = ParsePythonLiteral(src);
    if (r.approximate) continue;
    ++compared;
    std::string ours = r.status == LiteralResult::kOk ? Canon(r.value) : "";
    std::string theirs = ok ? std::string(std::string_view(e["canon"])) : "";
    if ((r.status == LiteralResult::kOk) != ok || ours != theirs) {
      if (++disagreements <= 20) {
        ADD_FAILURE() << "source " << ::testing::PrintToString(src)
                      << "\n  python: " << (ok ? theirs : "error") << "\n  picket: "
                      << (r.status == LiteralResult::kOk ? ours : "error: " + r.error);
      }
    }
  }
  EXPECT_GT(compared, 5000);
  EXPECT_EQ(disagreements, 0);
}

}  // namespace
}  // namespace picket::scan
