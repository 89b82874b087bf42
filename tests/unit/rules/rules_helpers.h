// Rule texts for the loader tests: the clean baseline case of the lint
// tests (tests/lint_cases/execution_clean_baseline.toml), whole or with one
// part replaced.
#pragma once
#include <string>

namespace picket::rules::testing {

std::string BaselineRuleText();
// The baseline with the first occurrence of `from` replaced by `to`.
std::string BaselineRuleWith(const std::string& from, const std::string& to);

}  // namespace picket::rules::testing
