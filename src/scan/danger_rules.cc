// Danger table parsing and matching; see danger_rules.h.
#include "scan/danger_rules.h"

#include <sstream>

#include "scan/allowlist_data.h"

namespace picket::scan {

const DangerRules& DangerRules::BuiltIn() {
  static const DangerRules* rules = [] {
    auto* r = new DangerRules;
    std::istringstream in{std::string(kBuiltinDangerRules)};
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      Rule rule;
      std::string module;
      if (!(fields >> module >> rule.name >> rule.match.category)) continue;
      std::getline(fields >> std::ws, rule.match.reason);
      rule.package = module.ends_with(".*");
      rule.module = rule.package ? module.substr(0, module.size() - 2) : module;
      r->rules_.push_back(std::move(rule));
    }
    return r;
  }();
  return *rules;
}

std::optional<DangerMatch> DangerRules::MatchOne(std::string_view module,
                                                 std::string_view name) const {
  for (const Rule& r : rules_) {
    bool module_ok =
        module == r.module || (r.package && module.size() > r.module.size() &&
                               module.starts_with(r.module) && module[r.module.size()] == '.');
    // "pandas.* read_csv" also covers pandas.io.parsers.readers.read_csv.
    if (!module_ok) continue;
    std::string_view first = name.substr(0, name.find('.'));
    if (r.name == "*" || r.name == name || r.name == first) return r.match;
  }
  return std::nullopt;
}

std::optional<DangerMatch> DangerRules::Match(std::string_view module,
                                              std::string_view name) const {
  std::optional<DangerMatch> direct = MatchOne(module, name);
  if (name.find('.') == std::string_view::npos) return direct;
  // A dotted name walks attributes; any prefix may be a module object that
  // the outer module imported (pathlib.os, tempfile._os, typing.sys, ...).
  std::vector<std::string_view> parts;
  std::string_view rest = name;
  while (true) {
    size_t dot = rest.find('.');
    parts.push_back(rest.substr(0, dot));
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    std::string_view alias = parts[i];
    while (alias.starts_with("_")) alias.remove_prefix(1);  // tempfile._os -> os
    std::string tail;
    for (size_t j = i + 1; j < parts.size(); ++j) {
      if (!tail.empty()) tail += ".";
      tail += parts[j];
    }
    if (auto m = MatchOne(alias, tail)) return m;
    if (auto m = MatchOne(parts[i], tail)) return m;
  }
  return direct;
}

bool IsDangerousFunctionName(std::string_view name) {
  std::string_view last =
      name.substr(name.rfind('.') == std::string_view::npos ? 0 : name.rfind('.') + 1);
  static constexpr std::string_view kNames[] = {
      "system",
      "popen",
      "Popen",
      "spawn",
      "spawnv",
      "spawnve",
      "spawnl",
      "execv",
      "execve",
      "execl",
      "execlp",
      "execvp",
      "exec",
      "eval",
      "execfile",
      "run_code",
      "_run_code",
      "runcode",
      "runsource",
      "runctx",
      "run_string",
      "getoutput",
      "getstatusoutput",
      "check_output",
      "check_call",
      "exec_command",
      "run_command",
      "spawnlp",
      "spawnvp",
      "execvpe",
      "execle",
      "posix_spawnp",
      "popen2",
      "popen3",
      "popen4",
      "run_path",
      "run_module",
      "exec_module",
      "load_module",
      "load_source",
      "load_dynamic",
      "LoadLibrary",
      "CDLL",
      "dlopen",
      "call_subprocess",
      "__import__",
      "import_module",
      "resolve_name",
      "locate",
      "getattr",
      "attrgetter",
      "methodcaller",
      "urlopen",
      "urlretrieve",
      "load_config",
      "spawnv_passfds",
      "_get_command_stdout",
      "pipepager",
      "startfile",
      "fork",
      "forkpty",
      "posix_spawn",
      "loads",
      "load",
      "unsafe_load",
      "create_connection",
      "compile",
      "compile_file",
  };
  for (std::string_view n : kNames) {
    if (last == n) return true;
  }
  return false;
}

}  // namespace picket::scan
