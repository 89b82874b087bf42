// picket coverage [RULES...]: the ATT&CK techniques a rule set covers, by
// tactic, and which covering rules have an emulation
// (emulations/<rule-file-stem>/manifest.json). Prints a text table; --layer
// writes an ATT&CK Navigator layer. Default rules: the bundled pack.
//
// Exit status: 0 on success, 1 when rules failed to load, 2 on usage or IO
// errors.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/common.h"
#include "cli/registry.h"
#include "rules/attack_coverage.h"
#include "rules/loader.h"

namespace picket::cli {
namespace {

struct CoverageOptions {
  std::vector<std::string> paths;
  std::string emulations = "emulations";
  std::string layer;
  std::string layer_name = "picket coverage";
  FieldTypeOptions types;
};

int RunCoverage(const CoverageOptions& o) {
  std::string error;
  auto types = BuildFieldTypes(o.types, &error);
  if (!types) {
    fprintf(stderr, "picket coverage: %s\n", error.c_str());
    return 2;
  }
  rules::RuleSet set =
      o.paths.empty() ? rules::LoadBundledRules(*types) : rules::LoadRules(o.paths, *types);
  for (const auto& e : set.errors) fprintf(stderr, "picket coverage: %s\n", e.ToString().c_str());
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!o.emulations.empty() && !fs::is_directory(o.emulations, ec))
    fprintf(stderr, "picket coverage: no emulations directory %s; no rule counts as emulated\n",
            o.emulations.c_str());
  const auto& attack = rules::AttackData::BuiltIn();
  auto coverage = rules::BuildAttackCoverage(set.rules, attack, [&](const std::string& stem) {
    std::error_code ignored;
    return fs::is_regular_file(fs::path(o.emulations) / stem / "manifest.json", ignored);
  });
  fputs(rules::FormatCoverageTable(coverage, attack).c_str(), stdout);
  if (!set.unsupported.empty())
    printf("\n%zu rule(s) of types picket does not run are not counted\n", set.unsupported.size());
  if (!o.layer.empty()) {
    std::ofstream out(o.layer, std::ios::binary);
    out << rules::FormatNavigatorLayer(coverage, o.layer_name);
    if (!out) {
      fprintf(stderr, "picket coverage: cannot write %s\n", o.layer.c_str());
      return 2;
    }
    fprintf(stderr, "picket coverage: wrote Navigator layer %s (%zu technique entries)\n",
            o.layer.c_str(), coverage.techniques.size());
  }
  return set.errors.empty() ? 0 : 1;
}

void RegisterCoverage(CLI::App& app, int* exit_code) {
  auto opts = std::make_shared<CoverageOptions>();
  CLI::App* cmd = app.add_subcommand(
      "coverage",
      "ATT&CK coverage of a rule set by tactic, marking rules that have an emulation; "
      "--layer writes an ATT&CK Navigator layer. Default rules: the bundled pack.");
  cmd->add_option("rules", opts->paths, "Rule files or directories (default: bundled pack)");
  cmd->add_option("--emulations", opts->emulations,
                  "Directory with <rule-file-stem>/manifest.json emulations")
      ->capture_default_str();
  cmd->add_option("--layer", opts->layer, "Write an ATT&CK Navigator layer JSON to this file");
  cmd->add_option("--layer-name", opts->layer_name, "Name of the Navigator layer")
      ->capture_default_str();
  AddFieldTypeOptions(cmd, &opts->types);
  cmd->footer(
      "Examples:\n"
      "  picket coverage\n"
      "  picket coverage rules/macos --layer layer.json --layer-name 'macOS pack'\n");
  cmd->callback([opts, exit_code] { *exit_code = RunCoverage(*opts); });
}

}  // namespace
PICKET_REGISTER_COMMAND(RegisterCoverage);
}  // namespace picket::cli
