#include "unit/lint/lint_helpers.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace picket::rules::testing {

std::string SourcePath(const std::string& relative) {
  return std::string(PICKET_SOURCE_DIR) + "/" + relative;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string BaselineRule() {
  return ReadText(SourcePath("tests/lint_cases/execution_clean_baseline.toml"));
}

std::string BaselineWith(const std::string& from, const std::string& to) {
  std::string text = BaselineRule();
  size_t at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("baseline has no " + from);
  return text.replace(at, from.size(), to);
}

std::string RuleWithQuery(const std::string& query) {
  std::string text = BaselineRule();
  size_t open = text.find("query = '''\n");
  size_t close = text.find("'''", open + 12);
  if (open == std::string::npos || close == std::string::npos)
    throw std::runtime_error("baseline has no query");
  return text.substr(0, open + 12) + query + "\n" + text.substr(close);
}

std::vector<LintFinding> Lint(const std::string& text, const std::string& path) {
  return LintRuleText(text, path);
}

std::vector<std::string> ChecksOf(const std::vector<LintFinding>& findings) {
  std::vector<std::string> checks;
  for (const auto& f : findings) checks.push_back(f.check);
  return checks;
}

bool HasCheck(const std::vector<LintFinding>& findings, const std::string& check) {
  for (const auto& f : findings)
    if (f.check == check) return true;
  return false;
}

}  // namespace picket::rules::testing
