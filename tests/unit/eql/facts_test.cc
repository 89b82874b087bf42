// Index facts of EQL filters (eql/query.h IndexFacts): the exact,
// case-sensitive keyword terms and the fields every match must have, in
// the forms of kql::NecessaryTerms / NecessaryAlternatives /
// NecessaryFields. Targeted cases, then a randomized check that every
// event a random filter matches satisfies its facts.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "eql/eql_test_helpers.h"
#include "util/utf8.h"

namespace picket::eql {
namespace {

using V = std::vector<std::string>;
using T = std::vector<std::pair<std::string, V>>;

event::FieldTypes TestTypes() {
  event::FieldTypes t;
  std::string error;
  EXPECT_TRUE(
      t.LoadText("a\tkeyword\n"
                 "b\tkeyword\n"
                 "c\tkeyword\t4\tc\n"
                 "a.b\tkeyword\n"
                 "n\tlong\n"
                 "ip\tip\n"
                 "event.category\tkeyword\n"
                 "w\twildcard\n",
                 "test", &error))
      << error;
  return t;
}

IndexFacts Facts(const std::string& query, const event::FieldTypes& types) {
  auto r = testing::Compile(query, types);
  EXPECT_TRUE(r.ok()) << query << ": " << r.error.message;
  if (!r.ok()) return {};
  return std::move(r.query->event.facts);
}

// The case-sensitive terms.
T Terms(const std::string& query, const event::FieldTypes& types) {
  T out;
  for (auto& r : Facts(query, types).terms)
    if (!r.lowered) out.emplace_back(r.field, r.values);
  return out;
}

// The lowered terms (case-insensitive tests), as "field: v1 v2 p* *s".
std::vector<std::string> Lowered(const std::string& query, const event::FieldTypes& types) {
  std::vector<std::string> out;
  for (auto& r : Facts(query, types).terms) {
    if (!r.lowered) continue;
    std::string line = r.field + ":";
    for (const auto& v : r.values) line += " " + v;
    for (const auto& v : r.prefixes) line += " " + v + "*";
    for (const auto& v : r.suffixes) line += " *" + v;
    out.push_back(line);
  }
  return out;
}

TEST(Facts, Terms) {
  auto t = TestTypes();
  // The event category is a required term of the category field.
  EXPECT_EQ(Terms("process where true", t), (T{{"event.category", {"process"}}}));
  EXPECT_EQ(Terms("any where a == \"x\" and b in (\"y\", \"z\")", t),
            (T{{"a", {"x"}}, {"b", {"y", "z"}}}));
  // like without wildcards is a term query, case-sensitive.
  EXPECT_EQ(Terms("any where a like \"x\"", t), (T{{"a", {"x"}}}));
  EXPECT_EQ(Terms("any where a like \"x*\"", t), T{});
  // `:` and ~ are case-insensitive: no exact term, unless the value has no
  // letter to fold (event.code : "4624").
  EXPECT_EQ(Terms("any where a : \"x\"", t), T{});
  EXPECT_EQ(Terms("any where a : \"4624\"", t), (T{{"a", {"4624"}}}));
  EXPECT_EQ(Terms("any where a in~ (\"x\")", t), T{});
  EXPECT_EQ(Terms("any where a like~ (\"1-2\", \"3\")", t), (T{{"a", {"1-2", "3"}}}));
  EXPECT_EQ(Terms("any where not a == \"x\"", t), T{});
  EXPECT_EQ(Terms("any where a != \"x\"", t), T{});
  EXPECT_EQ(Terms("any where a not in (\"x\")", t), T{});
  // Or: a field constrained in every branch, with the union of the values.
  EXPECT_EQ(Terms("any where (a == \"x\" and b == \"y\") or a in (\"z\", \"x\")", t),
            (T{{"a", {"x", "z"}}}));
  EXPECT_EQ(Terms("any where a == \"x\" or b == \"y\"", t), T{});
  EXPECT_EQ(Terms("any where a == \"x\" or a : \"y\"", t), T{});
  // Not keyword fields, and values longer than ignore_above.
  EXPECT_EQ(Terms("any where n == 5", t), T{});
  EXPECT_EQ(Terms("any where w == \"x\"", t), (T{{"w", {"x"}}}));  // wildcard: keyword family
  EXPECT_EQ(Terms("any where unmapped == \"x\"", t), T{});
  EXPECT_EQ(Terms("any where c == \"abcdef\"", t), T{});
  EXPECT_EQ(Terms("any where length(a) == 1", t), T{});
}

// Case-insensitive tests (`:`, like~, in~) and patterns anchored at one
// end give lowered terms, which the rule index compares with the event's
// value ASCII-lowered.
TEST(Facts, LoweredTerms) {
  auto t = TestTypes();
  using L = std::vector<std::string>;
  EXPECT_EQ(Lowered("any where a : \"X\"", t), L{"a: x"});
  EXPECT_EQ(Lowered("any where a in~ (\"Cmd.EXE\", \"x*\")", t), (L{"a: cmd.exe x*"}));
  EXPECT_EQ(Lowered("any where a : (\"x*\", \"*.Exe\", \"ab*c\")", t), (L{"a: ab* x* *.exe"}));
  // like (case-sensitive) with a wildcard: lowered too (a weaker test).
  EXPECT_EQ(Lowered("any where a like (\"Process Create*\", \"exec\")", t),
            (L{"a: exec process create*"}));
  // The longer literal end; `?` ends a literal as `*` does.
  EXPECT_EQ(Lowered("any where a : \"ab*cdef\"", t), (L{"a: *cdef"}));
  EXPECT_EQ(Lowered("any where a : \"?:\\\\Windows\\\\*.exe\"", t), (L{"a: *.exe"}));
  // Exact and case-insensitive tests of one field in an or: all lowered.
  EXPECT_EQ(Lowered("any where a == \"X\" or a : \"y\"", t), (L{"a: x y"}));
  EXPECT_EQ(Lowered("any where (a == \"X\" and b == \"z\") or (a : \"y*\" and b == \"w\")", t),
            (L{"a: x y*"}));
  // Nothing to state: unanchored patterns, non-ASCII case-insensitive
  // text, regexes, ranges and existence, fields not keyword.
  EXPECT_EQ(Lowered("any where a : \"*x*\"", t), L{});
  EXPECT_EQ(Lowered("any where a : (\"x\", \"*y*\")", t), L{});
  EXPECT_EQ(Lowered("any where a : \"\\u{c9}\"", t), L{});
  EXPECT_EQ(Lowered("any where a : \"\\u{212a}*\"", t), L{});
  EXPECT_EQ(Lowered("any where a : \"x\" or a regex \"y.*\"", t), L{});
  EXPECT_EQ(Lowered("any where unmapped : \"x\"", t), L{});
  EXPECT_EQ(Lowered("any where not a : \"x\"", t), L{});
  // A case-sensitive literal keeps its non-ASCII text.
  EXPECT_EQ(Lowered("any where a like \"\\u{c9}X*\"", t), (L{"a: \xc3\x89x*"}));
}

TEST(Facts, AlternativesAndFields) {
  auto t = TestTypes();
  auto f = Facts("any where b == \"k\" and (a == \"x\" or (a == \"y\" and c == \"z\"))", t);
  ASSERT_EQ(f.alternatives.size(), 1u);
  ASSERT_EQ(f.alternatives[0].size(), 2u);
  EXPECT_EQ(f.alternatives[0][1].size(), 2u);
  EXPECT_EQ(f.fields, (V{"b", "a"}));
  EXPECT_EQ(Facts("any where n > 3 and ip != null and not a == \"x\"", t).fields, (V{"n", "ip"}));
  EXPECT_EQ(Facts("any where ?a == null", t).fields, V{});
  EXPECT_EQ(Facts("any where a : \"x*\" or a like \"y\"", t).fields, V{"a"});
  EXPECT_EQ(Facts("any where a : \"x*\" or b like \"y\"", t).fields, V{});
  EXPECT_EQ(Facts("any where length(a) > 0", t).fields, V{});  // scripts imply nothing
  // An or whose branches each need fields: each branch's fields.
  using FB = std::vector<std::vector<V>>;
  EXPECT_EQ(Facts("any where (n == 1 and b : \"x*\") or ip != null", t).field_alternatives,
            (FB{{{"n", "b"}, {"ip"}}}));
  EXPECT_EQ(Facts("any where (n == 1 or ip != null) and a != null", t).field_alternatives,
            (FB{{{"n"}, {"ip"}}}));
  EXPECT_EQ(Facts("any where n == 1 or not ip != null", t).field_alternatives, FB{});
  EXPECT_EQ(Facts("any where n == 1 or n > 5", t).field_alternatives, FB{});  // n: in fields
}

// ---- random filters and events ------------------------------------------------

class RandomEql {
 public:
  explicit RandomEql(uint32_t seed) : rng_(seed) {}

