// The lint driver: parses each rule file once, runs every check family over
// it, then the checks that need the whole set (duplicate ids and names).
#include "rules/lint.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "rules/lint_context.h"
#include "rules/toml_depth.h"

namespace picket::rules {
namespace {

struct FileResult {
  std::vector<LintFinding> findings;
  std::string rule_id;
  lint::Pos rule_id_pos;
};

FileResult LintOne(std::string_view text, const std::string& path, const event::FieldTypes& types) {
  FileResult result;
  lint::LintContext ctx(text, path, types, &result.findings);
  if (auto deep = FindExcessiveTomlDepth(text)) {  // toml++ would recurse that deep
    ctx.Report("toml-syntax", {deep->line, deep->column}, deep->message,
               "flatten the keys; nothing else was checked");
    return result;
  }
  try {
    ctx.root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    ctx.Report("toml-syntax",
               {static_cast<uint32_t>(begin.line), static_cast<uint32_t>(begin.column)},
               std::string(e.description()), "fix the TOML syntax; nothing else was checked");
    return result;
  }
  ctx.metadata = ctx.root["metadata"].as_table();
  ctx.rule = ctx.root["rule"].as_table();
  if (auto id = lint::LintContext::GetString(ctx.rule, "rule_id")) {
    ctx.rule_id = *id;
    result.rule_id = *id;
    result.rule_id_pos = ctx.PosOfKey(ctx.rule, "rule_id");
  }
  lint::PrepareContext(ctx);
  lint::CheckMetadata(ctx);
  if (ctx.rule) {
    lint::CheckSchedule(ctx);
    lint::CheckNewTerms(ctx);
    lint::CheckAlertSuppression(ctx);
    lint::CheckThreshold(ctx);
    lint::CheckThreat(ctx);
    lint::CheckTags(ctx);
    lint::CheckQuerySyntax(ctx);
    if (ctx.query_ast) {
      lint::CheckQueryFields(ctx);
      lint::CheckCaseTraps(ctx);
      lint::CheckAllowedValues(ctx);
      lint::CheckQueryLogic(ctx);
    }
    if (ctx.is_eql) lint::CheckEql(ctx);
  }
  return result;
}

std::shared_ptr<const event::FieldTypes> TypesOf(const LintOptions& options) {
  return options.types ? options.types : event::FieldTypes::BuiltIn();
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return !in.bad();
}

void SortFindings(std::vector<LintFinding>* findings) {
  std::stable_sort(findings->begin(), findings->end(), [](const auto& a, const auto& b) {
    return std::tie(a.path, a.line, a.column) < std::tie(b.path, b.line, b.column);
  });
}

}  // namespace

size_t LintReport::errors() const {
  return std::count_if(findings.begin(), findings.end(),
                       [](const auto& f) { return f.severity == LintSeverity::kError; });
}

size_t LintReport::warnings() const { return findings.size() - errors(); }

std::vector<LintFinding> LintRuleText(std::string_view text, const std::string& path,
                                      const LintOptions& options) {
  auto types = TypesOf(options);
  auto findings = LintOne(text, path, *types).findings;
  SortFindings(&findings);
  return findings;
}

LintReport LintPaths(const std::vector<std::string>& paths, const LintOptions& options) {
  namespace fs = std::filesystem;
  LintReport report;
  auto types = TypesOf(options);

  std::vector<std::string> files;
  for (const auto& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(path, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file() && it->path().extension() == ".toml")
          found.push_back(it->path().string());
      if (ec) report.io_errors.push_back(path + ": " + ec.message());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(path, ec)) {
      files.push_back(path);
    } else {
      report.io_errors.push_back(path + ": no such file or directory");
    }
  }

  // Cross-file checks: the first file with a rule id or name owns it; later
  // ones are reported against it.
  std::map<std::string, std::string> first_by_id, first_by_name;
  for (const auto& file : files) {
    std::string text;
    if (!ReadFile(file, &text)) {
      report.io_errors.push_back(file + ": cannot read");
      continue;
    }
    ++report.files;
    FileResult result = LintOne(text, file, *types);
    auto emit = [&](std::string check, std::string message, std::string hint, lint::Pos pos) {
      LintFinding f;
      f.path = file;
      f.line = pos.line;
      f.column = pos.column;
      f.rule_id = result.rule_id;
      f.severity = LintSeverity::kError;
      f.check = std::move(check);
      f.message = std::move(message);
      f.hint = std::move(hint);
      result.findings.push_back(std::move(f));
    };
    if (!result.rule_id.empty()) {
      auto [it, inserted] = first_by_id.emplace(result.rule_id, file);
      if (!inserted)
        emit("duplicate-rule-id", "rule_id " + result.rule_id + " is also used by " + it->second,
             "give this rule a new UUID (rule ids identify rules in Kibana)", result.rule_id_pos);
    }
    std::string name = fs::path(file).filename().string();
    auto [it, inserted] = first_by_name.emplace(name, file);
    if (!inserted)
      emit("duplicate-file-name", "file name " + name + " is also used by " + it->second,
           "rename one of them; detection-rules requires unique file names", {});
    for (auto& f : result.findings) report.findings.push_back(std::move(f));
  }
  SortFindings(&report.findings);
  return report;
}

}  // namespace picket::rules
