// NecessaryFields: the fields every matching event has a value of (top-level
// conjuncts testing a field positively: a value, a range, `f:*`, nested; not
// under not/or; multi-fields read from their source). Targeted cases, events
// lacking a necessary field do not match, and a randomized check that every
// event a random query matches has a value of each of its necessary fields.
#include <gtest/gtest.h>

#include <random>

#include "kql/kql_test_helpers.h"
#include "util/ip.h"

namespace picket::kql {
namespace {

using testing::Eval;
using testing::Types;
using V = std::vector<std::string>;

V Fields(const std::string& query, const event::FieldTypes& types) {
  auto parsed = Parse(query);
  EXPECT_TRUE(parsed.ok()) << query << ": " << parsed.error.message;
  if (!parsed.ok()) return {"<parse error>"};
  return NecessaryFields(*parsed.root, types);
}

event::FieldTypes TestTypes() {
  event::FieldTypes t;
  std::string error;
  EXPECT_TRUE(
      t.LoadText("a\tkeyword\n"
                 "b\tkeyword\n"
                 "c\tkeyword\n"
                 "a.b\tkeyword\n"
                 "n\tlong\n"
                 "ts\tdate\n"
                 "process.name\tkeyword\t1024\tprocess.name\n"
                 "process.name.text\tmatch_only_text\t0\tprocess.name\n"
                 "o\tnested\n"
                 "o.a\tkeyword\n"
                 "o.n\tlong\n"
                 "ip\tip\n",
                 "test", &error))
      << error;
  return t;
}

TEST(NecessaryFields, PositiveTopLevelConjuncts) {
  auto t = TestTypes();
  EXPECT_EQ(Fields("a:x", t), V{"a"});
  EXPECT_EQ(Fields("a:x and b:y", t), (V{"a", "b"}));
  EXPECT_EQ(Fields("a:x and (b:y and (c:z and n:1))", t), (V{"a", "b", "c", "n"}));
  EXPECT_EQ(Fields("a.b:x", t), V{"a.b"});
  EXPECT_EQ(Fields("a:*", t), V{"a"});
  EXPECT_EQ(Fields("a:x*", t), V{"a"});
  EXPECT_EQ(Fields("a:\"x y\"", t), V{"a"});
  EXPECT_EQ(Fields("n > 5", t), V{"n"});
  EXPECT_EQ(Fields("n <= 5 and ts >= now-1d", t), (V{"n", "ts"}));
  EXPECT_EQ(Fields("undeclared:1", t), V{"undeclared"});
  // Each field once, in query order.
  EXPECT_EQ(Fields("b:x and a:y and b:z and n >= 1 and n < 9", t), (V{"b", "a", "n"}));
}

TEST(NecessaryFields, ValueExpressions) {
  auto t = Types({{"a", "keyword"}});
  EXPECT_EQ(Fields("a:(x or y)", t), V{"a"});
  EXPECT_EQ(Fields("a:(x and y)", t), V{"a"});
  EXPECT_EQ(Fields("a:(x and not y)", t), V{"a"});
  EXPECT_EQ(Fields("a:(not y and x)", t), V{"a"});
  EXPECT_EQ(Fields("a:(x or (y and not z))", t), V{"a"});
  EXPECT_EQ(Fields("a:(x or (y and *))", t), V{"a"});
  // `not` holds for an event without the field.
  EXPECT_EQ(Fields("a:(not x)", t), V{});
  EXPECT_EQ(Fields("a:(x or not y)", t), V{});
  EXPECT_EQ(Fields("a:(not x and not y)", t), V{});
  EXPECT_EQ(Fields("a:(x or (not y and not z))", t), V{});
}

TEST(NecessaryFields, NothingUnderNotOrOr) {
  auto t = TestTypes();
  EXPECT_EQ(Fields("not a:x", t), V{});
  EXPECT_EQ(Fields("not (not a:x)", t), V{});
  EXPECT_EQ(Fields("a:x or b:y", t), V{});
  EXPECT_EQ(Fields("not (a:x and b:y)", t), V{});
  EXPECT_EQ(Fields("a:x and not b:y", t), V{"a"});
  EXPECT_EQ(Fields("(a:x or b:y) and c:z", t), V{"c"});
  EXPECT_EQ(Fields("not n > 1 and (n < 0 or a:x) and b:*", t), V{"b"});
  EXPECT_EQ(Fields("not a:* and b:x", t), V{"b"});
}

TEST(NecessaryFields, WildcardFieldsFreeTextAndMatchAll) {
  auto t = TestTypes();
  EXPECT_EQ(Fields("a*:x", t), V{});
  EXPECT_EQ(Fields("a.*:x and b:y", t), V{"b"});
  EXPECT_EQ(Fields("*:x", t), V{});
  EXPECT_EQ(Fields("x", t), V{});
  EXPECT_EQ(Fields("x and a:y", t), V{"a"});
  EXPECT_EQ(Fields("*", t), V{});
  EXPECT_EQ(Fields("", t), V{});
}

TEST(NecessaryFields, Nested) {
  auto t = TestTypes();
  EXPECT_EQ(Fields("o:{ a:x }", t), V{"o"});
  EXPECT_EQ(Fields("o:{ a:x and n > 1 } and b:y", t), (V{"o", "b"}));
  // The nested field itself, not the fields of the inner query.
  EXPECT_EQ(Fields("o:{ a:x and n:1 }", t), V{"o"});
  // An element must exist even when the inner query is a negation.
  EXPECT_EQ(Fields("o:{ not a:x }", t), V{"o"});
  EXPECT_EQ(Fields("not o:{ a:x }", t), V{});
  EXPECT_EQ(Fields("o:{ a:x } or b:y", t), V{});
}

TEST(NecessaryFields, MultiFieldsMapToTheirSource) {
  auto t = TestTypes();
  EXPECT_EQ(Fields("process.name.text:python", t), V{"process.name"});
  EXPECT_EQ(Fields("process.name.text:*", t), V{"process.name"});
  EXPECT_EQ(Fields("process.name.text:python and process.name:python3", t), V{"process.name"});
  EXPECT_EQ(Fields("process.name:python3 and process.name.text:python", t), V{"process.name"});
  EXPECT_EQ(Fields("process.name.text:(python or perl)", t), V{"process.name"});
  EXPECT_EQ(Fields("not process.name.text:python", t), V{});
}

// The event that matches loses one necessary field at a time: it no longer
// matches. (Mixtures of dotted keys and objects are the same field.)
TEST(NecessaryFields, EventsLackingANecessaryFieldDoNotMatch) {
  auto t = TestTypes();
  struct Case {
    const char* query;
    const char* match;
    std::vector<const char*> lacking;  // one per necessary field, in order
  };
  const Case cases[] = {
      {"a:x and n > 1", R"({"a":"x","n":2})", {R"({"n":2})", R"({"a":"x"})"}},
      {"a.b:x and not c:y", R"({"a":{"b":"x"}})", {R"({"a":{"c":"x"},"c":"x"})"}},
      {"a:* and b:(x or y)",
       R"({"a":{"q":1},"b":["z","y"]})",
       {R"({"a":null,"b":"y"})", R"({"a":1,"b":[[],null]})"}},
      {"process.name.text:python and n:1",
       R"({"process.name":"Python","n":1})",
       {R"({"process":{"name.text":"python"},"n":1})", R"({"process.name":"python","n":[]})"}},
      {"o:{ not a:x } and (b:y or c:z)", R"({"o":[{"a":"y"}],"c":"z"})", {R"({"c":"z"})"}},
      {"n >= 1 and a:(x and not y)",
       R"({"n":[0,1],"a":["x","z"]})",
       {R"({"n.x":1,"a":"x"})", R"({"n":1,"a.":"x"})"}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Eval(c.query, c.match, t), 1) << c.query << " on " << c.match;
    V fields = Fields(c.query, t);
    ASSERT_EQ(fields.size(), c.lacking.size()) << c.query;
    simdjson::dom::parser parser;
    for (size_t i = 0; i < fields.size(); ++i) {
      std::string json = c.lacking[i];
      simdjson::padded_string padded(json);
      event::Json doc = parser.parse(padded).value();
      EXPECT_FALSE(event::HasValue(doc, fields[i])) << fields[i] << " in " << json;
      EXPECT_EQ(Eval(c.query, json, t), 0) << c.query << " on " << json;
    }
  }
}

// ---- random queries and events ----------------------------------------------

class RandomQuery {
 public:
  explicit RandomQuery(uint32_t seed) : rng_(seed) {}

