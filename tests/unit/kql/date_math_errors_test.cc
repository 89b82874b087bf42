// Date math beyond what Elasticsearch can represent fails the query there
// (a 400 for the search, a failed rule execution in Kibana), so it is a
// compile error with the value's position here, not a query that silently
// matches nothing (issue 16 item 16).
#include <gtest/gtest.h>

#include "kql/matcher.h"
#include "kql/parser.h"
#include "unit/kql/kql_test_helpers.h"

namespace picket::kql {
namespace {

using testing::Eval;

CompileResult CompileQuery(const std::string& query) {
  auto parsed = Parse(query);
  EXPECT_TRUE(parsed.ok()) << query;
  CompileOptions options;
  options.now = 1772359200000;
  return Compile(*parsed.root, *event::FieldTypes::BuiltIn(), options);
}

const char* kEvent = R"({"@timestamp":"2026-03-01T09:00:00Z","process":{"name":"sh"}})";

TEST(DateMathErrors, OverflowingBoundsFailTheQuery) {
  for (const std::string query :
       {"@timestamp < now+300000000y", "@timestamp > now-300000000y",
        "process.name:sh and @timestamp <= now+2147483648d", "@timestamp:now+1000000000y"}) {
    auto compiled = CompileQuery(query);
    EXPECT_FALSE(compiled.ok()) << query;
    size_t value = query.find("now");
    EXPECT_EQ(compiled.error.offset, value) << query;
    EXPECT_NE(compiled.error.message.find("@timestamp: "), std::string::npos);
    EXPECT_NE(compiled.error.message.find("Elasticsearch rejects the query"), std::string::npos)
        << compiled.error.message;
    EXPECT_EQ(Eval(query, kEvent, *event::FieldTypes::BuiltIn()), -2) << query;
  }
}

TEST(DateMathErrors, FarButRepresentableBoundsMatch) {
  EXPECT_EQ(Eval("@timestamp < now+292000000y", kEvent, *event::FieldTypes::BuiltIn()), 1);
  EXPECT_EQ(Eval("@timestamp > now-292000000y", kEvent, *event::FieldTypes::BuiltIn()), 1);
  EXPECT_EQ(Eval("@timestamp > now+292000000y", kEvent, *event::FieldTypes::BuiltIn()), 0);
}

TEST(DateMathErrors, NotDatesStayWarnings) {
  auto compiled = CompileQuery("@timestamp < yesterday");
  EXPECT_TRUE(compiled.ok());
  ASSERT_EQ(compiled.warnings.size(), 1u);
  EXPECT_NE(compiled.warnings[0].find("is not a date or date math"), std::string::npos);
  // Free text is lenient (multi_match), and a keyword field does no date math.
  EXPECT_TRUE(CompileQuery("now+300000000y").ok());
  EXPECT_TRUE(CompileQuery("process.name < now+300000000y").ok());
}

TEST(DateMathErrors, RenderedWithACaret) {
  std::string query = "process.name:sh and\n  @timestamp < now+300000000y";
  auto compiled = CompileQuery(query);
  ASSERT_FALSE(compiled.ok());
  ParseError e = ErrorAt(query, compiled.error.offset, compiled.error.message);
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.column, 16u);
  std::string rendered = e.Render(query, "q");
  EXPECT_EQ(rendered.substr(0, 7), "q:2:16:");
  EXPECT_NE(rendered.find("\n                 ^"), std::string::npos) << rendered;
}

}  // namespace
}  // namespace picket::kql
