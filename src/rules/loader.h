// Loads detection-rules TOML files (files and directories, recursively) into
// Rules. Rules with language kuery and type query or new_terms are compiled;
// eql rules are parsed, verified and compiled too and load, but the engine
// does not run them yet (Rule::supported() is false: commands that run
// rules name them as not run); every other type or language is counted as
// unsupported by type and named, never dropped silently. Every problem is
// reported with file:line:column.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "event/field_types.h"
#include "kql/matcher.h"
#include "rules/rule.h"

namespace picket::rules {

struct LoadIssue {
  std::string path;
  uint32_t line = 0;
  uint32_t column = 0;
  std::string message;  // may be several lines (KQL caret)
  std::string ToString() const;
};

struct Unsupported {
  std::string path;
  std::string rule_id;
  std::string name;
  std::string type;           // "eql", "esql", "threshold", ... or "query/lucene"
  bool kql_compiled = false;  // a kuery query that parsed and compiled
};

struct RuleSet {
  std::vector<std::shared_ptr<Rule>> rules;  // compiled (supported, and eql rules)
  std::vector<Unsupported> unsupported;
  std::vector<LoadIssue> errors;
  std::vector<LoadIssue> warnings;
  size_t files = 0;
  std::map<std::string, size_t> CountsByType() const;  // loaded rules by type
  std::map<std::string, size_t> UnsupportedByType() const;
  // The rules the engine runs (supported()), and the loaded ones it does
  // not run yet (eql).
  std::vector<std::shared_ptr<const Rule>> Runnable() const;
  std::vector<std::shared_ptr<const Rule>> NotRunnable() const;
};

struct LoadOptions {
  kql::CompileOptions compile;
  bool skip_deprecated_dir = false;  // skip */_deprecated/*
};

// Parses one rule file's text. On failure returns null and appends to
// *errors. Unsupported rules are returned with supported() false and no
// matcher.
std::shared_ptr<Rule> LoadRuleText(std::string_view text, const std::string& path,
                                   const event::FieldTypes& types, const LoadOptions& options,
                                   std::vector<LoadIssue>* errors,
                                   std::vector<LoadIssue>* warnings);

RuleSet LoadRules(const std::vector<std::string>& paths, const event::FieldTypes& types,
                  const LoadOptions& options = {});

// The bundled rule pack (rules/macos/*.toml compiled into the binary).
RuleSet LoadBundledRules(const event::FieldTypes& types, const LoadOptions& options = {});

}  // namespace picket::rules