  std::string Query(int depth = 0) {
    int kind = Pick(depth >= 3 ? 4 : 8);
    switch (kind) {
      case 4:
      case 5:
        return "(" + Query(depth + 1) + " and " + Query(depth + 1) + ")";
      case 6:
        return "(" + Query(depth + 1) + " or " + Query(depth + 1) + ")";
      case 7:
        return "not (" + Query(depth + 1) + ")";
      default:
        return Atom();
    }
  }

  std::string Document() {
    std::string out = "{";
    for (int i = 0, n = Pick(6); i < n; ++i) {
      if (i) out += ',';
      static const char* const kKeys[] = {"a", "b", "c", "a.b", "n", "ts", "process.name", "o"};
      std::string key = kKeys[Pick(std::size(kKeys))];
      if (key == "a" && Pick(3) == 0) {
        out += R"("a":{"b":)" + Scalar() + "}";
        continue;
      }
      if (key == "process.name" && Pick(2)) {
        out += R"("process":{"name":)" + Scalar() + "}";
        continue;
      }
      out += "\"" + key + "\":";
      if (key == "o") {
        out += Pick(4) ? "[{\"a\":" + Scalar() + "},{\"n\":" + Scalar() + "}]" : Scalar();
      } else if (Pick(4) == 0) {
        out += "[" + Scalar() + "," + Scalar() + "]";
      } else {
        out += Scalar();
      }
    }
    return out + "}";
  }