  std::string Query() {
    return (Pick(3) ? "any" : Pick(2) ? "x" : "y") + std::string(" where ") + Cond(0);
  }

  std::string Cond(int depth) {
    switch (Pick(depth >= 3 ? 4 : 8)) {
      case 4:
      case 5:
        return "(" + Cond(depth + 1) + " and " + Cond(depth + 1) + ")";
      case 6:
        return "(" + Cond(depth + 1) + " or " + Cond(depth + 1) + ")";
      case 7:
        return "not (" + Cond(depth + 1) + ")";
      default:
        return Atom();
    }
  }

  std::string Document() {
    std::string out = "{";
    for (int i = 0, n = Pick(6); i < n; ++i) {
      if (i) out += ',';
      static const char* const kKeys[] = {"a", "b", "c", "a.b", "n", "ip", "event.category",
                                          "w", "u"};
      std::string key = kKeys[Pick(std::size(kKeys))];
      if (key == "a" && Pick(3) == 0) {
        out += R"("a":{"b":)" + Scalar() + "}";
        continue;
      }
      out += "\"" + key + "\":";
      out += Pick(4) == 0 ? "[" + Scalar() + "," + Scalar() + "]" : Scalar();
    }
    return out + "}";
  }

 private:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  std::string Scalar() {
    static const char* const kScalars[] = {R"("x")",
                                           R"("X")",
                                           R"("y")",
                                           R"("xy")",
                                           "1",
                                           "2",
                                           "3",
                                           "null",
                                           "[]",
                                           "true",
                                           R"("10.1.2.3")",
                                           R"("abcdef")",
                                           R"("4624")",
                                           R"("XY")",
                                           R"("xY")",
                                           R"("\u00e9x")",
                                           R"("x\u00c9")",
                                           R"("ky")",
                                           R"("\u212ay")",
                                           R"("\u00c9")"};
    return kScalars[Pick(std::size(kScalars))];
  }

