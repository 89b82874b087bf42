// Builds picket's command line: the top-level app with every registered
// subcommand, and the conventions all of their options follow.
//
// Convention: an option takes exactly one value per occurrence. A list is
// given by repeating the flag (`--rules a --rules b`), so options and paths
// can be written in any order, as with grep: `run --rules r/ events.ndjson`
// reads events.ndjson as events, never as a second rule path. Options whose
// values can never contain a comma may also accept a comma list (they say so
// in their help).
#pragma once
#include <CLI/CLI.hpp>

namespace picket::cli {

// Adds every registered subcommand to `app` and applies the conventions.
// The subcommand that runs stores its exit status in *exit_code.
void BuildApp(CLI::App& app, int* exit_code);

// Makes every named (non-positional) option of `app` and of its subcommands,
// recursively, take one value per occurrence.
void OneValuePerOccurrence(CLI::App* app);

}  // namespace picket::cli
