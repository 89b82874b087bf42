// ATT&CK coverage of a rule set: which techniques the rules' threat
// mappings cover, per tactic, and which of those rules have an emulation
// (a test case set under emulations/<rule-file-stem>/manifest.json) that
// shows the rule firing. Rendered as an ATT&CK Navigator layer (the JSON
// Navigator imports) and as a text table by tactic.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rules/attack.h"
#include "rules/rule.h"

namespace picket::rules {

struct CoveredRule {
  std::string path, rule_id, name;
  bool emulated = false;
};

struct TechniqueCoverage {
  std::string technique_id;  // T1059 or T1059.004
  std::string name;          // from ATT&CK; the rule's own name if unknown
  std::string tactic;        // shortname: "execution"
  bool known = true;         // in the bundled ATT&CK table and active
  std::vector<size_t> rules; // indexes into AttackCoverage::rules
  size_t emulated_rules = 0;
};

struct AttackCoverage {
  std::string attack_version;  // "ATT&CK v18.1 Enterprise"
  std::vector<CoveredRule> rules;
  // Ordered by tactic (kill-chain order), then technique id.
  std::vector<TechniqueCoverage> techniques;
};

// "embedded:rules/macos/x.toml" or "/a/b/x.toml" -> "x".
std::string RuleFileStem(std::string_view path);

// `has_emulation(stem)` says whether emulations/<stem>/manifest.json exists.
AttackCoverage BuildAttackCoverage(const std::vector<std::shared_ptr<Rule>>& rules,
                                   const AttackData& attack,
                                   const std::function<bool(const std::string&)>& has_emulation);

// The 14 Enterprise tactics' shortnames in Navigator's column order.
const std::vector<std::string_view>& TacticOrder();

// An ATT&CK Navigator layer (layer format 4.5): score 2 = covered by a rule
// with an emulation (green), 1 = covered by rules only (amber).
std::string FormatNavigatorLayer(const AttackCoverage& coverage, std::string_view layer_name);
std::string FormatCoverageTable(const AttackCoverage& coverage, const AttackData& attack);

}  // namespace picket::rules
