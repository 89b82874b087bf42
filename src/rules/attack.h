// The bundled MITRE ATT&CK Enterprise table (data/attack.tsv, made by
// scripts/gen_attack.py): tactics, techniques and sub-techniques with their
// tactics, whether they are deprecated or revoked, and where a revoked id
// now points. `picket lint` checks rule threat mappings against it and
// `picket coverage` names techniques with it.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace picket::rules {

struct AttackTactic {
  std::string id;         // TA0003
  std::string name;       // Persistence
  std::string shortname;  // persistence (the Navigator/STIX phase name)
};

enum class AttackStatus { kActive, kDeprecated, kRevoked };

struct AttackTechnique {
  std::string id;    // T1543 or T1543.001
  std::string name;  // Launch Agent
  std::vector<std::string> tactics;  // shortnames
  AttackStatus status = AttackStatus::kActive;
  std::string revoked_by;  // the replacement id when revoked, if MITRE gives one

  bool is_subtechnique() const { return id.find('.') != std::string::npos; }
  // "T1543" for "T1543.001"; the id itself for a technique.
  std::string_view parent_id() const;
  bool InTactic(std::string_view shortname) const;
};

class AttackData {
 public:
  // The embedded table; aborts the program if it is missing or malformed,
  // since that is a build defect.
  static const AttackData& BuiltIn();
  // Parses the TSV format; on failure returns nullopt with "line N: why".
  static std::optional<AttackData> Parse(std::string_view text, std::string* error);

  const AttackTactic* FindTactic(std::string_view id) const;
  const AttackTactic* FindTacticByName(std::string_view name) const;
  const AttackTactic* FindTacticByShortname(std::string_view shortname) const;
  const AttackTechnique* FindTechnique(std::string_view id) const;

  const std::vector<AttackTactic>& tactics() const { return tactics_; }
  const std::vector<AttackTechnique>& techniques() const { return techniques_; }
  // "ATT&CK v18.1 Enterprise", from the data file header.
  const std::string& version() const { return version_; }

  // Canonical attack.mitre.org URLs, with the trailing slash detection-rules
  // writes: .../tactics/TA0003/, .../techniques/T1543/001/.
  static std::string TacticUrl(std::string_view id);
  static std::string TechniqueUrl(std::string_view id);

 private:
  std::vector<AttackTactic> tactics_;
  std::vector<AttackTechnique> techniques_;
  std::unordered_map<std::string, size_t> technique_index_;
  std::string version_;
};

const char* AttackStatusName(AttackStatus status);

}  // namespace picket::rules
