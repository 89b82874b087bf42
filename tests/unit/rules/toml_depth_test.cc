// The TOML nesting bound (issue 16 item 11: a 20,000-component dotted key or
// table header crashed `rules`, `run`, `serve --rules` and `lint`).
#include "rules/toml_depth.h"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <random>

#include "rules/lint.h"
#include "rules/loader.h"
#include "toml_tree_depth.h"
#include "unit/rules/rules_helpers.h"

namespace picket::rules {
namespace {

using testing::BaselineRuleText;

std::string Dotted(size_t n, const std::string& part = "abcdef") {
  std::string out = part;
  for (size_t i = 1; i < n; ++i) out += "." + part;
  return out;
}

TEST(TomlDepth, HugeHeaderIsALocatedLoadErrorNotACrash) {
  std::string text = BaselineRuleText() + "\n[rule." + Dotted(20000) + "]\nx = 1\n";
  std::vector<LoadIssue> errors, warnings;
  auto rule =
      LoadRuleText(text, "deep.toml", *event::FieldTypes::BuiltIn(), {}, &errors, &warnings);
  EXPECT_EQ(rule, nullptr);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 62u);
  EXPECT_EQ(errors[0].column, 1u);
  EXPECT_NE(errors[0].message.find("table header reaches 20001 levels"), std::string::npos)
      << errors[0].message;
}

TEST(TomlDepth, HugeDottedKeyIsALintErrorNotACrash) {
  std::string text = BaselineRuleText();
  text.replace(text.find("[rule]\n"), 7, "[rule]\n" + Dotted(50000) + " = 1\n");
  auto findings = LintRuleText(text, "lint_test/execution_case.toml");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].check, "toml-syntax");
  EXPECT_EQ(findings[0].line, 10u);
  EXPECT_NE(findings[0].message.find("50001 levels"), std::string::npos) << findings[0].message;
}

TEST(TomlDepth, LimitIsExact) {
  EXPECT_FALSE(FindExcessiveTomlDepth("[" + Dotted(64, "a") + "]\n"));
  auto header = FindExcessiveTomlDepth("x = 1\n\n  [" + Dotted(65, "a") + "]\n");
  ASSERT_TRUE(header);
  EXPECT_EQ(header->line, 3u);
  EXPECT_EQ(header->column, 3u);
  // Header and dotted key add up.
  EXPECT_FALSE(FindExcessiveTomlDepth("[" + Dotted(32, "a") + "]\n" + Dotted(32, "b") + " = 1\n"));
  EXPECT_TRUE(FindExcessiveTomlDepth("[" + Dotted(32, "a") + "]\n" + Dotted(33, "b") + " = 1\n"));
  // [[a]] is one level more than [a]: the array's element.
  EXPECT_FALSE(FindExcessiveTomlDepth("[[" + Dotted(63, "a") + "]]\n"));
  EXPECT_TRUE(FindExcessiveTomlDepth("[[" + Dotted(64, "a") + "]]\n"));
  // Arrays and inline tables.
  EXPECT_FALSE(FindExcessiveTomlDepth("x = " + std::string(63, '[') + "1" + std::string(63, ']')));
  auto array = FindExcessiveTomlDepth("x = " + std::string(64, '[') + "1" + std::string(64, ']'));
  ASSERT_TRUE(array);
  EXPECT_EQ(array->column, 4u + 64u);
  std::string inline_ok = "x = ", inline_deep = "x = ";
  for (int i = 0; i < 63; ++i) inline_ok += "{a = ";
  for (int i = 0; i < 64; ++i) inline_deep += "{a = ";
  EXPECT_FALSE(FindExcessiveTomlDepth(inline_ok + "1" + std::string(63, '}')));
  EXPECT_TRUE(FindExcessiveTomlDepth(inline_deep + "1" + std::string(64, '}')));
}

TEST(TomlDepth, StringsCommentsAndQuotedKeysDoNotCount) {
  std::string dots(5000, '.');
  std::string brackets(5000, '[');
  EXPECT_FALSE(FindExcessiveTomlDepth("\"" + Dotted(200, "a") + "\" = 1\n"));
  EXPECT_FALSE(FindExcessiveTomlDepth("'" + Dotted(200, "a") + "'.b = 1\n"));
  EXPECT_FALSE(FindExcessiveTomlDepth("# " + Dotted(200, "a") + " = 1\n[x]\n"));
  EXPECT_FALSE(FindExcessiveTomlDepth("x = \"" + brackets + dots + "\" # [" + dots + "\n"));
  EXPECT_FALSE(FindExcessiveTomlDepth("x = \"\\\"" + brackets + "\"\ny = '" + brackets + "'\n"));
  std::string lines;
  for (int i = 0; i < 100; ++i)
    lines += "[" + Dotted(100, "a") + "]\n" + Dotted(100, "b") + " = 1\n";
  EXPECT_FALSE(FindExcessiveTomlDepth("q = '''\n" + lines + "'''\n"));
  EXPECT_FALSE(FindExcessiveTomlDepth("q = \"\"\"\n\\\"\"\"" + lines + "\"\"\"\"\"\n"));
  EXPECT_FALSE(FindExcessiveTomlDepth("a = [ # [[[[\n  \"]]]]\", '[[[[',\n  1 ]\n"));
  // The same structure outside a string is found.
  EXPECT_TRUE(FindExcessiveTomlDepth("q = 1\n" + lines));
}