 private:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  std::string Scalar() {
    static const char* const kScalars[] = {R"("x")",
                                           R"("y")",
                                           R"("z")",
                                           "1",
                                           "2",
                                           "3",
                                           "null",
                                           "[]",
                                           "true",
                                           R"("Python")",
                                           R"("2026-02-28T10:00:00Z")"};
    return kScalars[Pick(std::size(kScalars))];
  }

  std::string Atom() {
    static const char* const kFields[] = {"a",           "b", "c", "a.b", "process.name.text",
                                          "process.name"};
    static const char* const kValues[] = {"x", "y", "z", "1", "python", "Python", "*", "x*", "*y"};
    std::string f = kFields[Pick(std::size(kFields))];
    auto value = [&] { return std::string(kValues[Pick(std::size(kValues))]); };
    switch (Pick(12)) {
      case 0:
        return f + ":(" + value() + " or " + value() + ")";
      case 1:
        return f + ":(" + value() + " and not " + value() + ")";
      case 2:
        return f + ":(not " + value() + ")";
      case 3:
        return f + ":(" + value() + " or not " + value() + ")";
      case 4:
        return std::string("n ") + (Pick(2) ? ">" : "<=") + " " + std::to_string(Pick(4));
      case 5:
        return "ts >= 2026-02-01";
      case 6:
        return Pick(2) ? "o:{ a:" + value() + " }" : "o:{ not a:" + value() + " }";
      case 7:
        return Pick(2) ? "a*:" + value() : value();
      default:
        return f + ":" + value();
    }
  }

