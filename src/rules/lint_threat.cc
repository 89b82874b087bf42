// ATT&CK mapping checks against the bundled ATT&CK table: each tactic,
// technique and sub-technique id exists, is not deprecated or revoked, is
// named as ATT&CK names it, has the matching attack.mitre.org reference,
// and sits under its tactic / parent; no tactic is mapped twice; the file
// name starts with the primary tactic as detection-rules requires.
#include <cctype>
#include <set>

#include "rules/lint_context.h"

namespace picket::rules::lint {
namespace {

std::string WithSlash(std::string url) {
  if (!url.empty() && url.back() != '/') url += '/';
  return url;
}

std::string SnakeCase(std::string_view name) {
  std::string out;
  for (char c : name) out += c == ' ' || c == '-' ? '_' : static_cast<char>(std::tolower(c));
  return out;
}

// Checks one technique or sub-technique entry; returns it when known.
const AttackTechnique* CheckTechniqueEntry(LintContext& ctx, const toml::table* entry,
                                           const AttackTactic* tactic, std::string_view parent) {
  auto id = LintContext::GetString(entry, "id");
  Pos pos = ctx.PosOfKey(entry, "id");
  const char* what = parent.empty() ? "technique" : "sub-technique";
  if (!id || id->empty()) {
    ctx.Report("missing-field", ctx.PosOf(entry), std::string("a ") + what + " has no id",
               "add id = \"T....\"");
    return nullptr;
  }
  const AttackTechnique* tech = ctx.attack.FindTechnique(*id);
  if (!tech) {
    ctx.Report("attack-technique", pos,
               std::string(what) + " " + *id + " is not in " + ctx.attack.version(),
               "check the id on attack.mitre.org");
    return nullptr;
  }
  if (parent.empty() && tech->is_subtechnique())
    ctx.Report("attack-tactic-mismatch", pos,
               *id + " is a sub-technique listed as a technique",
               "list " + std::string(tech->parent_id()) + " as the technique and " + *id +
                   " under [[rule.threat.technique.subtechnique]]");
  if (!parent.empty() && tech->parent_id() != parent)
    ctx.Report("attack-tactic-mismatch", pos,
               "sub-technique " + *id + " is not a sub-technique of " + std::string(parent),
               "move it under technique " + std::string(tech->parent_id()));
  if (tech->status != AttackStatus::kActive) {
    std::string hint = "remove it or map the behaviour to a current technique";
    if (!tech->revoked_by.empty()) {
      const AttackTechnique* target = ctx.attack.FindTechnique(tech->revoked_by);
      hint = "use " + tech->revoked_by + (target ? " (" + target->name + ")" : "") +
             ", which replaced it";
    }
    ctx.Report("attack-deprecated", pos,
               std::string(what) + " " + *id + " (" + tech->name + ") is " +
                   AttackStatusName(tech->status) + " in " + ctx.attack.version(),
               hint);
  }
  auto name = LintContext::GetString(entry, "name");
  if (name && *name != tech->name && tech->status == AttackStatus::kActive)
    ctx.Report("attack-technique", ctx.PosOfKey(entry, "name"),
               std::string(what) + " " + *id + " is named \"" + tech->name + "\", not \"" + *name +
                   "\"",
               "write name = \"" + tech->name + "\"");
  auto reference = LintContext::GetString(entry, "reference");
  std::string expected = AttackData::TechniqueUrl(*id);
  if (reference && WithSlash(*reference) != expected)
    ctx.Report("attack-reference", ctx.PosOfKey(entry, "reference"),
               "reference " + *reference + " does not point to " + *id,
               "write reference = \"" + expected + "\"");
  if (parent.empty() && tactic && tech->status == AttackStatus::kActive &&
      !tech->InTactic(tactic->shortname))
    ctx.Report("attack-tactic-mismatch", pos,
               "technique " + *id + " is not under tactic " + tactic->name + " in ATT&CK",
               "map it under one of its own tactics or choose a technique of " + tactic->name);
  return tech;
}

}  // namespace

void CheckThreat(LintContext& ctx) {
  const toml::array* threats = (*ctx.rule)["threat"].as_array();
  if (!threats) return;
  std::set<std::string> tactic_ids;
  std::string primary_tactic;
  for (const auto& item : *threats) {
    const toml::table* threat = item.as_table();
    if (!threat) continue;
    auto framework = LintContext::GetString(threat, "framework");
    if (framework.value_or("") == "MITRE ATLAS") continue;  // no ATLAS table bundled
    if (framework.value_or("") != "MITRE ATT&CK") {
      ctx.Report("threat-framework", ctx.PosOfKey(threat, "framework"),
                 "threat framework \"" + framework.value_or("") + "\" is not MITRE ATT&CK or "
                 "MITRE ATLAS",
                 "write framework = \"MITRE ATT&CK\"");
      continue;
    }
    const toml::table* tactic_table = (*threat)["tactic"].as_table();
    const AttackTactic* tactic = nullptr;
    if (!tactic_table) {
      ctx.Report("missing-field", ctx.PosOf(threat), "a threat entry has no [rule.threat.tactic]",
                 "add the tactic's id, name and reference");
    } else {
      auto id = LintContext::GetString(tactic_table, "id").value_or("");
      Pos pos = ctx.PosOfKey(tactic_table, "id");
      tactic = ctx.attack.FindTactic(id);
      if (!tactic) {
        const AttackTactic* by_name = ctx.attack.FindTacticByName(
            LintContext::GetString(tactic_table, "name").value_or(""));
        ctx.Report("attack-tactic", pos, "tactic \"" + id + "\" is not an ATT&CK tactic",
                   by_name ? "the name matches " + by_name->id + "; write id = \"" + by_name->id + "\""
                           : "check the id on attack.mitre.org");
      } else {
        auto name = LintContext::GetString(tactic_table, "name");
        if (name && *name != tactic->name)
          ctx.Report("attack-tactic", ctx.PosOfKey(tactic_table, "name"),
                     "tactic " + id + " is named \"" + tactic->name + "\", not \"" + *name + "\"",
                     "write name = \"" + tactic->name + "\"");
        auto reference = LintContext::GetString(tactic_table, "reference");
        if (reference && WithSlash(*reference) != AttackData::TacticUrl(id))
          ctx.Report("attack-reference", ctx.PosOfKey(tactic_table, "reference"),
                     "reference " + *reference + " does not point to " + id,
                     "write reference = \"" + AttackData::TacticUrl(id) + "\"");
        if (!tactic_ids.insert(id).second)
          ctx.Report("duplicate-tactic", pos, "tactic " + id + " is mapped twice",
                     "merge the techniques into one [[rule.threat]] entry");
        if (primary_tactic.empty()) primary_tactic = tactic->name;
      }
    }
    const toml::array* techniques = (*threat)["technique"].as_array();
    if (!techniques) continue;
    for (const auto& t : *techniques) {
      const toml::table* entry = t.as_table();
      if (!entry) continue;
      const AttackTechnique* tech = CheckTechniqueEntry(ctx, entry, tactic, "");
      const toml::array* subs = (*entry)["subtechnique"].as_array();
      if (!subs) continue;
      std::string parent = tech ? std::string(tech->parent_id())
                                : LintContext::GetString(entry, "id").value_or("");
      for (const auto& s : *subs)
        if (const toml::table* sub = s.as_table()) CheckTechniqueEntry(ctx, sub, tactic, parent);
    }
  }
  // Machine-learning rules are named after their job, not a tactic, in
  // detection-rules; the convention does not apply to them.
  bool ml = LintContext::GetString(ctx.rule, "type").value_or("") == "machine_learning";
  if (!primary_tactic.empty() && !ml) {
    std::string prefix = SnakeCase(primary_tactic) + "_";
    if (ctx.file_name().rfind(prefix, 0) != 0)
      ctx.Report("file-name-tactic", {},
                 "file name does not start with the primary tactic (" + primary_tactic + ")",
                 "rename the file to " + prefix + "<what it detects>.toml");
  }
}

}  // namespace picket::rules::lint
