// Case traps: keyword values are matched byte for byte, so a lower-case
// pattern misses capitalised spellings of the same program. The bundled
// list (data/case_traps.tsv) names spellings that are known to occur, e.g.
// the python.org framework interpreter, which Elastic Defend reports as
// process.name "Python". A value is flagged when it is all lower case, the
// rule targets the OS where the spelling occurs, the value matches the known
// spelling ignoring case but not as written, and no other value of the
// query on the same field matches it.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <regex>

#include "rules/lint_context.h"
#include "util/embedded.h"
#include "util/text_lines.h"

namespace picket::rules::lint {
namespace {

struct KnownSpelling {
  std::string os, role, value, note;
};

const std::vector<KnownSpelling>& KnownSpellings() {
  static const std::vector<KnownSpelling>* list = [] {
    auto* out = new std::vector<KnownSpelling>;
    ForEachDataLine(EmbeddedFile("data/case_traps.tsv"), [&](size_t, std::string_view line) {
      auto cols = Split(line, '\t');
      if (cols.size() == 4)
        out->push_back({std::string(cols[0]), std::string(cols[1]), std::string(cols[2]),
                        std::string(cols[3])});
      return true;
    });
    return out;
  }();
  return *list;
}

// "name" or "executable" for a process name/executable field (including
// parent, effective parent, group/session leader, Target and
// Effective_process variants); empty for other fields.
std::string RoleOf(const std::string& field) {
  static const std::regex kProcessField(
      R"(^(.*\.)?(process|parent|effective_parent|Effective_process|group_leader|session_leader|entry_leader)\.(name|executable)$)");
  std::smatch m;
  return std::regex_match(field, m, kProcessField) ? m[3].str() : "";
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool HasUpper(const std::string& s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return std::isupper(static_cast<unsigned char>(c)); });
}

// The value as written with the known spelling's capitals restored, e.g.
// python* -> Python* for "Python", *python* -> *Python* for
// ".../MacOS/Python". Falls back to the known value itself.
std::string CapitalisedVariant(const std::string& raw, const std::string& known) {
  std::string word = known.substr(known.rfind('/') + 1);
  size_t at = raw.find(Lower(word));
  if (at == std::string::npos) return known;
  return raw.substr(0, at) + word + raw.substr(at + word.size());
}

}  // namespace

void ReportCaseTraps(LintContext& ctx, const std::vector<CaseValue>& values) {
  if (ctx.target_oses.empty()) return;
  for (const CaseValue& item : values) {
    if (HasUpper(item.letters)) continue;
    std::string role = RoleOf(item.field);
    if (role.empty()) continue;
    for (const auto& known : KnownSpellings()) {
      if (known.role != role || !ctx.target_oses.count(known.os)) continue;
      if (!item.any_case.Matches(known.value) || item.as_written.Matches(known.value)) continue;
      bool covered = std::any_of(values.begin(), values.end(), [&](const CaseValue& other) {
        return other.field == item.field && other.as_written.Matches(known.value);
      });
      if (covered) continue;
      std::string variant = CapitalisedVariant(item.raw, known.value);
      ctx.Report("case-trap", ctx.QueryPos(item.offset),
                 item.shown + " never matches \"" + known.value + "\" (" + known.note +
                     "): keyword values are case-sensitive",
                 item.eql ? "compare case-insensitively (: or like~), or also match the "
                            "capitalised spelling " +
                                variant
                          : "also match the capitalised spelling, e.g. " + item.field + ":(" +
                                item.raw + " or " + variant + ")");
      break;  // one finding per value is enough
    }
  }
}

void CheckCaseTraps(LintContext& ctx) {
  std::vector<CaseValue> values;
  kql::ForEachFieldNode(*ctx.query_ast, [&](const std::string& field, const kql::Node& node) {
    if (node.kind != kql::NodeKind::kMatch || !node.value || RoleOf(field).empty()) return;
    ForEachLiteral(*node.value, [&](const kql::Literal& l) {
      if (l.IsExistsPattern()) return;
      // In KQL only * is a wildcard: ? and quoted stars are characters.
      std::vector<std::string> pieces = l.wildcard ? l.pieces : std::vector<std::string>{l.text};
      CaseValue v;
      v.field = field;
      for (const auto& p : pieces) v.letters += p;
      v.as_written = eql::EqlWildcard::FromPieces(pieces, false);
      v.any_case = eql::EqlWildcard::FromPieces(pieces, true);
      v.raw = l.raw;
      v.shown = field + ":" + l.raw;
      v.offset = l.offset;
      values.push_back(std::move(v));
    });
  });
  ReportCaseTraps(ctx, values);
}

}  // namespace picket::rules::lint
