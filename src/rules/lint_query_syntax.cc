// Query syntax checks: the query parses, keywords are lower case (the
// detection-rules tooling rejects AND/OR/NOT although Kibana accepts them),
// rules under rules/<os>/ test host.os.type, and KQL that does not do what
// it looks like: `?` is a literal character, a quoted `*` is a literal
// asterisk, free text searches every field, `null` is just a word, and a
// `*` in a field name expands to every matching field.
#include <cctype>

#include "kql/parser.h"
#include "rules/lint_context.h"

namespace picket::rules::lint {
namespace {

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' ||
         c == '*' || c == '\\';
}

// Upper-case AND/OR/NOT outside quoted strings, as byte offsets.
std::vector<uint32_t> UpperCaseKeywords(std::string_view query) {
  std::vector<uint32_t> found;
  bool quoted = false;
  for (size_t i = 0; i < query.size(); ++i) {
    char c = query[i];
    if (c == '\\') {
      ++i;  // an escaped character is never a keyword or a quote
      continue;
    }
    if (c == '"') quoted = !quoted;
    if (quoted || (i > 0 && IsWordChar(query[i - 1]))) continue;
    for (std::string_view word : {"AND", "OR", "NOT"}) {
      if (query.substr(i, word.size()) != word) continue;
      size_t end = i + word.size();
      if (end < query.size() && IsWordChar(query[end])) continue;
      found.push_back(static_cast<uint32_t>(i));
    }
  }
  return found;
}

void CheckLiteralPitfalls(LintContext& ctx, const kql::Literal& literal) {
  // A lone quoted "*" is how rules match a literal asterisk (RBAC verbs and
  // resources are "*"), so only patterns that mix * with text are suspect.
  if (literal.quoted && literal.text.find('*') != std::string::npos && literal.text != "*")
    ctx.Report("kql-pitfall", ctx.QueryPos(literal.offset),
               "the quoted value " + literal.raw +
                   " contains *, which is a literal asterisk "
                   "inside quotes, not a wildcard",
               "remove the quotes (escape spaces or special characters with \\) to get a wildcard");
  if (!literal.quoted && literal.raw.find('?') != std::string::npos)
    ctx.Report("kql-pitfall", ctx.QueryPos(literal.offset),
               "? in " + literal.raw +
                   " is a literal question mark; KQL has no single-character "
                   "wildcard",
               "use * if any character was meant");
  if (!literal.quoted && literal.raw == "null")
    ctx.Report("kql-pitfall", ctx.QueryPos(literal.offset),
               "null is matched as the word \"null\", not as a missing value",
               "use not field:* to test that a field is missing");
}

void WalkPitfalls(LintContext& ctx, const kql::Node& node) {
  switch (node.kind) {
    case kql::NodeKind::kFreeText:
      ctx.Report("kql-pitfall", ctx.QueryPos(node.offset),
                 "free text " + node.literal.raw +
                     " searches every field (Kibana: analysed "
                     "full-text), which is slow and imprecise in a rule",
                 "name the field: field:value");
      return;
    case kql::NodeKind::kMatch:
    case kql::NodeKind::kRange:
    case kql::NodeKind::kNested:
      if (node.field.find('*') != std::string::npos)
        ctx.Report("kql-pitfall", ctx.QueryPos(node.field_offset),
                   "field name " + node.field +
                       " contains *, which expands to every matching "
                       "field (OR); a mistyped prefix silently matches nothing",
                   "list the fields explicitly if there are few");
      if (node.value)
        ForEachLiteral(*node.value, [&](const kql::Literal& l) { CheckLiteralPitfalls(ctx, l); });
      if (node.kind == kql::NodeKind::kRange) CheckLiteralPitfalls(ctx, node.literal);
      break;
    default:
      break;
  }
  for (const auto& child : node.children) WalkPitfalls(ctx, *child);
}

bool ReferencesField(const kql::Node& root, std::string_view field) {
  bool found = false;
  kql::ForEachFieldNode(
      root, [&](const std::string& name, const kql::Node&) { found = found || name == field; });
  return found;
}

}  // namespace

void CheckQuerySyntax(LintContext& ctx) {
  std::string dir = ctx.os_dir();
  if (!ctx.runs_kql || ctx.query.empty()) return;

  if (!ctx.query_ast) {
    auto parsed = kql::Parse(ctx.query);
    ctx.Report("kql-syntax", ctx.QueryPos(parsed.error.offset), parsed.error.message,
               "fix the query; see docs/semantics.md for the grammar");
    return;
  }
  for (uint32_t offset : UpperCaseKeywords(ctx.query))
    ctx.Report("kql-keyword-case", ctx.QueryPos(offset),
               "upper-case keyword " + ctx.query.substr(offset, ctx.query[offset] == 'O' ? 2 : 3) +
                   "; the detection-rules tooling only accepts lower-case and/or/not",
               "write it in lower case");
  WalkPitfalls(ctx, *ctx.query_ast);
  if (!dir.empty() && !ReferencesField(*ctx.query_ast, "host.os.type"))
    ctx.Report("host-os-type", ctx.QueryPos(0),
               "a rule under rules/" + dir + "/ does not test host.os.type",
               "add host.os.type:" + dir + " to the query");
}

}  // namespace picket::rules::lint
