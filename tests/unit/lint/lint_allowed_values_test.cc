// ECS allowed values of event.kind/category/type/outcome (issue 15 item 4:
// `event.category:Process` can never match and was not flagged).
#include <gtest/gtest.h>

#include "event/allowed_values.h"
#include "unit/lint/lint_helpers.h"

namespace picket::rules {
namespace {

using event::AllowedValueVerdict;
using event::CheckAllowedValue;
using testing::ChecksOf;
using testing::Lint;
using testing::RuleWithQuery;

// The baseline's host/action part; each test adds the categorization.
const std::string kTail = " and host.os.type:macos and event.action:exec and process.args:\"-c\"";

std::vector<std::string> LintQuery(const std::string& head) {
  return ChecksOf(Lint(RuleWithQuery(head + kTail)));
}

TEST(AllowedValues, ExactValues) {
  EXPECT_EQ(CheckAllowedValue("event.category", "process", false, false).verdict,
            AllowedValueVerdict::kCanMatch);
  auto wrong_case = CheckAllowedValue("event.category", "Process", false, false);
  EXPECT_EQ(wrong_case.verdict, AllowedValueVerdict::kWrongCase);
  EXPECT_EQ(wrong_case.case_variants, std::vector<std::string>{"process"});
  EXPECT_EQ(CheckAllowedValue("event.category", "Process", false, true).verdict,
            AllowedValueVerdict::kCanMatch);
  auto never = CheckAllowedValue("event.type", "started", false, true);
  EXPECT_EQ(never.verdict, AllowedValueVerdict::kNeverMatches);
  EXPECT_EQ(never.allowed.size(), 18u);
  EXPECT_EQ(CheckAllowedValue("event.kind", "signal", false, false).verdict,
            AllowedValueVerdict::kCanMatch);
  EXPECT_EQ(CheckAllowedValue("event.outcome", "", false, false).verdict,
            AllowedValueVerdict::kNeverMatches);
  EXPECT_EQ(CheckAllowedValue("process.name", "Anything", false, false).verdict,
            AllowedValueVerdict::kNotRestricted);
  // An exact value is literal, stars and all.
  EXPECT_EQ(CheckAllowedValue("event.kind", "*", false, false).verdict,
            AllowedValueVerdict::kNeverMatches);
}

TEST(AllowedValues, Patterns) {
  auto v = [](const char* field, const char* pattern, bool ci) {
    return CheckAllowedValue(field, pattern, true, ci).verdict;
  };
  EXPECT_EQ(v("event.category", "proc*", false), AllowedValueVerdict::kCanMatch);
  EXPECT_EQ(v("event.category", "*ess", false), AllowedValueVerdict::kCanMatch);
  EXPECT_EQ(v("event.category", "*", false), AllowedValueVerdict::kCanMatch);
  EXPECT_EQ(v("event.category", "Proc*", false), AllowedValueVerdict::kWrongCase);
  EXPECT_EQ(v("event.category", "Proc*", true), AllowedValueVerdict::kCanMatch);
  EXPECT_EQ(v("event.category", "proc", false), AllowedValueVerdict::kNeverMatches);
  EXPECT_EQ(v("event.outcome", "fail*ed", false), AllowedValueVerdict::kNeverMatches);
  EXPECT_EQ(v("event.outcome", "s*s*s", false), AllowedValueVerdict::kCanMatch);  // success
  // `?` is one character (EQL); escaped it is literal (KQL).
  EXPECT_EQ(v("event.category", "pro?ess", false), AllowedValueVerdict::kCanMatch);
  EXPECT_EQ(v("event.category", "pro\\?ess", false), AllowedValueVerdict::kNeverMatches);
  EXPECT_EQ(v("event.category", "pro??ss", false), AllowedValueVerdict::kCanMatch);
  EXPECT_EQ(v("event.category", "pro???ss", false), AllowedValueVerdict::kNeverMatches);
  EXPECT_EQ(v("event.category", "net*\\*", false), AllowedValueVerdict::kNeverMatches);
  EXPECT_EQ(event::EscapeForPattern("a*b?c\\d"), "a\\*b\\?c\\\\d");
}

TEST(AllowedValuesLint, WrongCaseIsAnError) {
  auto findings = Lint(RuleWithQuery("event.category:Process and event.type:start" + kTail));
  ASSERT_EQ(ChecksOf(findings), std::vector<std::string>{"ecs-allowed-value"});
  EXPECT_EQ(findings[0].severity, LintSeverity::kError);
  EXPECT_EQ(findings[0].column, 16u);  // at the value, on the query's first line
  EXPECT_NE(findings[0].hint.find("event.category:process"), std::string::npos);
}

TEST(AllowedValuesLint, UnknownValuesAndPatterns) {
  EXPECT_EQ(LintQuery("event.category:process and event.type:started"),
            std::vector<std::string>{"ecs-allowed-value"});
  EXPECT_EQ(LintQuery("event.category:process and event.type:Start*"),
            std::vector<std::string>{"ecs-allowed-value"});
  EXPECT_EQ(LintQuery("event.category:\"Process\" and event.type:start"),
            std::vector<std::string>{"ecs-allowed-value"});
  // A negated impossible value excludes nothing: still an error.
  EXPECT_EQ(LintQuery("event.category:process and not event.outcome:Failure"),
            std::vector<std::string>{"ecs-allowed-value"});
}

TEST(AllowedValuesLint, ValidValuesAreQuiet) {
  EXPECT_TRUE(LintQuery("event.category:process and event.type:(start or end)").empty());
  EXPECT_TRUE(LintQuery("event.category:proc* and event.type:st*").empty());
  EXPECT_TRUE(LintQuery("event.category:process and event.kind:* and event.type:start").empty());
}

TEST(AllowedValuesLint, AlternativeBesideAMatchingOneIsAWarning) {
  // detection-rules keeps pre-ECS spellings next to the ECS ones.
  auto findings = Lint(
      RuleWithQuery("event.category:process and event.type:(start or process_started)" + kTail));
  ASSERT_EQ(ChecksOf(findings), std::vector<std::string>{"ecs-dead-alternative"});
  EXPECT_EQ(findings[0].severity, LintSeverity::kWarning);
  EXPECT_EQ(LintQuery("event.category:process and (event.type:start or (event.type:Start and "
                      "process.name:sh))"),
            std::vector<std::string>{"ecs-dead-alternative"});
  // With no live alternative the whole list is dead: errors.
  EXPECT_EQ(LintQuery("event.category:process and event.type:(Start or started)"),
            (std::vector<std::string>{"ecs-allowed-value", "ecs-allowed-value"}));
}

TEST(AllowedValuesLint, TextMappingIsNotChecked) {
  // Mapped as text (a user override), the value is analysed: Process matches process.
  LintOptions options;
  auto types = std::make_shared<event::FieldTypes>(*event::FieldTypes::BuiltIn());
  std::string error;
  ASSERT_TRUE(types->Set("event.category", "text", &error));
  options.types = types;
  auto findings = LintRuleText(RuleWithQuery("event.category:Process and event.type:start" + kTail),
                               "lint_test/execution_case.toml", options);
  EXPECT_TRUE(ChecksOf(findings).empty()) << ::testing::PrintToString(ChecksOf(findings));
}

}  // namespace
}  // namespace picket::rules
