// Internal to the linter: what the checks of one rule file share. The
// driver (lint.cc) parses the TOML and the query once, derives facts the
// checks need (target OSes, indices, the exact terms the query requires),
// and hands a LintContext to each check family in turn. Checks only read
// the context and append findings through Report().
#pragma once
#include <toml++/toml.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "eql/query.h"
#include "eql/verifier.h"
#include "eql/wildcard.h"
#include "event/field_types.h"
#include "kql/ast.h"
#include "rules/attack.h"
#include "rules/event_fields.h"
#include "rules/lint.h"

namespace picket::rules::lint {

struct Pos {
  uint32_t line = 0;
  uint32_t column = 0;
};

class LintContext {
 public:
  LintContext(std::string_view text, std::string path, const event::FieldTypes& types,
              std::vector<LintFinding>* out);

  // Reports a finding; its severity comes from the check catalogue.
  void Report(std::string_view check, Pos pos, std::string message, std::string hint);

  // --- the file -----------------------------------------------------------
  const std::string& path() const { return path_; }
  std::string_view file_name() const;  // the last path component
  // "macos", "linux" or "windows" when the file is under a rules/<os>/ dir.
  std::string os_dir() const;
  std::string_view text() const { return text_; }

  toml::table root;
  const toml::table* metadata = nullptr;
  const toml::table* rule = nullptr;
  std::string rule_id;

  Pos PosOf(const toml::node* node) const;
  // The key's value when present, else the table's header.
  Pos PosOfKey(const toml::table* table, std::string_view key) const;
  // A string value, or nullopt when absent or not a string.
  static std::optional<std::string> GetString(const toml::table* table, std::string_view key);
  // A list of strings (non-strings skipped); empty when absent.
  static std::vector<std::string> GetStrings(const toml::table* table, std::string_view key);

  // --- the query ----------------------------------------------------------
  std::string query;                     // the [rule] query text
  std::unique_ptr<kql::Node> query_ast;  // null when absent or unparsable
  bool runs_kql = false;                 // type query/new_terms/threshold with language kuery
  bool is_eql = false;                   // type eql with language eql
  // The EQL query compiled with the rule's EQL settings, or the problems
  // that stopped it (positions are query offsets).
  std::shared_ptr<const eql::Query> eql_query;
  std::vector<eql::Problem> eql_problems;
  // Maps a byte offset in `query` to the file's line and column.
  Pos QueryPos(uint32_t offset) const;

  // --- derived facts ------------------------------------------------------
  std::vector<std::string> indices;
  std::vector<std::string> tags;
  // Every index pattern is an Elastic Defend events pattern, so the bundled
  // ECS + Defend schema is the whole schema of the rule's data.
  bool endpoint_only = false;
  bool any_endpoint = false;
  // Elastic Defend data sets the indices cover (endpoint.events.file, ...).
  std::set<std::string> datasets;
  // OSes the rule targets, from its directory, OS tags and host.os.type.
  std::set<std::string> target_oses;
  // field -> values, for top-level conjuncts `field:v` / `field:(v1 or v2)`
  // with exact (not wildcard) values: every matching event has one of them.
  std::map<std::string, std::vector<std::string>> required_terms;
  // `from` as a look-back in ms (Kibana's default now-6m when absent or bad).
  int64_t lookback_ms = 6 * 60 * 1000;

  const event::FieldTypes& types;
  const AttackData& attack;
  const EventFieldCatalog& events;

 private:
  std::string_view text_;
  std::string path_;
  std::vector<LintFinding>* out_;
  Pos query_start_;
  bool query_start_known_ = false;
  friend void PrepareContext(LintContext& ctx);
};

// Fills the query and derived facts once the tables are set.
void PrepareContext(LintContext& ctx);

// The check families, one file each.
void CheckMetadata(LintContext& ctx);          // lint_metadata.cc
void CheckSchedule(LintContext& ctx);          // lint_schedule.cc
void CheckNewTerms(LintContext& ctx);          // lint_new_terms.cc
void CheckThreshold(LintContext& ctx);         // lint_threshold.cc
void CheckThreat(LintContext& ctx);            // lint_threat.cc
void CheckTags(LintContext& ctx);              // lint_tags.cc
void CheckQuerySyntax(LintContext& ctx);       // lint_query_syntax.cc
void CheckQueryFields(LintContext& ctx);       // lint_query_fields.cc
void CheckCaseTraps(LintContext& ctx);         // lint_case_traps.cc
void CheckAllowedValues(LintContext& ctx);     // lint_allowed_values.cc
void CheckQueryLogic(LintContext& ctx);        // lint_query_logic.cc
void CheckEql(LintContext& ctx);               // lint_eql.cc
void CheckAlertSuppression(LintContext& ctx);  // lint_alert_suppression.cc

// A field a rule names outside its query (new_terms, alert_suppression), where.
struct FieldAt {
  std::string name;
  Pos pos;
};
// Reports, as `check`, each of `fields` of an Elastic Defend-only rule that
// is not in the ECS / Defend schema: "<role> field F is not in ..."
// (lint_new_terms.cc).
void ReportUnknownFields(LintContext& ctx, const std::vector<FieldAt>& fields,
                         std::string_view check, std::string_view role);
// Reports, as `check`, each of `fields` that the Elastic Defend events the
// query selects (pinned OS and action) are documented not to carry:
// "<role> field F is not among the fields ...; <consequence>"
// (lint_new_terms.cc).
void ReportFieldsNotCarried(LintContext& ctx, const std::vector<FieldAt>& fields,
                            std::string_view check, std::string_view role,
                            std::string_view consequence);

// A case-sensitive value tested on a field, for the case-trap check: a
// value written in lower case that matches a known capitalised spelling
// only when case is ignored never matches it.
struct CaseValue {
  std::string field;
  std::string letters;          // the value's text without wildcards
  eql::EqlWildcard as_written;  // the test as the query makes it
  eql::EqlWildcard any_case;    // the same, ignoring case
  std::string raw;              // the value as written
  std::string shown;            // the test as written (field:raw, field == "raw")
  uint32_t offset = 0;
  bool eql = false;
};
void ReportCaseTraps(LintContext& ctx, const std::vector<CaseValue>& values);  // lint_case_traps.cc

// Calls visit(const kql::Literal&) for every literal of a value expression.
template <typename Visit>
void ForEachLiteral(const kql::ValueNode& value, Visit&& visit) {
  if (value.kind == kql::ValueKind::kLiteral) {
    visit(value.literal);
    return;
  }
  for (const auto& child : value.children) ForEachLiteral(*child, visit);
}

// Whether `field` is known: in the field table, in Defend's documented
// event fields, or (for a wildcard name) expanding to at least one of them.
bool IsKnownField(const LintContext& ctx, std::string_view field);
// A close known field name for "did you mean", or empty.
std::string SuggestField(const LintContext& ctx, std::string_view field);

}  // namespace picket::rules::lint