  std::mt19937 rng_;
};

// Every event a query matches has a value of each of its necessary fields.
// 300 random documents, parsed (each with its own parser, kept alive).
struct RandomDocuments {
  explicit RandomDocuments(RandomQuery* random) {
    for (int i = 0; i < 300; ++i) texts.push_back(random->Document());
    padded.assign(texts.begin(), texts.end());
    parsers.resize(texts.size());
    for (size_t i = 0; i < texts.size(); ++i) docs.push_back(parsers[i].parse(padded[i]).value());
  }
  std::vector<std::string> texts;
  std::vector<simdjson::padded_string> padded;
  std::vector<simdjson::dom::parser> parsers;
  std::vector<event::Json> docs;
};

// 1500 random queries (each must parse and compile) over the documents of
// a RandomDocuments: `check(query, root, matching)` gets the positions of
// the documents each query matches.
template <typename Check>
void ForEachRandomQuery(RandomQuery* random, const RandomDocuments& corpus,
                        const event::FieldTypes& types, Check check) {
  for (int q = 0; q < 1500; ++q) {
    std::string query = random->Query();
    auto parsed = Parse(query);
    ASSERT_TRUE(parsed.ok()) << query << ": " << parsed.error.message;
    CompileOptions options;
    options.now = 1772359200000;
    auto compiled = Compile(*parsed.root, types, options);
    ASSERT_TRUE(compiled.ok()) << query;
    std::vector<size_t> matching;
    for (size_t d = 0; d < corpus.docs.size(); ++d)
      if (compiled.matcher->Matches(corpus.docs[d])) matching.push_back(d);
    check(query, *parsed.root, matching);
  }
}

TEST(NecessaryFields, RandomQueriesMatchOnlyEventsWithTheirFields) {
  auto t = TestTypes();
  RandomQuery random(12345);
  RandomDocuments corpus(&random);
  size_t checked = 0, with_fields = 0;
  ForEachRandomQuery(
      &random, corpus, t,
      [&](const std::string& query, const Node& root, const std::vector<size_t>& matching) {
        V fields = NecessaryFields(root, t);
        if (!fields.empty()) ++with_fields;
        for (size_t d : matching) {
          for (const auto& f : fields) {
            ASSERT_TRUE(event::HasValue(corpus.docs[d], f))
                << query << " matches " << corpus.texts[d] << " without a value of " << f;
            ++checked;
          }
        }
      });
  // The property was exercised, not vacuous.
  EXPECT_GT(with_fields, 500u);
  EXPECT_GT(checked, 5000u);
}

// NecessaryTerms: conjuncts that every match satisfies with one of a set of
// exact keyword terms; an `or` contributes the fields every branch
// constrains (with the union of their terms), `f:(a and *x*)` the term a.
std::vector<std::pair<std::string, V>> Terms(const std::string& query,
                                             const event::FieldTypes& types) {
  auto parsed = Parse(query);
  EXPECT_TRUE(parsed.ok()) << query;
  std::vector<std::pair<std::string, V>> out;
  if (!parsed.ok()) return out;
  // Exact terms as they are, prefixes as `p*`, suffixes as `*s`, addresses
  // in their text form.
  for (auto& r : NecessaryTerms(*parsed.root, types)) {
    V alternatives;
    for (const auto& v : r.values) {
      if (!r.ip) {
        alternatives.push_back(v);
        continue;
      }
      IpAddress ip;
      std::copy(v.begin(), v.end(), ip.bytes.begin());
      alternatives.push_back("ip " + std::to_string(ip.bytes[12]) + "." +
                             std::to_string(ip.bytes[13]) + "." + std::to_string(ip.bytes[14]) +
                             "." + std::to_string(ip.bytes[15]));
    }
    for (const auto& p : r.prefixes) alternatives.push_back(p + "*");
    for (const auto& x : r.suffixes) alternatives.push_back("*" + x);
    out.emplace_back(r.field, alternatives);
  }
  return out;
}

TEST(NecessaryTerms, ConjunctsAlternativesAndValueConjunctions) {
  auto t = TestTypes();
  using T = std::vector<std::pair<std::string, V>>;
  EXPECT_EQ(Terms("a:x and b:(y or z)", t), (T{{"a", {"x"}}, {"b", {"y", "z"}}}));
  EXPECT_EQ(Terms("a:x*", t), (T{{"a", {"x*"}}}));
  EXPECT_EQ(Terms("a:(*.xyz or pastebin.* or paste.ee or *x*)", t), T{});
  EXPECT_EQ(Terms("a:(*.xyz or pastebin.* or paste.ee or x*y)", t),
            (T{{"a", {"paste.ee", "pastebin.*", "x*", "*.xyz"}}}));
  EXPECT_EQ(Terms("a:(*x* and *y)", t), (T{{"a", {"*y"}}}));
  EXPECT_EQ(Terms("not a:x", t), T{});
  // Every branch constrains a: the union; b only in one branch: dropped.
  EXPECT_EQ(Terms("(a:x and b:y) or a:(z or x) or (c:q and a:w)", t), (T{{"a", {"x", "z", "w"}}}));
  EXPECT_EQ(Terms("a:x or b:y", t), T{});
  EXPECT_EQ(Terms("a:x or a:y*", t), (T{{"a", {"x", "y*"}}}));
  EXPECT_EQ(Terms("a:x or a:*y*", t), T{});
  // ip fields: single addresses (a /32 too), not blocks or wildcards.
  EXPECT_EQ(Terms("ip:169.254.169.254 and ip:(10.0.0.1 or \"10.0.0.2/32\")", t),
            (T{{"ip", {"ip 169.254.169.254"}}, {"ip", {"ip 10.0.0.1", "ip 10.0.0.2"}}}));
  EXPECT_EQ(Terms("ip:10.0.0.0/8", t), T{});
  EXPECT_EQ(Terms("(ip:10.1.1.1 and a:x) or a:y", t), (T{{"a", {"x", "y"}}}));
  EXPECT_EQ(Terms("c:k and (a:x or (a:y and b:z))", t), (T{{"c", {"k"}}, {"a", {"x", "y"}}}));
  EXPECT_EQ(Terms("a:(x and *y*)", t), (T{{"a", {"x"}}}));
  EXPECT_EQ(Terms("a:(*x* and *y*)", t), T{});
}

TEST(NecessaryTerms, RandomQueriesMatchOnlyEventsWithTheirTerms) {
  auto t = TestTypes();
  RandomQuery random(777);
  RandomDocuments corpus(&random);
  size_t checked = 0, with_terms = 0;
  ForEachRandomQuery(
      &random, corpus, t,
      [&](const std::string& query, const Node& root, const std::vector<size_t>& matching) {
        auto terms = NecessaryTerms(root, t);
        if (!terms.empty()) ++with_terms;
        for (size_t d : matching) {
          for (const auto& r : terms) {
            bool found = false;
            std::string text;
            event::ForEachValue(corpus.docs[d], r.field, [&](event::Json v) {
              if (!event::ScalarToKeyword(v, &text)) return false;
              std::string_view term = text;
              found |= std::find(r.values.begin(), r.values.end(), text) != r.values.end();
              for (const auto& p : r.prefixes) found |= term.starts_with(p);
              for (const auto& x : r.suffixes) found |= term.ends_with(x);
              return found;
            });
            ASSERT_TRUE(found) << query << " matches " << corpus.texts[d] << " without a term of "
                               << r.field;
            ++checked;
          }
        }
      });
  EXPECT_GT(with_terms, 300u);
  EXPECT_GT(checked, 1000u);
}

}  // namespace
}  // namespace picket::kql
