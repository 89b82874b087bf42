// Query semantics checks on the baseline rule with one query swapped in:
// what is flagged and, as importantly, what must not be.
#include <gtest/gtest.h>

#include "event/es_mapping.h"
#include "unit/lint/lint_helpers.h"

namespace picket::rules {
namespace {

using testing::ChecksOf;
using testing::HasCheck;
using testing::Lint;
using testing::RuleWithQuery;

// The baseline's fixed part, so that other checks stay quiet.
const std::string kPrefix =
    "event.category:process and host.os.type:macos and event.type:start and event.action:exec and ";

std::vector<LintFinding> LintQuery(const std::string& tail) {
  return Lint(RuleWithQuery(kPrefix + tail));
}

TEST(LintQueryLogic, ContradictionIsAlwaysFalse) {
  auto f = LintQuery("process.name:sh and not process.name:sh");
  EXPECT_TRUE(HasCheck(f, "always-false"));
}

TEST(LintQueryLogic, TwoValuesOnOneFieldAreNotContradictory) {
  // process.args is an array: one event can hold both "-c" and "-i".
  auto f = LintQuery("process.args:\"-c\" and process.args:\"-i\"");
  EXPECT_FALSE(HasCheck(f, "always-false")) << ::testing::PrintToString(ChecksOf(f));
  EXPECT_TRUE(f.empty()) << ::testing::PrintToString(ChecksOf(f));
}

TEST(LintQueryLogic, ValueWithoutFieldIsAlwaysFalse) {
  auto f = LintQuery("process.name:sh and not process.name:*");
  EXPECT_TRUE(HasCheck(f, "always-false"));
}

TEST(LintQueryLogic, ValueListContradiction) {
  auto f = LintQuery("process.name:(sh and not sh)");
  EXPECT_TRUE(HasCheck(f, "always-false"));
}

TEST(LintQueryLogic, ContradictionAcrossParentheses) {
  auto checks =
      ChecksOf(LintQuery("process.name:sh and (process.args:\"-c\" and not process.name:sh)"));
  EXPECT_EQ(std::count(checks.begin(), checks.end(), std::string("always-false")), 1);
}

TEST(LintQueryLogic, ExistsOrNegationIsAlwaysTrue) {
  auto f = LintQuery("(process.args:* or not process.args:\"-c\")");
  EXPECT_TRUE(HasCheck(f, "always-true"));
  auto g = LintQuery("(process.args:\"-c\" or process.args:\"-i\")");
  EXPECT_TRUE(g.empty()) << ::testing::PrintToString(ChecksOf(g));
}

TEST(LintQueryLogic, NegatedDifferentValuesAreFine) {
  auto f = LintQuery("process.name:sh and not process.name:bash");
  EXPECT_TRUE(f.empty()) << ::testing::PrintToString(ChecksOf(f));
}

struct TypeCase {
  const char* tail;
  bool mismatch;
};

TEST(LintQueryTypes, ValuesAgainstFieldTypes) {
  const TypeCase cases[] = {
      {"source.ip:10.0.0.0/8", false},
      {"source.ip:\"fe80::1\"", false},
      {"source.ip:localhost", true},
      {"source.ip:10.0.*", true},
      {"process.pid:42", false},
      {"process.pid:abc", true},
      {"process.pid:4*", true},
      {"process.pid >= 100", false},
      {"@timestamp >= now-1d", false},
      {"@timestamp >= \"2026-03-01T00:00:00Z\"", false},
      {"@timestamp >= yesterday", true},
      {"@timestamp < now+300000000y", true},  // beyond int64 ms: ES rejects the query
      {"@timestamp < now+292000000y", false},
      {"process.code_signature.trusted:true", false},
      {"process.code_signature.trusted:yes", true},
      {"process.pid:*", false},  // exists fits every type
  };
  for (const auto& c : cases) {
    auto f = LintQuery(c.tail);
    EXPECT_EQ(HasCheck(f, "type-mismatch"), c.mismatch)
        << c.tail << ": " << ::testing::PrintToString(ChecksOf(f));
  }
}

TEST(LintQueryTypes, DateMathOverflowSaysWhy) {
  for (const auto& f : LintQuery("@timestamp > now-300000000y"))
    if (f.check == "type-mismatch") {
      EXPECT_NE(f.message.find("too far in the future or the past"), std::string::npos)
          << f.message;
    }
  EXPECT_TRUE(HasCheck(LintQuery("@timestamp > now-300000000y"), "type-mismatch"));
}

// With --mapping, a field that an object with dynamic: false does not map is
// not indexed: the comparison never matches in Elasticsearch.
TEST(LintQueryFields, FieldNotIndexedByTheMapping) {
  auto types = std::make_shared<event::FieldTypes>(*event::FieldTypes::BuiltIn());
  std::vector<std::string> warnings;
  std::string error;
  ASSERT_TRUE(event::LoadEsMappingText(
      R"({"properties": {"process": {"dynamic": false, "properties": {"name": {"type": "keyword"}}}}})",
      "m.json", types.get(), &warnings, &error))
      << error;
  LintOptions options;
  options.types = types;
  auto f = LintRuleText(RuleWithQuery(kPrefix + "process.title:sh"),
                        "lint_test/execution_case.toml", options);
  ASSERT_TRUE(HasCheck(f, "unknown-field")) << ::testing::PrintToString(ChecksOf(f));
  for (const auto& finding : f)
    if (finding.check == "unknown-field") {
      EXPECT_NE(finding.message.find("process.title is not indexed"), std::string::npos)
          << finding.message;
    }
  // The same query without the mapping is fine (process.title is ECS).
  EXPECT_FALSE(HasCheck(LintQuery("process.title:sh"), "unknown-field"));
}

TEST(LintQueryFields, UnknownFieldOnlyForEndpointIndices) {
  auto f = LintQuery("process.parent.nmae:bash");
  ASSERT_TRUE(HasCheck(f, "unknown-field"));
  for (const auto& finding : f)
    if (finding.check == "unknown-field") {
      EXPECT_NE(finding.hint.find("process.parent.name"), std::string::npos);
    }
  // The same query on an integration index: picket has no schema for it.
  auto text = testing::BaselineWith("index = [\"logs-endpoint.events.process-*\"]",
                                    "index = [\"logs-custom.app-*\"]");
  size_t q = text.find("process.parent.name:(python* or Python*)");
  text.replace(q, 40, "process.parent.nmae:(python* or Python*)");
  auto g = Lint(text);
  EXPECT_FALSE(HasCheck(g, "unknown-field")) << ::testing::PrintToString(ChecksOf(g));
}

TEST(LintQueryFields, DefendDocumentedFieldsAreKnown) {
  // Persistence.* is documented by Elastic Defend (data/event_fields.tsv).
  auto f = LintQuery("Persistence.path:*");
  EXPECT_FALSE(HasCheck(f, "unknown-field")) << ::testing::PrintToString(ChecksOf(f));
}

TEST(LintCaseTraps, LowerCaseOnlyPythonIsFlagged) {
  auto f = LintQuery("process.parent.name:(bash or python*)");
  EXPECT_TRUE(HasCheck(f, "case-trap"));
  auto g = LintQuery("process.parent.executable:*python*");
  EXPECT_TRUE(HasCheck(g, "case-trap"));
}

TEST(LintCaseTraps, CoveredOrNotApplicable) {
  // Both spellings covered.
  EXPECT_FALSE(HasCheck(LintQuery("process.parent.name:(python* or Python*)"), "case-trap"));
  // A pattern that could never match "Python" in any case.
  EXPECT_FALSE(HasCheck(LintQuery("process.parent.name:python3.*"), "case-trap"));
  // Not a process name or executable field.
  EXPECT_FALSE(HasCheck(LintQuery("file.name:python*"), "case-trap"));
  // A Linux rule: the framework build is a macOS spelling.
  std::string linux_rule = testing::RuleWithQuery(
      "event.category:process and host.os.type:linux and process.parent.name:python*");
  size_t tag = linux_rule.find("\"OS: macOS\"");
  linux_rule.replace(tag, 11, "\"OS: Linux\"");
  EXPECT_FALSE(HasCheck(Lint(linux_rule), "case-trap"));
}

TEST(LintQuerySyntax, PositionsPointIntoTheFile) {
  // The query starts on the line after `query = '''`; the bad token is on
  // the query's second line.
  std::string text = RuleWithQuery(kPrefix + "\nprocess.name:(sh or bash))");
  auto f = Lint(text);
  ASSERT_TRUE(HasCheck(f, "kql-syntax"));
  size_t query_line = 1 + std::count(text.begin(), text.begin() + text.find("query = '''"), '\n');
  for (const auto& finding : f)
    if (finding.check == "kql-syntax") {
      EXPECT_EQ(finding.line, query_line + 2);
      EXPECT_EQ(finding.column, 26u);
    }
}

TEST(LintQuerySyntax, PitfallsAreWarnings) {
  auto f = LintQuery("process.args:\"-c\" and process.name:sh?");
  ASSERT_TRUE(HasCheck(f, "kql-pitfall"));
  for (const auto& finding : f) EXPECT_EQ(finding.severity, LintSeverity::kWarning);
}

}  // namespace
}  // namespace picket::rules

