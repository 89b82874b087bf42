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
#include "util/wildcard.h"

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

WildcardPattern PatternOf(const kql::Literal& literal, bool lower) {
  std::vector<std::string> pieces =
      literal.wildcard ? literal.pieces : std::vector<std::string>{literal.text};
  if (lower)
    for (auto& p : pieces) p = Lower(p);
  return WildcardPattern(std::move(pieces));
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

struct FieldLiteral {
  std::string field;
  const kql::Literal* literal;
};

}  // namespace

void CheckCaseTraps(LintContext& ctx) {
  if (ctx.target_oses.empty()) return;
  std::vector<FieldLiteral> literals;
  kql::ForEachFieldNode(*ctx.query_ast, [&](const std::string& field, const kql::Node& node) {
    if (node.kind == kql::NodeKind::kMatch && node.value && !RoleOf(field).empty())
      ForEachLiteral(*node.value, [&](const kql::Literal& l) { literals.push_back({field, &l}); });
  });
  for (const FieldLiteral& item : literals) {
    // Named copies, not structured bindings: the lambda below uses them,
    // which clang 14 (the fuzz build) does not allow for bindings.
    const std::string& field = item.field;
    const kql::Literal* literal = item.literal;
    if (literal->IsExistsPattern()) continue;
    std::string all_text;
    for (const auto& p : literal->pieces) all_text += p;
    if (HasUpper(literal->wildcard ? all_text : literal->text)) continue;
    std::string role = RoleOf(field);
    for (const auto& known : KnownSpellings()) {
      if (known.role != role || !ctx.target_oses.count(known.os)) continue;
      if (!PatternOf(*literal, true).Matches(Lower(known.value))) continue;
      if (PatternOf(*literal, false).Matches(known.value)) continue;
      bool covered = std::any_of(literals.begin(), literals.end(), [&](const FieldLiteral& other) {
        return other.field == field && PatternOf(*other.literal, false).Matches(known.value);
      });
      if (covered) continue;
      ctx.Report("case-trap", ctx.QueryPos(literal->offset),
                 field + ":" + literal->raw + " never matches \"" + known.value + "\" (" +
                     known.note + "): keyword values are case-sensitive",
                 "also match the capitalised spelling, e.g. " + field + ":(" + literal->raw +
                     " or " + CapitalisedVariant(literal->raw, known.value) + ")");
      break;  // one finding per value is enough
    }
  }
}

}  // namespace picket::rules::lint
