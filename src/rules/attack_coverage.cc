#include "rules/attack_coverage.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "util/json.h"

namespace picket::rules {
namespace {

size_t TacticRank(std::string_view shortname) {
  const auto& order = TacticOrder();
  auto it = std::find(order.begin(), order.end(), shortname);
  return static_cast<size_t>(it - order.begin());
}

constexpr const char* kColorEmulated = "#31a354";  // green
constexpr const char* kColorRuleOnly = "#fdae61";  // amber

}  // namespace

const std::vector<std::string_view>& TacticOrder() {
  static const std::vector<std::string_view> order = {
      "reconnaissance",    "resource-development", "initial-access",  "execution",
      "persistence",       "privilege-escalation", "defense-evasion", "credential-access",
      "discovery",         "lateral-movement",     "collection",      "command-and-control",
      "exfiltration",      "impact"};
  return order;
}

std::string RuleFileStem(std::string_view path) {
  size_t slash = path.find_last_of("/:");
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  size_t dot = name.rfind('.');
  return std::string(dot == std::string_view::npos ? name : name.substr(0, dot));
}

AttackCoverage BuildAttackCoverage(const std::vector<std::shared_ptr<Rule>>& rules,
                                   const AttackData& attack,
                                   const std::function<bool(const std::string&)>& has_emulation) {
  AttackCoverage coverage;
  coverage.attack_version = attack.version();
  // (tactic, technique id) -> entry index
  std::map<std::pair<std::string, std::string>, size_t> entries;
  auto add = [&](const std::string& tactic, const AttackRef& ref, size_t rule_index) {
    auto [it, inserted] = entries.emplace(std::make_pair(tactic, ref.id), coverage.techniques.size());
    if (inserted) {
      TechniqueCoverage t;
      t.technique_id = ref.id;
      t.tactic = tactic;
      const AttackTechnique* known = attack.FindTechnique(ref.id);
      t.known = known && known->status == AttackStatus::kActive;
      t.name = known ? known->name : ref.name;
      coverage.techniques.push_back(std::move(t));
    }
    TechniqueCoverage& t = coverage.techniques[it->second];
    if (std::find(t.rules.begin(), t.rules.end(), rule_index) != t.rules.end()) return;
    t.rules.push_back(rule_index);
    if (coverage.rules[rule_index].emulated) ++t.emulated_rules;
  };
  for (const auto& rule : rules) {
    size_t index = coverage.rules.size();
    coverage.rules.push_back({rule->path, rule->rule_id, rule->name,
                              has_emulation(RuleFileStem(rule->path))});
    for (const auto& threat : rule->threat) {
      if (threat.framework != "MITRE ATT&CK") continue;
      const AttackTactic* tactic = attack.FindTactic(threat.tactic.id);
      std::string shortname = tactic ? tactic->shortname : threat.tactic.id;
      for (const auto& technique : threat.techniques) {
        add(shortname, technique, index);
        for (const auto& sub : technique.subtechniques) add(shortname, sub, index);
      }
    }
  }
  std::sort(coverage.techniques.begin(), coverage.techniques.end(), [](const auto& a, const auto& b) {
    size_t ra = TacticRank(a.tactic), rb = TacticRank(b.tactic);
    return ra != rb ? ra < rb : a.technique_id < b.technique_id;
  });
  return coverage;
}

std::string FormatNavigatorLayer(const AttackCoverage& coverage, std::string_view layer_name) {
  // "ATT&CK v18.1 Enterprise" -> "18": Navigator wants the major version.
  std::string major;
  size_t v = coverage.attack_version.find('v');
  for (size_t i = v == std::string::npos ? 0 : v + 1;
       i < coverage.attack_version.size() && isdigit(static_cast<unsigned char>(coverage.attack_version[i])); ++i)
    major += coverage.attack_version[i];
  if (major.empty()) major = "18";

  size_t emulated = 0;
  for (const auto& r : coverage.rules) emulated += r.emulated;
  std::set<std::string> parents_with_subs;
  for (const auto& t : coverage.techniques)
    if (t.technique_id.find('.') != std::string::npos)
      parents_with_subs.insert(t.technique_id.substr(0, t.technique_id.find('.')));

  std::string out = "{\"name\":" + JsonString(layer_name) +
                    ",\"versions\":{\"attack\":" + JsonString(major) +
                    ",\"navigator\":\"5.1.0\",\"layer\":\"4.5\"},\"domain\":\"enterprise-attack\","
                    "\"description\":" +
                    JsonString("picket coverage: " + std::to_string(coverage.rules.size()) +
                               " rule(s), " + std::to_string(emulated) + " with emulation; " +
                               coverage.attack_version) +
                    ",\"sorting\":3,\"layout\":{\"layout\":\"side\",\"showID\":true,"
                    "\"showName\":true},\"hideDisabled\":false,\"techniques\":[";
  for (size_t i = 0; i < coverage.techniques.size(); ++i) {
    const auto& t = coverage.techniques[i];
    bool with_emulation = t.emulated_rules > 0;
    std::string comment = std::to_string(t.rules.size()) + " rule(s), " +
                          std::to_string(t.emulated_rules) + " with emulation";
    if (!t.known) comment += "; not an active technique in " + coverage.attack_version;
    if (i) out += ",";
    out += "{\"techniqueID\":" + JsonString(t.technique_id) + ",\"tactic\":" + JsonString(t.tactic) +
           ",\"score\":" + std::string(with_emulation ? "2" : "1") +
           ",\"color\":" + JsonString(with_emulation ? kColorEmulated : kColorRuleOnly) +
           ",\"comment\":" + JsonString(comment) + ",\"enabled\":true,\"showSubtechniques\":" +
           (parents_with_subs.count(t.technique_id) ? "true" : "false") + ",\"metadata\":[";
    for (size_t j = 0; j < t.rules.size(); ++j) {
      const CoveredRule& r = coverage.rules[t.rules[j]];
      if (j) out += ",";
      out += "{\"name\":" + JsonString(r.emulated ? "rule (emulated)" : "rule") +
             ",\"value\":" + JsonString(r.name + " [" + r.rule_id + "]") + "}";
    }
    out += "]}";
  }
  out += std::string("],\"gradient\":{\"colors\":[\"#ffffff\",\"") + kColorRuleOnly + "\",\"" +
         kColorEmulated + "\"],\"minValue\":0,\"maxValue\":2},\"legendItems\":["
         "{\"label\":\"covered by a rule with an emulation\",\"color\":\"" + kColorEmulated + "\"},"
         "{\"label\":\"covered by a rule, no emulation\",\"color\":\"" + kColorRuleOnly + "\"}],"
         "\"metadata\":[{\"name\":\"generated by\",\"value\":\"picket coverage\"},"
         "{\"name\":\"ATT&CK data\",\"value\":" + JsonString(coverage.attack_version) + "}],"
         "\"showTacticRowBackground\":false,\"selectTechniquesAcrossTactics\":true,"
         "\"selectSubtechniquesWithParent\":false}\n";
  return out;
}

std::string FormatCoverageTable(const AttackCoverage& coverage, const AttackData& attack) {
  size_t emulated = 0;
  for (const auto& r : coverage.rules) emulated += r.emulated;
  std::string out = "ATT&CK coverage (" + coverage.attack_version + "): " +
                    std::to_string(coverage.rules.size()) + " rule(s), " +
                    std::to_string(emulated) + " with emulation\n\n";
  char line[512];
  std::snprintf(line, sizeof line, "%-22s %10s %7s %9s\n", "tactic", "techniques", "rules",
                "emulated");
  out += line;
  std::map<std::string, std::vector<const TechniqueCoverage*>> by_tactic;
  for (const auto& t : coverage.techniques) by_tactic[t.tactic].push_back(&t);
  std::vector<std::string> tactics(TacticOrder().begin(), TacticOrder().end());
  for (const auto& [tactic, list] : by_tactic)
    if (std::find(tactics.begin(), tactics.end(), tactic) == tactics.end()) tactics.push_back(tactic);
  std::string details;
  for (const auto& tactic : tactics) {
    auto it = by_tactic.find(tactic);
    const AttackTactic* info = attack.FindTacticByShortname(tactic);
    std::string name = info ? info->name : tactic;
    std::set<size_t> rules, emulated_rules;
    size_t count = it == by_tactic.end() ? 0 : it->second.size();
    if (it != by_tactic.end())
      for (const auto* t : it->second)
        for (size_t r : t->rules) {
          rules.insert(r);
          if (coverage.rules[r].emulated) emulated_rules.insert(r);
        }
    std::snprintf(line, sizeof line, "%-22s %10zu %7zu %9zu\n", name.c_str(), count, rules.size(),
                  emulated_rules.size());
    out += line;
    if (it == by_tactic.end()) continue;
    details += name + "\n";
    for (const auto* t : it->second) {
      std::snprintf(line, sizeof line, "  %-10s %-42s %2zu rule(s) %2zu emulated%s\n",
                    t->technique_id.c_str(), t->name.substr(0, 42).c_str(), t->rules.size(),
                    t->emulated_rules, t->known ? "" : "  (not active in ATT&CK)");
      details += line;
    }
  }
  out += "\n" + details;
  std::string missing;
  for (const auto& r : coverage.rules)
    if (!r.emulated) missing += "  " + r.name + " (" + r.path + ")\n";
  if (!missing.empty()) out += "\nrules without emulation:\n" + missing;
  return out;
}

}  // namespace picket::rules
