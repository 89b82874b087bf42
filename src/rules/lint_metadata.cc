// Metadata checks: the tables and keys every detection-rules file must have,
// dates, ids, names, severity against risk score, type and language, and
// the investigation guide.
#include <cctype>
#include <regex>

#include "rules/lint_context.h"
#include "rules/rule_schema.h"

namespace picket::rules::lint {
namespace {

bool IsDate(const std::string& s) {
  static const std::regex kDate(R"(^(\d{4})/(\d{2})/(\d{2})$)");
  std::smatch m;
  if (!std::regex_match(s, m, kDate)) return false;
  int month = std::stoi(m[2]), day = std::stoi(m[3]);
  int year = std::stoi(m[1]);
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1]) return false;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return !(month == 2 && day == 29 && !leap);
}

bool IsLowerUuid(const std::string& s) {
  static const std::regex kUuid("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
  return std::regex_match(s, kUuid);
}

struct Band {
  const char* severity;
  int low, high;
};
// detection-rules' risk score bands per severity.
constexpr Band kBands[] = {
    {"low", 0, 21}, {"medium", 22, 47}, {"high", 48, 73}, {"critical", 74, 100}};

void RequireString(LintContext& ctx, const toml::table* table, std::string_view table_name,
                   std::string_view key) {
  const toml::node* node = table->get(key);
  if (!node) {
    ctx.Report("missing-field", ctx.PosOf(table),
               "[" + std::string(table_name) + "] has no " + std::string(key),
               "add " + std::string(key) + " = \"...\"");
  } else if (node->is_string() && node->value<std::string>()->empty()) {  // else CheckKeyTypes
    ctx.Report("missing-field", ctx.PosOf(node), std::string(key) + " is empty",
               "give " + std::string(key) + " a value");
  }
}

void CheckMetadataTable(LintContext& ctx) {
  const toml::table* meta = ctx.metadata;
  for (const char* key : {"creation_date", "updated_date"}) {
    RequireString(ctx, meta, "metadata", key);
    auto value = LintContext::GetString(meta, key);
    if (value && !value->empty() && !IsDate(*value))
      ctx.Report("date-format", ctx.PosOfKey(meta, key),
                 std::string(key) + " \"" + *value + "\" is not a YYYY/MM/DD date",
                 "write the date as YYYY/MM/DD, e.g. 2026/03/24");
  }
  auto created = LintContext::GetString(meta, "creation_date");
  auto updated = LintContext::GetString(meta, "updated_date");
  // YYYY/MM/DD strings order like the dates they spell.
  if (created && updated && IsDate(*created) && IsDate(*updated) && *updated < *created)
    ctx.Report("date-order", ctx.PosOfKey(meta, "updated_date"),
               "updated_date " + *updated + " is before creation_date " + *created,
               "set updated_date to the date of the last change");
  if (auto maturity = LintContext::GetString(meta, "maturity")) {
    static const char* kMaturities[] = {"development", "experimental", "beta", "production",
                                        "deprecated"};
    bool known = false;
    for (const char* m : kMaturities) known = known || *maturity == m;
    if (!known)
      ctx.Report("maturity", ctx.PosOfKey(meta, "maturity"),
                 "maturity \"" + *maturity + "\" is not a known value",
                 "use development, experimental, beta, production or deprecated");
  }
}

void CheckRuleIdentity(LintContext& ctx) {
  const toml::table* rule = ctx.rule;
  for (const char* key : {"name", "description", "rule_id", "severity", "type"})
    RequireString(ctx, rule, "rule", key);

  const toml::node* author = rule->get("author");
  if (!author || (author->is_array() && author->as_array()->empty()))
    ctx.Report("missing-field", ctx.PosOfKey(rule, "author"), "author must be a non-empty list",
               "add author = [\"Your Team\"]");

  if (auto name = LintContext::GetString(rule, "name")) {
    static const std::regex kName(R"(^[a-zA-Z0-9].+?[a-zA-Z0-9\[\]()]$)");
    if (!name->empty() && !std::regex_match(*name, kName))
      ctx.Report("rule-name", ctx.PosOfKey(rule, "name"),
                 "name \"" + *name +
                     "\" must start with a letter or digit and end with one "
                     "(or a bracket)",
                 "remove leading/trailing punctuation or spaces");
  }
  if (auto id = LintContext::GetString(rule, "rule_id"); id && !id->empty() && !IsLowerUuid(*id))
    ctx.Report("rule-id", ctx.PosOfKey(rule, "rule_id"),
               "rule_id \"" + *id + "\" is not a lower-case UUID",
               "generate one with `uuidgen | tr A-Z a-z`");

  const toml::node* score = rule->get("risk_score");
  std::optional<int64_t> risk;
  if (!score) {
    ctx.Report("missing-field", ctx.PosOf(rule), "[rule] has no risk_score",
               "add risk_score = <0..100> matching the severity");
  } else if (!score->is_integer() || *score->value<int64_t>() < 0 ||
             *score->value<int64_t>() > 100) {
    ctx.Report("risk-score", ctx.PosOf(score), "risk_score must be an integer from 0 to 100",
               "use an unquoted integer in the severity's band");
  } else {
    risk = *score->value<int64_t>();
  }
  auto severity = LintContext::GetString(rule, "severity");
  const Band* band = nullptr;
  if (severity && !severity->empty()) {
    for (const auto& b : kBands)
      if (*severity == b.severity) band = &b;
    if (!band)
      ctx.Report("severity", ctx.PosOfKey(rule, "severity"),
                 "severity \"" + *severity + "\" is not low, medium, high or critical",
                 "use a lower-case severity name");
  }
  if (band && risk && (*risk < band->low || *risk > band->high))
    ctx.Report("severity-band", ctx.PosOfKey(rule, "risk_score"),
               "risk_score " + std::to_string(*risk) + " is outside the " + band->severity +
                   " band (" + std::to_string(band->low) + "-" + std::to_string(band->high) + ")",
               "change risk_score or severity so that they agree");
}

void CheckTypeAndLanguage(LintContext& ctx) {
  const toml::table* rule = ctx.rule;
  auto type = LintContext::GetString(rule, "type");
  if (!type || type->empty()) return;  // reported as missing-field
  static const char* kTypes[] = {"query", "saved_query", "machine_learning", "eql",
                                 "esql",  "threshold",   "threat_match",     "new_terms"};
  bool known = false;
  for (const char* t : kTypes) known = known || *type == t;
  if (!known) {
    ctx.Report("rule-type", ctx.PosOfKey(rule, "type"), "type \"" + *type + "\" is not a rule type",
               "use query, new_terms, eql, esql, threshold, threat_match, machine_learning or "
               "saved_query");
    return;
  }
  if (*type == "machine_learning") return;  // no query, no language
  auto language = LintContext::GetString(rule, "language");
  static const char* kLanguages[] = {"kuery", "lucene", "eql", "esql"};
  bool known_language = false;
  for (const char* l : kLanguages) known_language = known_language || (language && *language == l);
  if (!known_language) {
    ctx.Report("language", ctx.PosOfKey(rule, "language"),
               language ? "language \"" + *language + "\" is not kuery, lucene, eql or esql"
                        : "a " + *type + " rule needs a language",
               "set language = \"kuery\" for a KQL query");
    return;
  } else if ((*type == "eql") != (*language == "eql") ||
             (*type == "esql") != (*language == "esql")) {
    ctx.Report("language", ctx.PosOfKey(rule, "language"),
               "type " + *type + " cannot use language " + *language,
               "eql rules use eql, esql rules use esql, the others kuery or lucene");
    return;
  }
  if (*type != "saved_query" && ctx.query.empty() && !rule->get("query"))
    ctx.Report("language", ctx.PosOfKey(rule, "query"), "the rule has no query",
               "add query = '''...'''");
  if (!ctx.runs_kql && !ctx.is_eql)
    ctx.Report("unsupported-type", ctx.PosOfKey(rule, "type"),
               "picket runs only KQL query, new_terms and threshold rules and EQL rules; this is " +
                   *type + (language ? "/" + *language : std::string()) +
                   ", so its query is not checked",
               "nothing to fix for Elastic; picket will skip this rule");
}

// Keys whose TOML type is not the rule schema's: the loader refuses them.
// The keys with a check of their own (range or format) are left to it.
void CheckKeyTypesOf(LintContext& ctx) {
  for (const KeyTypeProblem& p : CheckKeyTypes(ctx.root)) {
    if (p.key == "rule.risk_score" || p.key == "rule.max_signals" || p.key == "rule.from" ||
        p.key == "rule.interval")
      continue;
    ctx.Report("field-type", ctx.PosOf(p.node), p.message,
               "give the key the type Kibana's rule schema has (quote strings, [..] for lists)");
  }
}

void CheckInvestigationGuide(LintContext& ctx) {
  auto note = LintContext::GetString(ctx.rule, "note");
  if (!note || note->find_first_not_of(" \t\r\n") == std::string::npos)
    ctx.Report(
        "investigation-guide", ctx.PosOf(ctx.rule), "the rule has no investigation guide",
        "add note = \"\"\"## Triage and analysis ...\"\"\" telling an analyst what to check");
}

}  // namespace

void CheckMetadata(LintContext& ctx) {
  static const std::regex kFileName(R"(^[a-z0-9_]+\.toml$)");
  std::string name(ctx.file_name());
  if (!std::regex_match(name, kFileName))
    ctx.Report("file-name", {}, "file name \"" + name + "\" is not lower-case snake case",
               "rename to lower-case letters, digits and underscores with a .toml extension");
  if (!ctx.metadata)
    ctx.Report("missing-table", {1, 1}, "the file has no [metadata] table",
               "add [metadata] with creation_date, updated_date and maturity");
  if (!ctx.rule)
    ctx.Report("missing-table", {1, 1}, "the file has no [rule] table",
               "add [rule] with the rule's definition");
  CheckKeyTypesOf(ctx);
  if (ctx.metadata) CheckMetadataTable(ctx);
  if (ctx.rule) {
    CheckRuleIdentity(ctx);
    CheckTypeAndLanguage(ctx);
    CheckInvestigationGuide(ctx);
  }
}

}  // namespace picket::rules::lint
