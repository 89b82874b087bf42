#include "cli/app.h"

#include "cli/registry.h"

namespace picket::cli {

void OneValuePerOccurrence(CLI::App* app) {
  // CLI11 lets a vector option swallow every following word that does not
  // look like an option; without extra args it takes one value per flag.
  for (CLI::Option* opt : app->get_options()) {
    if (opt->get_positional()) continue;
    opt->allow_extra_args(false);
    if (opt->get_expected_max() > 1) {
      // A list option: one value per occurrence, every occurrence kept
      // (and shown as "--rules TEXT", not "--rules TEXT ...", in --help).
      opt->expected(1);
      opt->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    }
  }
  for (CLI::App* sub : app->get_subcommands([](CLI::App*) { return true; }))
    OneValuePerOccurrence(sub);
}

void BuildApp(CLI::App& app, int* exit_code) {
  app.description(
      "picket: Elastic detection rules (KQL query, new_terms and threshold; EQL) over ECS events, "
      "and a static scanner for pickle-based model files");
  app.require_subcommand(1);
  app.set_version_flag("--version", "picket " PICKET_VERSION);
  app.footer(
      "Every command has --help with examples. Options take one value each; repeat an "
      "option to give several (--rules a --rules b).");
  for (const auto& reg : Registrations()) reg(app, exit_code);
  OneValuePerOccurrence(&app);
}

}  // namespace picket::cli
