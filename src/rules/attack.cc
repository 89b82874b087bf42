#include "rules/attack.h"

#include <cstdio>
#include <cstdlib>

#include "util/embedded.h"
#include "util/text_lines.h"

namespace picket::rules {
namespace {

std::vector<std::string> SplitCommas(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    size_t comma = text.find(',', start);
    std::string_view part = text.substr(start, comma == std::string_view::npos ? comma : comma - start);
    if (!part.empty()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

std::string_view AttackTechnique::parent_id() const {
  std::string_view view = id;
  return view.substr(0, view.find('.'));
}

bool AttackTechnique::InTactic(std::string_view shortname) const {
  for (const auto& t : tactics)
    if (t == shortname) return true;
  return false;
}

const char* AttackStatusName(AttackStatus status) {
  switch (status) {
    case AttackStatus::kActive: return "active";
    case AttackStatus::kDeprecated: return "deprecated";
    case AttackStatus::kRevoked: return "revoked";
  }
  return "?";
}

std::optional<AttackData> AttackData::Parse(std::string_view text, std::string* error) {
  AttackData data;
  std::string failure;
  auto on_comment = [&](std::string_view line) {
    constexpr std::string_view kVersion = "# version: ";
    if (line.substr(0, kVersion.size()) == kVersion) data.version_ = line.substr(kVersion.size());
  };
  ForEachDataLine(
      text,
      [&](size_t line_no, std::string_view line) {
        auto cols = Split(line, '\t');
        auto fail = [&](const char* why) {
          failure = "line " + std::to_string(line_no) + ": " + why;
          return false;
        };
        if (cols[0] == "tactic") {
          if (cols.size() != 4) return fail("a tactic has 4 columns");
          data.tactics_.push_back({std::string(cols[1]), std::string(cols[2]), std::string(cols[3])});
        } else if (cols[0] == "technique") {
          if (cols.size() != 6) return fail("a technique has 6 columns");
          AttackTechnique tech;
          tech.id = cols[1];
          tech.name = cols[2];
          tech.tactics = SplitCommas(cols[3]);
          if (cols[4] == "active") tech.status = AttackStatus::kActive;
          else if (cols[4] == "deprecated") tech.status = AttackStatus::kDeprecated;
          else if (cols[4] == "revoked") tech.status = AttackStatus::kRevoked;
          else return fail("status must be active, deprecated or revoked");
          tech.revoked_by = cols[5];
          data.technique_index_[tech.id] = data.techniques_.size();
          data.techniques_.push_back(std::move(tech));
        } else {
          return fail("a row starts with tactic or technique");
        }
        return true;
      },
      on_comment);
  if (!failure.empty()) {
    if (error) *error = failure;
    return std::nullopt;
  }
  if (data.tactics_.empty() || data.techniques_.empty()) {
    if (error) *error = "no tactics or no techniques";
    return std::nullopt;
  }
  return data;
}

const AttackData& AttackData::BuiltIn() {
  static const AttackData* data = [] {
    std::string error;
    auto parsed = Parse(EmbeddedFile("data/attack.tsv"), &error);
    if (!parsed) {
      std::fprintf(stderr, "picket: bundled data/attack.tsv is unusable: %s\n", error.c_str());
      std::abort();
    }
    return new AttackData(std::move(*parsed));
  }();
  return *data;
}

const AttackTactic* AttackData::FindTactic(std::string_view id) const {
  for (const auto& t : tactics_)
    if (t.id == id) return &t;
  return nullptr;
}

const AttackTactic* AttackData::FindTacticByName(std::string_view name) const {
  for (const auto& t : tactics_)
    if (t.name == name) return &t;
  return nullptr;
}

const AttackTactic* AttackData::FindTacticByShortname(std::string_view shortname) const {
  for (const auto& t : tactics_)
    if (t.shortname == shortname) return &t;
  return nullptr;
}

const AttackTechnique* AttackData::FindTechnique(std::string_view id) const {
  auto it = technique_index_.find(std::string(id));
  return it == technique_index_.end() ? nullptr : &techniques_[it->second];
}

std::string AttackData::TacticUrl(std::string_view id) {
  return "https://attack.mitre.org/tactics/" + std::string(id) + "/";
}

std::string AttackData::TechniqueUrl(std::string_view id) {
  std::string path(id);
  for (char& c : path)
    if (c == '.') c = '/';
  return "https://attack.mitre.org/techniques/" + path + "/";
}

}  // namespace picket::rules
