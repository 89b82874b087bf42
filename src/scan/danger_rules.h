// The danger table: globals known to execute code or processes, touch files or
// the network, or resolve other callables. It does not decide what is allowed
// (the allowlist does); it makes a match `malicious` and explains why.
//
// Contract: DangerRules::BuiltIn() parses kBuiltinDangerRules; Match() checks
// a (module, qualified name) pair, and for dotted names also every module
// reached through the attribute path (pathlib + "os.system" matches os.*).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace picket::scan {

struct DangerMatch {
  std::string category;  // exec, process, file, network, resolver, loader, system, debugger
  std::string reason;
};

class DangerRules {
 public:
  static const DangerRules& BuiltIn();
  std::optional<DangerMatch> Match(std::string_view module, std::string_view name) const;

 private:
  std::optional<DangerMatch> MatchOne(std::string_view module, std::string_view name) const;
  struct Rule {
    std::string module;
    bool package = false;
    std::string name;  // "*" = anything
    DangerMatch match;
  };
  std::vector<Rule> rules_;
};

// Function names that run code, processes or I/O whatever module they are in
// (used to raise unknown globals from suspicious to malicious).
bool IsDangerousFunctionName(std::string_view name);

}  // namespace picket::scan
