// `picket lint`: checks detection-rules TOML files against the conventions
// of elastic/detection-rules (required fields, dates, ids, severity bands,
// schedules, new_terms shape, ATT&CK mappings, tags) and against what
// Elasticsearch will actually do with the query (unknown fields, values that
// cannot match their field's type, case-sensitive keyword traps, new_terms
// fields the selected events never carry, queries that are always true or
// always false).
//
// Every finding names its file, line and column, the rule id, a stable check
// id (see LintChecks() and docs/lint.md), a message and a fix hint. Linting
// never throws and never stops at the first problem of a file.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "event/field_types.h"

namespace picket::rules {

enum class LintSeverity { kError, kWarning };
const char* LintSeverityName(LintSeverity severity);  // "error", "warning"

struct LintFinding {
  std::string path;
  uint32_t line = 0;    // 1-based; 0 = the file as a whole
  uint32_t column = 0;  // 1-based; 0 = unknown
  std::string rule_id;  // empty when the file has none
  LintSeverity severity = LintSeverity::kError;
  std::string check;    // stable id, e.g. "risk-score-band"
  std::string message;
  std::string hint;     // how to fix it
};

struct LintCheckInfo {
  std::string_view id;
  LintSeverity severity;
  std::string_view summary;
};
// Every check the linter can report, in documentation order.
const std::vector<LintCheckInfo>& LintChecks();

struct LintOptions {
  // Field mappings for the schema checks; null = the built-in ECS + Defend table.
  std::shared_ptr<const event::FieldTypes> types;
};

struct LintReport {
  std::vector<LintFinding> findings;  // sorted by path, line, column
  std::vector<std::string> io_errors; // paths that could not be read
  size_t files = 0;
  size_t errors() const;
  size_t warnings() const;
};

// Lints one rule file's text. `path` is used in findings and for the checks
// that depend on where a rule lives (rules/macos/ needs `OS: macOS`, ...).
std::vector<LintFinding> LintRuleText(std::string_view text, const std::string& path,
                                      const LintOptions& options = {});

// Lints files and every *.toml under directories (recursively), and the
// checks that span files (duplicate rule ids and file names).
LintReport LintPaths(const std::vector<std::string>& paths, const LintOptions& options = {});

// Output formats. Text is "path:line:column: severity: message [check]"
// with the rule id and hint on following lines, then a summary.
std::string FormatLintText(const LintReport& report);
std::string FormatLintJson(const LintReport& report);
// SARIF 2.1.0, one result per finding, one reportingDescriptor per check.
std::string FormatLintSarif(const LintReport& report);

}  // namespace picket::rules
