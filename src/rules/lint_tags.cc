// Tag checks: every tag uses one of detection-rules' prefixes with exact
// casing, no tag repeats, and the tags agree with the rule itself: its OS
// (directory and host.os.type), its data source (Elastic Defend indices),
// its ATT&CK tactics and its investigation guide. Kibana users filter rules
// by these tags, so a missing one hides the rule from its audience.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "rules/lint_context.h"

namespace picket::rules::lint {
namespace {

constexpr std::string_view kPrefixes[] = {
    "Data Source", "Domain", "Mitre Atlas", "OS", "Platform", "Profile", "Promotion",
    "Resources", "Rule Type", "Service", "Tactic", "Threat", "Use Case", "Vuln"};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

const std::map<std::string, std::string>& OsTags() {
  static const std::map<std::string, std::string> tags = {
      {"macos", "OS: macOS"}, {"linux", "OS: Linux"}, {"windows", "OS: Windows"}};
  return tags;
}

}  // namespace

void CheckTags(LintContext& ctx) {
  const toml::array* list = (*ctx.rule)["tags"].as_array();
  std::map<std::string, Pos> tags;  // tag -> first position
  if (list) {
    for (const auto& item : *list) {
      auto tag = item.value<std::string>();
      if (!tag) continue;
      Pos pos = ctx.PosOf(&item);
      if (!tags.emplace(*tag, pos).second) {
        ctx.Report("tag-duplicate", pos, "tag \"" + *tag + "\" is listed twice",
                   "remove the duplicate");
        continue;
      }
      size_t colon = tag->find(": ");
      std::string_view prefix = colon == std::string::npos ? std::string_view()
                                                           : std::string_view(*tag).substr(0, colon);
      bool exact = false;
      std::string_view near;
      for (auto known : kPrefixes) {
        if (prefix == known) exact = true;
        else if (EqualsIgnoreCase(prefix, known)) near = known;
      }
      if (!exact)
        ctx.Report("tag-prefix", pos, "tag \"" + *tag + "\" has no known prefix",
                   near.empty() ? "use one of: Data Source, Domain, OS, Resources, Rule Type, "
                                  "Tactic, Threat, Use Case, ... followed by \": \""
                                : "write the prefix as \"" + std::string(near) + ": \"");
    }
  }
  Pos tags_pos = ctx.PosOfKey(ctx.rule, "tags");
  auto require = [&](const std::string& tag, const std::string& check, const std::string& why) {
    if (!tags.count(tag))
      ctx.Report(check, tags_pos, "missing tag \"" + tag + "\": " + why,
                 "add \"" + tag + "\" to tags");
  };

  std::string dir = ctx.os_dir();
  if (!dir.empty()) require(OsTags().at(dir), "tag-os", "the rule is under rules/" + dir + "/");
  auto os = ctx.required_terms.find("host.os.type");
  if (os != ctx.required_terms.end() && os->second.size() == 1 && OsTags().count(os->second[0]) &&
      os->second[0] != dir)
    require(OsTags().at(os->second[0]), "tag-os", "the query requires host.os.type:" + os->second[0]);

  if (ctx.any_endpoint) {
    require("Domain: Endpoint", "tag-data-source", "the rule reads Elastic Defend indices");
    require("Data Source: Elastic Defend", "tag-data-source", "the rule reads Elastic Defend indices");
  }

  // Tactics: the primary (first) tactic must be tagged, and every Tactic:
  // tag must be mapped.
  std::set<std::string> mapped;
  std::string primary;
  if (const toml::array* threats = (*ctx.rule)["threat"].as_array()) {
    for (const auto& item : *threats) {
      const toml::table* threat = item.as_table();
      if (!threat) continue;
      // ATT&CK's name for a known tactic id, so that a misspelt name in the
      // mapping is reported once (attack-tactic), not again here.
      const toml::table* tactic = (*threat)["tactic"].as_table();
      const AttackTactic* known =
          ctx.attack.FindTactic(LintContext::GetString(tactic, "id").value_or(""));
      auto name = known ? std::optional<std::string>(known->name)
                        : LintContext::GetString(tactic, "name");
      if (!name) continue;
      mapped.insert(*name);
      if (primary.empty()) primary = *name;
    }
  }
  // As for file names, machine-learning rules are exempt from tagging their
  // primary tactic (their tactics describe the job's purpose loosely).
  bool ml = LintContext::GetString(ctx.rule, "type").value_or("") == "machine_learning";
  if (!primary.empty() && !ml)
    require("Tactic: " + primary, "tag-tactic", "it is the rule's primary ATT&CK tactic");
  for (const auto& [tag, pos] : tags) {
    constexpr std::string_view kTactic = "Tactic: ";
    if (tag.rfind(kTactic, 0) != 0) continue;
    std::string name = tag.substr(kTactic.size());
    if (!mapped.count(name))
      ctx.Report("tag-tactic", pos, "tag \"" + tag + "\" names a tactic the threat mapping lacks",
                 "map the tactic in [[rule.threat]] or remove the tag");
  }

  auto note = LintContext::GetString(ctx.rule, "note").value_or("");
  bool has_guide_tag = tags.count("Resources: Investigation Guide") > 0;
  bool note_is_guide = note.find("Investigating") != std::string::npos ||
                       note.find("Triage and analysis") != std::string::npos;
  if (has_guide_tag && note.find_first_not_of(" \t\r\n") == std::string::npos)
    ctx.Report("tag-investigation-guide", tags.at("Resources: Investigation Guide"),
               "the rule is tagged Resources: Investigation Guide but has no note",
               "write the guide in note or remove the tag");
  else if (!has_guide_tag && note_is_guide)
    require("Resources: Investigation Guide", "tag-investigation-guide",
            "the note is an investigation guide");
}

}  // namespace picket::rules::lint
