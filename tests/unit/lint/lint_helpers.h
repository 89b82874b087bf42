// Helpers shared by the lint tests: paths into the source tree and a rule
// text built from the clean baseline case with one part replaced.
#pragma once
#include <string>
#include <vector>

#include "rules/lint.h"

namespace picket::rules::testing {

std::string SourcePath(const std::string& relative);
std::string ReadText(const std::string& path);
// The clean baseline rule (tests/lint_cases/execution_clean_baseline.toml).
std::string BaselineRule();
// The baseline with its query replaced by `query`.
std::string RuleWithQuery(const std::string& query);
// The baseline with the first occurrence of `from` replaced by `to`.
std::string BaselineWith(const std::string& from, const std::string& to);
// Findings of `text` linted as a file named like the baseline.
std::vector<LintFinding> Lint(const std::string& text,
                              const std::string& path = "lint_test/execution_case.toml");
std::vector<std::string> ChecksOf(const std::vector<LintFinding>& findings);
bool HasCheck(const std::vector<LintFinding>& findings, const std::string& check);

}  // namespace picket::rules::testing
