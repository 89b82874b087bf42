// Whole rule sets: the upstream detection-rules snapshot lints without a
// crash and every finding is well-formed; the bundled pack has no errors.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "unit/lint/lint_helpers.h"

namespace picket::rules {
namespace {

namespace fs = std::filesystem;

size_t CountToml(const std::string& dir) {
  size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    n += e.is_regular_file() && e.path().extension() == ".toml";
  return n;
}

TEST(LintCorpus, UpstreamSnapshotLintsWithoutCrash) {
  std::string dir = std::string(PICKET_SHARED_DIR) + "/upstream/detection-rules/rules";
  if (!fs::is_directory(dir)) GTEST_SKIP() << "no upstream snapshot at " << dir;
  LintReport report = LintPaths({dir});
  EXPECT_TRUE(report.io_errors.empty());
  EXPECT_EQ(report.files, CountToml(dir));
  std::set<std::string_view> known;
  for (const auto& c : LintChecks()) known.insert(c.id);
  std::map<std::string, size_t> by_check;
  std::map<std::string, size_t> line_counts;
  for (const auto& f : report.findings) {
    ++by_check[f.check];
    EXPECT_TRUE(known.count(f.check)) << f.check;
    EXPECT_FALSE(f.message.empty());
    if (!line_counts.count(f.path)) {
      std::string text = testing::ReadText(f.path);
      line_counts[f.path] = std::count(text.begin(), text.end(), '\n') + 1;
    }
    EXPECT_LE(f.line, line_counts[f.path]) << f.path << " " << f.check;
  }
  // The snapshot is well-formed TOML with a query in every KQL rule.
  EXPECT_EQ(by_check["toml-syntax"], 0u);
  EXPECT_EQ(by_check["kql-syntax"], 0u);
  for (const auto& [check, n] : by_check) std::printf("  %-30s %zu\n", check.c_str(), n);
}

TEST(LintCorpus, BundledPackHasNoErrors) {
  std::string dir = testing::SourcePath("rules/macos");
  if (!fs::is_directory(dir) || CountToml(dir) == 0) GTEST_SKIP() << "no bundled rules yet";
  LintReport report = LintPaths({dir});
  EXPECT_EQ(report.files, CountToml(dir));
  for (const auto& f : report.findings)
    std::printf("%s:%u: %s: %s [%s]\n", f.path.c_str(), f.line, LintSeverityName(f.severity),
                f.message.c_str(), f.check.c_str());
  EXPECT_EQ(report.errors(), 0u);
}

}  // namespace
}  // namespace picket::rules