TEST(TomlDepth, MalformedInputNeverHangsOrCrashes) {
  for (const char* text :
       {"",       "[",        "[[",     "=",   "x =",      "x = [",     "x = {",
        "x = {a", "x = {a =", "\"",     "'''", "\"\"\"\\", "x = [1,,]", "x = {,}",
        "]]]]",   "}}}",      "a.b.c.", "...", "x = \"\\", "[a.\"b"}) {
    FindExcessiveTomlDepth(text, 1);
    FindExcessiveTomlDepth(text);
  }
}

// ---- The scanner's depth equals the parsed tree's on random documents.

class RandomToml {
 public:
  explicit RandomToml(uint32_t seed) : rng_(seed) {}

  std::string Document() {
    std::string out;
    for (int i = Pick(0, 3); i > 0; --i) out += Comment() + "\n" + KeyValue(Pick(2, 7));
    for (int h = Pick(0, 4); h > 0; --h) {
      bool array = Pick(0, 3) == 0;
      out += (array ? "[[" : "[") + Key(Pick(1, 4)) + (array ? "]]" : "]") + Comment() + "\n";
      for (int i = Pick(0, 3); i > 0; --i) out += KeyValue(Pick(1, 6));
    }
    return out;
  }

 private:
  int Pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  std::string Fresh() { return "k" + std::to_string(next_++); }
  // A dotted key of n fresh components, some quoted with traps inside.
  std::string Key(int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
      if (i) out += Pick(0, 1) ? "." : " . ";
      switch (Pick(0, 3)) {
        case 0:
          out += "\"" + Fresh() + ".x[y]#\"";
          break;
        case 1:
          out += "'" + Fresh() + ".{z}'";
          break;
        default:
          out += Fresh();
      }
    }
    return out;
  }
  std::string Comment() { return Pick(0, 1) ? " # a.b.c [x.y] {z} \"' = [[" : ""; }
  std::string String() {
    switch (Pick(0, 4)) {
      case 0:
        return "\"a.b[c]{d}#e\\\"f\\\\\"";
      case 1:
        return "'x.[y]#{'";
      case 2:
        return "\"\"\"line\n[a.b.c]\nx.y = [[1]] # \"\" \\\"\"\" \"\"\"\"";
      case 3:
        return "'''\n[[q.r]]\n{ s = 1 }'' '''";
      default:
        return "\"\"";
    }
  }
  std::string Value(int budget) {
    int kind = budget <= 1 ? Pick(0, 1) : Pick(0, 3);
    if (kind == 0) return std::to_string(Pick(0, 99));
    if (kind == 1) return String();
    if (kind == 2) {  // a non-empty array
      std::string out = "[";
      for (int i = Pick(1, 3); i > 0; --i) {
        out += Value(budget - 1) + (i > 1 ? ", " : Pick(0, 1) ? "," : "");
        if (Pick(0, 3) == 0) out += Comment() + "\n  ";
      }
      return out + "]";
    }
    std::string out = "{";  // an inline table (one line, as TOML 1.0 wants)
    for (int i = Pick(0, 3); i > 0; --i) {
      int parts = Pick(1, std::max(1, budget - 1));
      out += " " + Key(parts) + " = " + Value(budget - parts) + (i > 1 ? "," : "");
    }
    return out + " }";
  }
  std::string KeyValue(int budget) {
    int parts = Pick(1, std::max(1, budget - 1));
    return Key(parts) + " = " + Value(budget - parts) + Comment() + "\n";
  }

  std::mt19937 rng_;
  int next_ = 0;
};

TEST(TomlDepth, ScannerDepthEqualsTreeDepthOnRandomDocuments) {
  for (uint32_t seed = 1; seed <= 3000; ++seed) {
    std::string text = RandomToml(seed).Document();
    toml::table doc;
    try {
      doc = toml::parse(text);
    } catch (const toml::parse_error& e) {
      FAIL() << "seed " << seed << ": generator made invalid TOML: " << e.description() << "\n"
             << text;
    }
    size_t depth = picket::testing::TomlTreeDepth(doc);
    EXPECT_FALSE(FindExcessiveTomlDepth(text, depth)) << "seed " << seed << "\n" << text;
    if (depth > 0) {
      EXPECT_TRUE(FindExcessiveTomlDepth(text, depth - 1))
          << "seed " << seed << " depth " << depth << "\n"
          << text;
    }
  }
}

}  // namespace
}  // namespace picket::rules