namespace picket::rules {
namespace {

TEST(LintQuerySyntax, QuotedLoneAsteriskIsALegitimateLiteral) {
  // RBAC verbs are literally "*"; only quoted text with a * inside is a trap.
  EXPECT_FALSE(testing::HasCheck(LintQuery("process.args:(\"*\" or \"-c\")"), "kql-pitfall"));
  EXPECT_TRUE(testing::HasCheck(LintQuery("process.args:\"*-c*\""), "kql-pitfall"));
}

}  // namespace
}  // namespace picket::rules

namespace picket::rules {
namespace {

TEST(LintRobustness, ScalarsWhereListsBelongAreReportedNotIgnored) {
  std::string text = testing::BaselineWith("framework = \"MITRE ATT&CK\"\n", "");
  // Replace the tag list by a string; the threat keeps its other keys.
  size_t start = text.find("tags = [");
  size_t end = text.find("]\n", start);
  text.replace(start, end + 2 - start, "tags = \"OS: macOS\"\n");
  auto findings = testing::Lint(text);
  bool tags_reported = false;
  for (const auto& f : findings)
    tags_reported =
        tags_reported || (f.check == "field-type" && f.message.find("tags") != std::string::npos);
  EXPECT_TRUE(tags_reported) << ::testing::PrintToString(testing::ChecksOf(findings));
  // The threat entry without a framework is reported, not skipped.
  EXPECT_TRUE(testing::HasCheck(findings, "threat-framework"));
}

TEST(LintRobustness, GarbageDoesNotCrash) {
  const char* texts[] = {
      "",
      "[rule]\n",
      "[metadata]\n[rule]\nthreat = [1, \"x\", {tactic = 5}]\n",
      "[rule]\ntype = \"new_terms\"\nnew_terms = 5\n",
      "[rule]\ntype = \"new_terms\"\n[rule.new_terms]\nvalue = [1, \"\", \"a\", \"a\"]\n"
      "history_window_start = \"x\"\n",
      "[rule]\ntype = \"query\"\nlanguage = \"kuery\"\nquery = \"a:(b or\"\n",
      "[rule]\ntype = \"query\"\nlanguage = \"kuery\"\nquery = '''\n\n'''\n",
  };
  for (const char* text : texts) {
    auto findings = testing::Lint(text);
    for (const auto& f : findings) EXPECT_FALSE(f.check.empty());
  }
}

}  // namespace
}  // namespace picket::rules
