// Output formats: JSON and SARIF are valid JSON carrying every finding with
// its location; text names file:line:column, severity and check.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "unit/lint/lint_helpers.h"

namespace picket::rules {
namespace {

// One error and one warning. The case files share the baseline's rule id,
// so they are linted one by one (LintPaths would add duplicate-rule-id).
LintReport CaseReport() {
  LintReport report;
  for (const char* name : {"execution_severity_band.toml", "execution_case_trap.toml"}) {
    std::string path = testing::SourcePath(std::string("tests/lint_cases/") + name);
    for (auto& f : LintRuleText(testing::ReadText(path), path)) report.findings.push_back(f);
    ++report.files;
  }
  return report;
}

TEST(LintReport, JsonCarriesEveryFinding) {
  LintReport report = CaseReport();
  ASSERT_EQ(report.findings.size(), 2u);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string json = FormatLintJson(report);
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_EQ(doc["files"].get_uint64().value(), 2u);
  EXPECT_EQ(doc["errors"].get_uint64().value(), report.errors());
  EXPECT_EQ(doc["warnings"].get_uint64().value(), report.warnings());
  size_t i = 0;
  for (auto f : doc["findings"].get_array()) {
    const LintFinding& expected = report.findings[i++];
    EXPECT_EQ(f["check"].get_string().value(), expected.check);
    EXPECT_EQ(f["line"].get_uint64().value(), expected.line);
    EXPECT_EQ(f["column"].get_uint64().value(), expected.column);
    EXPECT_EQ(f["severity"].get_string().value(), LintSeverityName(expected.severity));
    EXPECT_EQ(f["rule_id"].get_string().value(), expected.rule_id);
  }
  EXPECT_EQ(i, report.findings.size());
  EXPECT_EQ(doc["by_check"]["severity-band"].get_uint64().value(), 1u);
}

TEST(LintReport, SarifHasRulesAndLocatedResults) {
  LintReport report = CaseReport();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string sarif = FormatLintSarif(report);
  ASSERT_EQ(parser.parse(sarif).get(doc), simdjson::SUCCESS) << sarif;
  EXPECT_EQ(doc["version"].get_string().value(), "2.1.0");
  auto run = doc["runs"].at(0);
  size_t rules = 0;
  for (auto r : run["tool"]["driver"]["rules"].get_array()) {
    (void)r;
    ++rules;
  }
  EXPECT_EQ(rules, LintChecks().size());
  size_t results = 0;
  for (auto r : run["results"].get_array()) {
    const LintFinding& f = report.findings[results++];
    EXPECT_EQ(r["ruleId"].get_string().value(), f.check);
    EXPECT_EQ(r["level"].get_string().value(), LintSeverityName(f.severity));
    auto region = r["locations"].at(0)["physicalLocation"]["region"];
    EXPECT_EQ(region["startLine"].get_uint64().value(), f.line);
    std::string_view uri = r["locations"].at(0)["physicalLocation"]["artifactLocation"]["uri"];
    EXPECT_EQ(uri, "file://" + f.path);
    // ruleIndex points at the check's reportingDescriptor.
    uint64_t index = r["ruleIndex"].get_uint64().value();
    EXPECT_EQ(LintChecks()[index].id, f.check);
  }
  EXPECT_EQ(results, report.findings.size());
}

TEST(LintReport, TextNamesLocationSeverityAndCheck) {
  LintReport report = CaseReport();
  std::string text = FormatLintText(report);
  for (const auto& f : report.findings) {
    std::string head = f.path + ":" + std::to_string(f.line) + ":" + std::to_string(f.column) +
                       ": " + LintSeverityName(f.severity) + ": ";
    EXPECT_NE(text.find(head), std::string::npos) << head << "\n" << text;
    EXPECT_NE(text.find("[" + f.check + "]"), std::string::npos);
  }
  EXPECT_NE(text.find("2 file(s): 1 error(s), 1 warning(s)"), std::string::npos) << text;
}

}  // namespace
}  // namespace picket::rules
