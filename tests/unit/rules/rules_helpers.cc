#include "unit/rules/rules_helpers.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace picket::rules::testing {

std::string BaselineRuleText() {
  std::ifstream in(std::string(PICKET_SOURCE_DIR) +
                   "/tests/lint_cases/execution_clean_baseline.toml");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string BaselineRuleWith(const std::string& from, const std::string& to) {
  std::string text = BaselineRuleText();
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

}  // namespace picket::rules::testing
