// picket: a detection engine for Elastic detection rules and a static model-file scanner.
#include "cli/app.h"

int main(int argc, char** argv) {
  CLI::App app;
  int exit_code = 0;
  picket::cli::BuildApp(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // CLI11 returns 0 for --help/--version; usage errors are exit code 2 (grep-like).
    return rc == 0 ? 0 : 2;
  }
  return exit_code;
}