  std::string Atom() {
    static const char* const kFields[] = {"a", "b", "c", "a.b", "w", "u", "event.category"};
    static const char* const kStrings[] = {
        "\"x\"",        "\"X\"",        "\"y\"",         "\"x*\"", "\"?y\"",
        "\"1\"",        "\"4624\"",     "\"abcdef\"",    "\"*Y\"", "\"X*y\"",
        "\"\\u{e9}*\"", "\"*\\u{c9}\"", "\"\\u{212a}*\""};
    std::string f = kFields[Pick(std::size(kFields))];
    auto s = [&] { return std::string(kStrings[Pick(std::size(kStrings))]); };
    switch (Pick(16)) {
      case 0:
        return f + " != " + s();
      case 1:
        return f + " : " + s();
      case 2:
        return f + " : (" + s() + ", " + s() + ")";
      case 3:
        return f + " like " + s();
      case 4:
        return f + " like~ " + s();
      case 5:
        return f + " in (" + s() + ", " + s() + ")";
      case 6:
        return f + " in~ (" + s() + ")";
      case 7:
        return f + " not in (" + s() + ")";
      case 8:
        return f + " regex \"x.*\"";
      case 9:
        return "startsWith(" + f + ", " + s() + ")";
      case 10:
        return "length(" + f + ") > 1";
      case 11:
        return "?" + f + (Pick(2) ? " == null" : " != null");
      case 12:
        return std::string("n ") + (Pick(2) ? ">" : "<=") + " " + std::to_string(Pick(4));
      case 13:
        return "cidrMatch(ip, \"10.0.0.0/8\")";
      default:
        return f + " == " + s();
    }
  }

