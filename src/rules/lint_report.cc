// Renders a LintReport as text for people, JSON for scripts and SARIF 2.1.0
// for code-scanning tools (GitHub, VS Code SARIF viewer).
#include <map>

#include "rules/lint.h"
#include "util/json.h"

namespace picket::rules {
namespace {

std::map<std::string, size_t> CountByCheck(const LintReport& report) {
  std::map<std::string, size_t> counts;
  for (const auto& f : report.findings) ++counts[f.check];
  return counts;
}

std::string Location(const LintFinding& f) {
  std::string out = f.path;
  if (f.line) out += ":" + std::to_string(f.line);
  if (f.line && f.column) out += ":" + std::to_string(f.column);
  return out;
}

// SARIF wants URIs: absolute paths become file:// URIs, relative ones stay
// relative to the run's working directory.
std::string ArtifactUri(const std::string& path) {
  return !path.empty() && path[0] == '/' ? "file://" + path : path;
}

}  // namespace

std::string FormatLintText(const LintReport& report) {
  std::string out;
  for (const auto& f : report.findings) {
    out += Location(f) + ": " + LintSeverityName(f.severity) + ": " + f.message + " [" + f.check +
           "]\n";
    if (!f.rule_id.empty()) out += "    rule_id: " + f.rule_id + "\n";
    if (!f.hint.empty()) out += "    hint: " + f.hint + "\n";
  }
  for (const auto& e : report.io_errors) out += "error: " + e + "\n";
  out += std::to_string(report.files) + " file(s): " + std::to_string(report.errors()) +
         " error(s), " + std::to_string(report.warnings()) + " warning(s)\n";
  auto counts = CountByCheck(report);
  for (const auto& [check, n] : counts) out += "  " + check + ": " + std::to_string(n) + "\n";
  return out;
}

std::string FormatLintJson(const LintReport& report) {
  std::string out = "{\"files\":" + std::to_string(report.files) +
                    ",\"errors\":" + std::to_string(report.errors()) +
                    ",\"warnings\":" + std::to_string(report.warnings()) + ",\"by_check\":{";
  bool first = true;
  for (const auto& [check, n] : CountByCheck(report)) {
    if (!first) out += ",";
    first = false;
    AppendJsonString(&out, check);
    out += ":" + std::to_string(n);
  }
  out += "},\"findings\":[";
  for (size_t i = 0; i < report.findings.size(); ++i) {
    const auto& f = report.findings[i];
    if (i) out += ",";
    out += "{\"path\":" + JsonString(f.path) + ",\"line\":" + std::to_string(f.line) +
           ",\"column\":" + std::to_string(f.column) + ",\"rule_id\":" + JsonString(f.rule_id) +
           ",\"severity\":" + JsonString(LintSeverityName(f.severity)) +
           ",\"check\":" + JsonString(f.check) + ",\"message\":" + JsonString(f.message) +
           ",\"hint\":" + JsonString(f.hint) + "}";
  }
  out += "],\"io_errors\":[";
  for (size_t i = 0; i < report.io_errors.size(); ++i) {
    if (i) out += ",";
    AppendJsonString(&out, report.io_errors[i]);
  }
  out += "]}\n";
  return out;
}

std::string FormatLintSarif(const LintReport& report) {
  const auto& checks = LintChecks();
  std::map<std::string_view, size_t> index;
  std::string out =
      "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\","
      "\"runs\":[{\"tool\":{\"driver\":{\"name\":\"picket-lint\",\"version\":\"0.1.0\","
      "\"informationUri\":\"https://github.com/elastic/detection-rules\",\"rules\":[";
  for (size_t i = 0; i < checks.size(); ++i) {
    index[checks[i].id] = i;
    if (i) out += ",";
    out += "{\"id\":" + JsonString(checks[i].id) +
           ",\"shortDescription\":{\"text\":" + JsonString(checks[i].summary) +
           "},\"defaultConfiguration\":{\"level\":" +
           JsonString(LintSeverityName(checks[i].severity)) + "}}";
  }
  out += "]}},\"results\":[";
  for (size_t i = 0; i < report.findings.size(); ++i) {
    const auto& f = report.findings[i];
    if (i) out += ",";
    std::string text = f.message;
    if (!f.hint.empty()) text += " Fix: " + f.hint;
    out += "{\"ruleId\":" + JsonString(f.check);
    if (auto it = index.find(f.check); it != index.end())
      out += ",\"ruleIndex\":" + std::to_string(it->second);
    out += ",\"level\":" + JsonString(LintSeverityName(f.severity)) +
           ",\"message\":{\"text\":" + JsonString(text) +
           "},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":" +
           JsonString(ArtifactUri(f.path)) + "}";
    if (f.line) {
      out += ",\"region\":{\"startLine\":" + std::to_string(f.line);
      if (f.column) out += ",\"startColumn\":" + std::to_string(f.column);
      out += "}";
    }
    out += "}}]";
    if (!f.rule_id.empty()) out += ",\"properties\":{\"detection_rule_id\":" + JsonString(f.rule_id) + "}";
    out += "}";
  }
  out += "]}]}\n";
  return out;
}

}  // namespace picket::rules
