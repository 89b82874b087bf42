// picket lint PATH...: check detection-rules TOML files against the
// detection-rules conventions and Elasticsearch's field semantics (see
// docs/lint.md for every check).
//
// Exit status: 0 when clean or only warnings, 1 when there are errors, 2 on
// usage errors or unreadable paths.
#include <algorithm>
#include <cstdio>

#include "cli/common.h"
#include "cli/registry.h"
#include "rules/lint.h"

namespace picket::cli {
namespace {

struct LintCliOptions {
  std::vector<std::string> paths;
  std::string format = "text";
  bool list_checks = false;
  std::vector<std::string> ignore;  // check ids to drop from the report
  FieldTypeOptions types;
};

int RunLint(const LintCliOptions& o) {
  if (o.list_checks) {
    for (const auto& c : rules::LintChecks())
      printf("%-30s %-8s %s\n", std::string(c.id).c_str(), rules::LintSeverityName(c.severity),
             std::string(c.summary).c_str());
    return 0;
  }
  if (o.paths.empty()) {
    fprintf(stderr, "picket lint: give at least one rule file or directory (see --help)\n");
    return 2;
  }
  for (const auto& id : o.ignore) {
    bool known = false;
    for (const auto& c : rules::LintChecks()) known = known || c.id == id;
    if (!known) {
      fprintf(stderr, "picket lint: --ignore %s: no such check (see --list-checks)\n", id.c_str());
      return 2;
    }
  }
  std::string error;
  rules::LintOptions options;
  options.types = BuildFieldTypes(o.types, &error);
  if (!options.types) {
    fprintf(stderr, "picket lint: %s\n", error.c_str());
    return 2;
  }
  rules::LintReport report = rules::LintPaths(o.paths, options);
  std::erase_if(report.findings, [&](const rules::LintFinding& f) {
    return std::find(o.ignore.begin(), o.ignore.end(), f.check) != o.ignore.end();
  });
  std::string out = o.format == "json"    ? rules::FormatLintJson(report)
                    : o.format == "sarif" ? rules::FormatLintSarif(report)
                                          : rules::FormatLintText(report);
  fputs(out.c_str(), stdout);
  for (const auto& e : report.io_errors) fprintf(stderr, "picket lint: %s\n", e.c_str());
  if (!report.io_errors.empty()) return 2;
  return report.errors() ? 1 : 0;
}

void RegisterLint(CLI::App& app, int* exit_code) {
  auto opts = std::make_shared<LintCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "lint",
      "Check detection-rules TOML files: required fields, dates, ids, severity bands, schedules, "
      "new_terms, ATT&CK mappings and tags, and whether the KQL can match (unknown fields, type "
      "mismatches, case-sensitive traps, always-true/false). Exit 1 on errors, 2 on usage/IO "
      "errors.");
  cmd->add_option("paths", opts->paths, "Rule files or directories (searched for *.toml)");
  cmd->add_option("--format", opts->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "sarif"}))
      ->capture_default_str();
  cmd->add_option("--ignore", opts->ignore,
                  "Drop findings of these check ids (a comma list, or repeat the option), e.g. "
                  "--ignore unsupported-type,tag-prefix")
      ->delimiter(',');
  cmd->add_flag("--list-checks", opts->list_checks, "List every check id with its severity");
  AddFieldTypeOptions(cmd, &opts->types);
  cmd->footer(
      "Examples:\n"
      "  picket lint rules/macos\n"
      "  picket lint --format sarif rules/ > lint.sarif\n"
      "  picket lint --ignore case-trap,new-terms-field-not-in-event --format json rules/macos\n"
      "  picket lint --list-checks\n"
      "  picket lint --mapping mapping.json rules/macos\n");
  cmd->callback([opts, exit_code] { *exit_code = RunLint(*opts); });
}

}  // namespace
PICKET_REGISTER_COMMAND(RegisterLint);
}  // namespace picket::cli
