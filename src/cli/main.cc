// picket: a detection engine for Elastic detection rules and a static model-file scanner.
#include <cstdio>

#include "cli/registry.h"

int main(int argc, char** argv) {
  CLI::App app{
      "picket: Elastic detection rules (KQL query and new_terms) over ECS events, "
      "and a static scanner for pickle-based model files"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "picket 0.1.0");
  int exit_code = 0;
  for (const auto& reg : picket::cli::Registrations()) reg(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // CLI11 returns 0 for --help/--version; usage errors are exit code 2 (grep-like).
    return rc == 0 ? 0 : 2;
  }
  return exit_code;
}
