// picket rules PATH...: load detection-rules TOML files and report.
//
// Prints a per-type summary (loaded query/new_terms rules, unsupported types
// with counts) and every load error with file:line:column. Exit status: 0
// when every file loaded, 1 when some had errors, 2 on usage errors.
#include <cstdio>
#include <memory>

#include "cli/common.h"
#include "cli/registry.h"
#include "rules/loader.h"
#include "util/json.h"

namespace picket::cli {
namespace {

struct RulesOptions {
  std::vector<std::string> paths;
  bool list = false;
  bool warnings = false;
  bool skip_deprecated = false;
  std::string format = "text";
  FieldTypeOptions types;
};

int RunRules(const RulesOptions& o) {
  std::string error;
  auto types = BuildFieldTypes(o.types, &error);
  if (!types) {
    fprintf(stderr, "picket rules: %s\n", error.c_str());
    return 2;
  }
  rules::LoadOptions lopts;
  lopts.skip_deprecated_dir = o.skip_deprecated;
  rules::RuleSet set = o.paths.empty() ? rules::LoadBundledRules(*types, lopts)
                                       : rules::LoadRules(o.paths, *types, lopts);
  if (o.format == "json") {
    std::string out = "{\"files\":" + std::to_string(set.files) + ",\"loaded\":{";
    bool first = true;
    for (const auto& [t, n] : set.CountsByType()) {
      if (!first) out += ",";
      first = false;
      out += JsonString(t) + ":" + std::to_string(n);
    }
    out += "},\"unsupported\":{";
    first = true;
    for (const auto& [t, n] : set.UnsupportedByType()) {
      if (!first) out += ",";
      first = false;
      out += JsonString(t) + ":" + std::to_string(n);
    }
    out += "},\"errors\":[";
    for (size_t i = 0; i < set.errors.size(); ++i) {
      const auto& e = set.errors[i];
      if (i) out += ",";
      out += "{\"file\":" + JsonString(e.path) + ",\"line\":" + std::to_string(e.line) +
             ",\"column\":" + std::to_string(e.column) + ",\"message\":" + JsonString(e.message) +
             "}";
    }
    out += "],\"rules\":[";
    for (size_t i = 0; i < set.rules.size(); ++i) {
      const auto& r = *set.rules[i];
      if (i) out += ",";
      out += "{\"rule_id\":" + JsonString(r.rule_id) + ",\"name\":" + JsonString(r.name) +
             ",\"type\":" + JsonString(r.type_name) + ",\"file\":" + JsonString(r.path) + "}";
    }
    out += "]}\n";
    fputs(out.c_str(), stdout);
  } else {
    printf("%zu rule files\n", set.files);
    size_t loaded = set.rules.size();
    printf("loaded: %zu\n", loaded);
    for (const auto& [t, n] : set.CountsByType()) printf("  %-14s %zu\n", t.c_str(), n);
    printf("unsupported (not evaluated): %zu\n", set.unsupported.size());
    for (const auto& [t, n] : set.UnsupportedByType()) printf("  %-14s %zu\n", t.c_str(), n);
    printf("errors: %zu\n", set.errors.size());
    if (o.list) {
      for (const auto& r : set.rules)
        printf("%-10s %s  %s  (%s)\n", r->type_name.c_str(), r->rule_id.c_str(), r->name.c_str(),
               r->path.c_str());
      for (const auto& u : set.unsupported)
        printf("unsupported %-14s %s  %s  (%s)\n", u.type.c_str(), u.rule_id.c_str(),
               u.name.c_str(), u.path.c_str());
    }
    for (const auto& e : set.errors) fprintf(stderr, "%s\n", e.ToString().c_str());
    if (o.warnings)
      for (const auto& w : set.warnings) fprintf(stderr, "warning: %s\n", w.ToString().c_str());
    else if (!set.warnings.empty())
      fprintf(stderr, "%zu warnings (show them with --warnings)\n", set.warnings.size());
  }
  return set.errors.empty() ? 0 : 1;
}

void RegisterRules(CLI::App& app, int* exit_code) {
  auto opts = std::make_shared<RulesOptions>();
  CLI::App* cmd = app.add_subcommand(
      "rules",
      "Load Elastic detection-rules TOML files (files or directories) and report what loads.\n"
      "KQL query, new_terms and threshold rules and EQL rules are compiled; other types are\n"
      "named as unsupported.\n"
      "Without PATH, the bundled rule pack. Exit status: 0 all loaded, 1 load errors, 2 usage.");
  cmd->add_option("paths", opts->paths, "Rule files or directories (default: the bundled pack)");
  cmd->add_flag("-l,--list", opts->list, "List every rule");
  cmd->add_flag("-w,--warnings", opts->warnings, "Print compile warnings");
  cmd->add_flag("--skip-deprecated", opts->skip_deprecated, "Skip */_deprecated/* directories");
  cmd->add_option("--format", opts->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  AddFieldTypeOptions(cmd, &opts->types);
  cmd->footer(
      "Examples:\n"
      "  picket rules\n"
      "  picket rules rules/macos --list\n"
      "  picket rules detection-rules/rules --skip-deprecated --format json > rules.json\n");
  cmd->callback([opts, exit_code] { *exit_code = RunRules(*opts); });
}

PICKET_REGISTER_COMMAND(RegisterRules);

}  // namespace
}  // namespace picket::cli
