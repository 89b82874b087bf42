// The list of subcommands compiled into this binary. A subcommand file adds
// itself with a static PICKET_REGISTER_COMMAND(RegisterX) so that no central
// list has to be edited when a command is added.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <vector>

namespace picket::cli {
using RegisterFn = void (*)(CLI::App&, int*);
std::vector<RegisterFn>& Registrations();
struct Registrar {
  Registrar(RegisterFn fn) { Registrations().push_back(fn); }
};
}  // namespace picket::cli

#define PICKET_REGISTER_CONCAT2(a, b) a##b
#define PICKET_REGISTER_CONCAT(a, b) PICKET_REGISTER_CONCAT2(a, b)
#define PICKET_REGISTER_COMMAND(fn) \
  static ::picket::cli::Registrar PICKET_REGISTER_CONCAT(picket_registrar_, __COUNTER__)(fn)