  std::mt19937 rng_;
};

TEST(Facts, RandomFiltersMatchOnlyEventsSatisfyingTheirFacts) {
  auto types = TestTypes();
  RandomEql random(2024);
  std::vector<std::string> texts;
  for (int i = 0; i < 300; ++i) texts.push_back(random.Document());
  std::vector<simdjson::padded_string> padded(texts.begin(), texts.end());
  std::vector<simdjson::dom::parser> parsers(texts.size());
  std::vector<event::Json> docs;
  for (size_t i = 0; i < texts.size(); ++i) docs.push_back(parsers[i].parse(padded[i]).value());

  auto has_term = [](event::Json doc, const kql::RequiredTerms& r) {
    bool found = false;
    std::string text, lowered;
    event::ForEachValue(doc, r.field, [&](event::Json v) {
      if (!event::ScalarToKeyword(v, &text)) return false;
      if (r.lowered) {
        AsciiLowerInto(text, &lowered);
        text = lowered;
      }
      found |= std::find(r.values.begin(), r.values.end(), text) != r.values.end();
      for (const auto& p : r.prefixes) found |= text.starts_with(p);
      for (const auto& s : r.suffixes) found |= text.ends_with(s);
      return found;
    });
    return found;
  };
  size_t field_alternatives_checked = 0;
  size_t with_terms = 0, with_lowered = 0, with_fields = 0, with_alternatives = 0, checked = 0;
  for (int q = 0; q < 2000; ++q) {
    std::string query = random.Query();
    auto r = testing::Compile(query, types);
    ASSERT_TRUE(r.ok()) << query << ": " << r.error.message;
    const Filter& f = r.query->event;
    with_terms += !f.facts.terms.empty();
    with_lowered += std::any_of(f.facts.terms.begin(), f.facts.terms.end(),
                                [](const auto& t) { return t.lowered; });
    with_fields += !f.facts.fields.empty();
    with_alternatives += !f.facts.alternatives.empty();
    for (size_t d = 0; d < docs.size(); ++d) {
      if (!f.matcher->Matches(docs[d])) continue;
      for (const auto& t : f.facts.terms) {
        ASSERT_TRUE(has_term(docs[d], t))
            << query << " matches " << texts[d] << " without a term of " << t.field;
        ++checked;
      }
      for (const auto& field : f.facts.fields) {
        ASSERT_TRUE(event::HasValue(docs[d], field))
            << query << " matches " << texts[d] << " without a value of " << field;
        ++checked;
      }
      for (const auto& branches : f.facts.alternatives) {
        bool some = std::any_of(branches.begin(), branches.end(), [&](const auto& branch) {
          return std::all_of(branch.begin(), branch.end(),
                             [&](const auto& t) { return has_term(docs[d], t); });
        });
        ASSERT_TRUE(some) << query << " matches " << texts[d] << " in no alternative";
        ++checked;
      }
      for (const auto& branches : f.facts.field_alternatives) {
        bool some = std::any_of(branches.begin(), branches.end(), [&](const auto& fields) {
          return std::all_of(fields.begin(), fields.end(),
                             [&](const auto& field) { return event::HasValue(docs[d], field); });
        });
        ASSERT_TRUE(some) << query << " matches " << texts[d] << " in no field alternative";
        ++checked;
        ++field_alternatives_checked;
      }
    }
  }
  // The property was exercised.
  EXPECT_GT(with_terms, 500u);
  EXPECT_GT(with_lowered, 100u);
  EXPECT_GT(field_alternatives_checked, 50u);
  EXPECT_GT(with_fields, 800u);
  EXPECT_GT(with_alternatives, 10u);
  EXPECT_GT(checked, 3000u);
}

}  // namespace
}  // namespace picket::eql
