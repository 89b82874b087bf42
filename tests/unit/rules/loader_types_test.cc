// Keys of the wrong TOML type are located load errors, and lint reports the
// same keys (issue 16 item 14: `query = 5` or `query = ["..."]` loaded with
// an empty query that matched every event).
#include <gtest/gtest.h>

#include "rules/lint.h"
#include "rules/loader.h"
#include "unit/rules/rules_helpers.h"

namespace picket::rules {
namespace {

using testing::BaselineRuleText;
using testing::BaselineRuleWith;

uint32_t LineOf(const std::string& text, const std::string& needle) {
  size_t at = text.find(needle);
  return at == std::string::npos ? 0 : 1 + std::count(text.begin(), text.begin() + at, '\n');
}

struct Case {
  std::string from, to;
  std::string message;  // part of the error
  std::string at = {};  // text on the error's line (default: `to`)
};

class WrongType : public ::testing::TestWithParam<Case> {};

TEST_P(WrongType, IsALocatedLoadErrorAndALintError) {
  const Case& c = GetParam();
  std::string text = BaselineRuleWith(c.from, c.to);
  std::vector<LoadIssue> errors, warnings;
  auto rule =
      LoadRuleText(text, "case.toml", *event::FieldTypes::BuiltIn(), {}, &errors, &warnings);
  EXPECT_EQ(rule, nullptr);
  ASSERT_EQ(errors.size(), 1u) << (errors.empty() ? "" : errors[0].ToString());
  EXPECT_NE(errors[0].message.find(c.message), std::string::npos) << errors[0].ToString();
  EXPECT_EQ(errors[0].line, LineOf(text, c.at.empty() ? c.to : c.at)) << errors[0].ToString();
  EXPECT_GT(errors[0].column, 0u);

  bool lint_error = false;
  for (const auto& f : LintRuleText(text, "lint_test/execution_case.toml"))
    lint_error = lint_error || (f.severity == LintSeverity::kError && f.line == errors[0].line);
  EXPECT_TRUE(lint_error) << "lint does not flag line " << errors[0].line;
}

INSTANTIATE_TEST_SUITE_P(
    Loader, WrongType,
    ::testing::Values(
        Case{"query = '''", "query = 5\nnot_query = '''",
             "rule.query must be a string, not an integer", "query = 5"},
        Case{"query = '''", "query = [\"process.name:sh\"]\nnot_query = '''",
             "rule.query must be a string, not an array", "query = [\"process.name:sh\"]"},
        Case{"index = [\"logs-endpoint.events.process-*\"]", "index = \"logs-endpoint.events.*\"",
             "rule.index must be an array of strings, not a string"},
        Case{"index = [\"logs-endpoint.events.process-*\"]", "index = [\"logs-*\", 7]",
             "every element of rule.index must be a string, not an integer"},
        Case{"from = \"now-9m\"", "from = 9", "rule.from must be a string"},
        Case{"from = \"now-9m\"", "from = \"now-9m\"\ninterval = 5",
             "rule.interval must be a string", "interval = 5"},
        Case{"risk_score = 47", "risk_score = 47.0",
             "rule.risk_score must be an integer, not a float"},
        Case{"risk_score = 47", "risk_score = 101", "risk_score = 101 is outside 0..100"},
        Case{"risk_score = 47", "risk_score = 47\nmax_signals = \"100\"",
             "rule.max_signals must be an integer, not a string", "max_signals = \"100\""},
        Case{"risk_score = 47", "risk_score = 47\nmax_signals = 0", "max_signals = 0 is outside",
             "max_signals = 0"},
        Case{"risk_score = 47", "risk_score = 47\nversion = \"3\"",
             "rule.version must be an integer", "version = \"3\""},
        Case{"type = \"new_terms\"", "type = [\"new_terms\"]", "rule.type must be a string"},
        Case{"name = \"Lint Case Python Shell\"", "name = 42", "rule.name must be a string"},
        Case{"timestamp_override = \"event.ingested\"", "timestamp_override = true",
             "rule.timestamp_override must be a string, not a boolean"},
        Case{"value = [\"host.id\", \"process.parent.executable\"]", "value = \"host.id\"",
             "rule.new_terms.value must be an array of strings"},
        Case{"value = \"now-7d\"", "value = 7",
             "rule.new_terms.history_window_start.value must be a string"},
        Case{"[[rule.threat]]\nframework = \"MITRE ATT&CK\"", "[[rule.threat]]\nframework = 1",
             "rule.threat.framework must be a string", "framework = 1"},
        Case{"tags = [", "tags = \"OS: macOS\"\nold_tags = [",
             "rule.tags must be an array of strings", "tags = \"OS: macOS\""},
        Case{"integration = [\"endpoint\"]", "integration = 3",
             "metadata.integration must be a string or an array of strings"}));

// A query Elasticsearch would reject when the rule runs (date math beyond
// int64 milliseconds) does not load; the error points at the value.
TEST(QueryCompile, DateMathOverflowIsALocatedLoadError) {
  std::string text = BaselineRuleWith("event.category:process and",
                                      "@timestamp < now+300000000y and event.category:process and");
  std::vector<LoadIssue> errors, warnings;
  auto rule =
      LoadRuleText(text, "case.toml", *event::FieldTypes::BuiltIn(), {}, &errors, &warnings);
  EXPECT_EQ(rule, nullptr);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, LineOf(text, "@timestamp < now+300000000y"));
  EXPECT_EQ(errors[0].column, 14u);
  EXPECT_NE(errors[0].message.find("too far in the future or the past"), std::string::npos)
      << errors[0].message;
}

TEST(WrongType, TheBaselineLoads) {
  std::vector<LoadIssue> errors, warnings;
  auto rule = LoadRuleText(BaselineRuleText(), "case.toml", *event::FieldTypes::BuiltIn(), {},
                           &errors, &warnings);
  ASSERT_NE(rule, nullptr) << (errors.empty() ? "" : errors[0].ToString());
}

}  // namespace
}  // namespace picket::rules
