// Every file under tests/lint_cases/ (except cross_file/) declares in its
// header what the linter must find:
//   # expect: <check-id> at <text>   the check fires on the last line
//                                    containing <text> (and nothing else fires)
//   # expect: <check-id> at file     the check fires for the file as a whole
//   # expect: nothing                the file lints clean
// and every single-file check in the catalogue has such a case.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "rules/lint.h"
#include "unit/lint/lint_helpers.h"

namespace picket::rules {
namespace {

namespace fs = std::filesystem;
using testing::ReadText;
using testing::SourcePath;

struct Expectation {
  std::string check;  // empty = nothing
  bool whole_file = false;
  uint32_t line = 0;
};

std::string Trim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t"));
  s.erase(s.find_last_not_of(" \t\r") + 1);
  return s;
}

Expectation ParseExpectation(const std::string& text, const std::string& path) {
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  Expectation e;
  for (const auto& l : lines) {
    if (l.rfind("# expect: ", 0) != 0) continue;
    std::string spec = l.substr(10);
    if (spec == "nothing") return e;
    size_t at = spec.find(" at ");
    if (at == std::string::npos) ADD_FAILURE() << path << ": bad expect line " << l;
    e.check = spec.substr(0, at);
    std::string anchor = Trim(spec.substr(at + 4));
    if (anchor == "file") {
      e.whole_file = true;
      return e;
    }
    // The last matching line outside the two header lines.
    for (size_t i = 0; i < lines.size(); ++i)
      if (lines[i].find(anchor) != std::string::npos &&
          lines[i].rfind("# expect:", 0) != 0)
        e.line = static_cast<uint32_t>(i + 1);
    if (e.line == 0) ADD_FAILURE() << path << ": anchor not found: " << anchor;
    return e;
  }
  ADD_FAILURE() << path << ": no '# expect:' line";
  return e;
}

std::vector<std::string> CaseFiles() {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(SourcePath("tests/lint_cases"))) {
    std::string path = entry.path().string();
    if (entry.is_regular_file() && entry.path().extension() == ".toml" &&
        path.find("/cross_file/") == std::string::npos)
      files.push_back(path);
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string Describe(const std::vector<LintFinding>& findings) {
  std::string out;
  for (const auto& f : findings)
    out += "  " + f.check + "@" + std::to_string(f.line) + ":" + std::to_string(f.column) + " " +
           f.message + "\n";
  return out;
}

TEST(LintCases, EachCaseFindsExactlyWhatItDeclares) {
  auto files = CaseFiles();
  ASSERT_GT(files.size(), 40u);
  for (const auto& path : files) {
    SCOPED_TRACE(path);
    std::string text = ReadText(path);
    Expectation expect = ParseExpectation(text, path);
    auto findings = LintRuleText(text, path);
    if (expect.check.empty()) {
      EXPECT_TRUE(findings.empty()) << Describe(findings);
      continue;
    }
    bool found = false;
    for (const auto& f : findings) {
      EXPECT_EQ(f.check, expect.check) << "unexpected extra finding\n" << Describe(findings);
      if (f.check != expect.check) continue;
      EXPECT_EQ(f.path, path);
      if (expect.whole_file) {
        EXPECT_EQ(f.line, 0u);
      } else {
        EXPECT_EQ(f.line, expect.line) << Describe(findings);
        EXPECT_GT(f.column, 0u);
      }
      EXPECT_FALSE(f.message.empty());
      EXPECT_FALSE(f.hint.empty());
      found = true;
    }
    EXPECT_TRUE(found) << "expected " << expect.check << "\n" << Describe(findings);
  }
}

TEST(LintCases, EverySingleFileCheckHasACase) {
  std::set<std::string> covered;
  for (const auto& path : CaseFiles())
    covered.insert(ParseExpectation(ReadText(path), path).check);
  for (const auto& check : LintChecks()) {
    std::string id(check.id);
    if (id == "duplicate-rule-id" || id == "duplicate-file-name") continue;  // cross_file test
    EXPECT_TRUE(covered.count(id)) << "no tests/lint_cases file for " << id;
  }
}

TEST(LintCases, RuleIdIsAttachedToFindings) {
  std::string path = SourcePath("tests/lint_cases/execution_severity_band.toml");
  auto findings = LintRuleText(ReadText(path), path);
  ASSERT_FALSE(findings.empty());
  EXPECT_EQ(findings[0].rule_id, "7d3f1c2a-5b4e-4c6d-8e9f-0a1b2c3d4e5f");
  EXPECT_EQ(findings[0].severity, LintSeverity::kError);
}

TEST(LintCrossFile, DuplicateRuleIdsAndFileNames) {
  LintReport report = LintPaths({SourcePath("tests/lint_cases/cross_file")});
  EXPECT_EQ(report.files, 4u);
  EXPECT_TRUE(report.io_errors.empty());
  size_t duplicate_ids = 0, duplicate_names = 0;
  for (const auto& f : report.findings) {
    if (f.check == "duplicate-rule-id") {
      ++duplicate_ids;
      // Reported on the second file (sorted order), at its rule_id line.
      EXPECT_NE(f.path.find("execution_shared_id_two.toml"), std::string::npos);
      std::string text = ReadText(f.path);
      size_t at = text.find("rule_id = ");
      EXPECT_EQ(f.line, 1 + std::count(text.begin(), text.begin() + at, '\n'));
    } else if (f.check == "duplicate-file-name") {
      ++duplicate_names;
      EXPECT_NE(f.path.find("/b/execution_same_name.toml"), std::string::npos);
    } else {
      ADD_FAILURE() << "unexpected " << f.check << " in " << f.path;
    }
  }
  EXPECT_EQ(duplicate_ids, 1u);
  EXPECT_EQ(duplicate_names, 1u);
}

TEST(LintPathsTest, MissingPathIsAnIoError) {
  LintReport report = LintPaths({SourcePath("tests/lint_cases/no_such_file.toml")});
  EXPECT_EQ(report.files, 0u);
  ASSERT_EQ(report.io_errors.size(), 1u);
  EXPECT_NE(report.io_errors[0].find("no_such_file.toml"), std::string::npos);
}

}  // namespace
}  // namespace picket::rules
