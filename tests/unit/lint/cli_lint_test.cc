// `picket lint` and `picket coverage` as a user runs them: exit codes and
// output formats.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "unit/lint/lint_helpers.h"

namespace {

struct CliRun {
  int status = -1;
  std::string out;
};

CliRun Picket(const std::string& args) {
  std::string command = std::string(PICKET_BINARY) + " " + args + " 2>/dev/null";
  CliRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return run;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) run.out.append(buffer, n);
  int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string Case(const std::string& name) {
  return picket::rules::testing::SourcePath("tests/lint_cases/" + name);
}

TEST(CliLint, ExitCodes) {
  EXPECT_EQ(Picket("lint " + Case("execution_clean_baseline.toml")).status, 0);
  EXPECT_EQ(Picket("lint " + Case("execution_case_trap.toml")).status, 0);  // warnings only
  EXPECT_EQ(Picket("lint " + Case("execution_severity_band.toml")).status, 1);
  EXPECT_EQ(Picket("lint " + Case("no_such_file.toml")).status, 2);
  EXPECT_EQ(Picket("lint --format yaml " + Case("execution_clean_baseline.toml")).status, 2);
  // Ignoring the only error's check leaves a clean run; unknown ids are usage errors.
  EXPECT_EQ(Picket("lint --ignore severity-band " + Case("execution_severity_band.toml")).status, 0);
  EXPECT_EQ(Picket("lint --ignore no-such-check " + Case("execution_severity_band.toml")).status, 2);
  CliRun help = Picket("lint --help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("--format"), std::string::npos);
}

TEST(CliLint, Formats) {
  CliRun json = Picket("lint --format json " + Case("execution_severity_band.toml"));
  EXPECT_NE(json.out.find("\"check\":\"severity-band\""), std::string::npos) << json.out;
  CliRun sarif = Picket("lint --format sarif " + Case("execution_severity_band.toml"));
  EXPECT_NE(sarif.out.find("\"version\":\"2.1.0\""), std::string::npos);
  CliRun text = Picket("lint " + Case("execution_severity_band.toml"));
  EXPECT_NE(text.out.find(":20:14: error: "), std::string::npos) << text.out;
}

TEST(CliCoverage, WritesNavigatorLayer) {
  std::string layer = std::filesystem::temp_directory_path() / "picket_coverage_test_layer.json";
  std::filesystem::remove(layer);
  CliRun run = Picket("coverage " + Case("execution_clean_baseline.toml") + " --emulations " +
                   Case("no_emulations") + " --layer " + layer);
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_NE(run.out.find("T1059.004"), std::string::npos) << run.out;
  std::string json = picket::rules::testing::ReadText(layer);
  EXPECT_NE(json.find("\"domain\":\"enterprise-attack\""), std::string::npos);
  EXPECT_NE(json.find("\"techniqueID\":\"T1059.004\""), std::string::npos);
  std::filesystem::remove(layer);
}

}  // namespace
