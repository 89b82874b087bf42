// Report rendering; see report_writers.h.
#include "scan/report_writers.h"

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <map>

namespace picket::scan {
namespace {

std::string Hex(uint64_t v) {
  char buf[32];
  snprintf(buf, sizeof buf, "0x%" PRIx64, v);
  return buf;
}

std::string FindingHeadline(const Finding& f) {
  std::string s = f.global.empty() ? f.title : f.global + " (" + f.uses + ")";
  return s;
}

std::string WhereText(const FileReport& r, const Finding& f) {
  std::string where = f.location.empty() ? "" : f.location + " ";
  where += "offset " + Hex(f.offset);
  if (!f.opcode.empty()) where += " " + f.opcode;
  return where;
}

std::string Utf8Valid(std::string_view s, size_t& i, bool& ok) {
  unsigned char c = s[i];
  int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  ok = len > 0 && i + len <= s.size();
  for (int k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 2;
  if (!ok) return {};
  std::string out(s.substr(i, len));
  i += len - 1;
  return out;
}

const char* SarifLevel(Severity s) {
  switch (s) {
    case Severity::kMalicious:
      return "error";
    case Severity::kSuspicious:
    case Severity::kInconclusive:
      return "warning";
    default:
      return "note";
  }
}

int EcsSeverity(Severity s) {
  switch (s) {
    case Severity::kMalicious:
      return 99;
    case Severity::kInconclusive:
      return 47;
    case Severity::kSuspicious:
      return 47;
    default:
      return 21;
  }
}

bool IsFileError(const Finding& f) { return f.rule_id == "SCN309" || f.rule_id == "SCN310"; }

std::string_view FindingSeverityName(const Finding& f) {
  return IsFileError(f) ? "error" : SeverityName(f.severity);
}

// A file-level error rendered as a finding (SCN309 / SCN310, see report.h).
Finding ErrorFinding(const FileReport& r) {
  Finding f;
  f.severity = Severity::kInconclusive;
  f.rule_id = r.error_rule.empty() ? "SCN309" : r.error_rule;
  f.title = f.rule_id == "SCN310" ? "not-a-model-file" : "unreadable-file";
  f.reason = r.error;
  return f;
}

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string NowIso8601() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm;
  gmtime_r(&t, &tm);
  char buf[64];
  snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

}  // namespace

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      default:
        break;
    }
    if (c < 0x20) {
      char buf[8];
      snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      continue;
    }
    bool ok;
    std::string ch = Utf8Valid(s, i, ok);
    if (ok) {
      out += ch;
    } else {
      char buf[8];
      snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    }
  }
  return out + "\"";
}

void WriteText(const std::vector<FileReport>& reports, const WriterOptions& options,
               std::ostream& out) {
  std::map<Verdict, int> counts;
  for (const FileReport& r : reports) {
    counts[r.verdict]++;
    out << r.path << ": " << VerdictName(r.verdict);
    if (!r.formats.empty()) {
      out << " [";
      for (size_t i = 0; i < r.formats.size(); ++i) out << (i ? ", " : "") << r.formats[i];
      out << "]";
    }
    if (!r.error.empty()) out << " (" << r.error << ")";
    out << "\n";
    for (const Finding& f : r.findings) {
      if (f.severity == Severity::kInfo && !options.verbose) continue;
      out << "  " << SeverityName(f.severity) << " " << f.rule_id << " " << FindingHeadline(f)
          << " at " << WhereText(r, f) << "\n      " << f.reason << "\n";
    }
  }
  out << "scanned " << reports.size() << " file(s):";
  for (Verdict v : {Verdict::kMalicious, Verdict::kSuspicious, Verdict::kInconclusive,
                    Verdict::kError, Verdict::kClean, Verdict::kSkipped}) {
    out << " " << counts[v] << " " << VerdictName(v) << (v == Verdict::kSkipped ? "" : ",");
  }
  out << "\n";
}

void WriteJson(const std::vector<FileReport>& reports, const WriterOptions& options,
               std::ostream& out) {
  out << "{\"tool\":\"picket scan\",\"version\":" << JsonString(options.tool_version)
      << ",\"exit_code\":" << options.exit_code << ",\"files\":[";
  for (size_t i = 0; i < reports.size(); ++i) {
    const FileReport& r = reports[i];
    out << (i ? "," : "") << "\n{\"path\":" << JsonString(r.path)
        << ",\"verdict\":" << JsonString(VerdictName(r.verdict)) << ",\"formats\":[";
    for (size_t k = 0; k < r.formats.size(); ++k) out << (k ? "," : "") << JsonString(r.formats[k]);
    out << "],\"size\":" << r.size << ",\"pickles\":" << r.pickles << ",\"opcodes\":" << r.opcodes;
    char secs[32];
    snprintf(secs, sizeof secs, "%.6f", r.seconds);
    out << ",\"seconds\":" << secs << ",\"peak_memory\":" << r.peak_memory;
    if (!r.error.empty()) {
      out << ",\"error\":" << JsonString(r.error) << ",\"error_rule\":" << JsonString(r.error_rule);
    }
    out << ",\"findings\":[";
    for (size_t k = 0; k < r.findings.size(); ++k) {
      const Finding& f = r.findings[k];
      out << (k ? "," : "") << "\n  {\"severity\":" << JsonString(SeverityName(f.severity))
          << ",\"rule_id\":" << JsonString(f.rule_id) << ",\"title\":" << JsonString(f.title)
          << ",\"global\":" << JsonString(f.global) << ",\"uses\":" << JsonString(f.uses)
          << ",\"opcode\":" << JsonString(f.opcode) << ",\"location\":" << JsonString(f.location)
          << ",\"offset\":" << f.offset << ",\"reason\":" << JsonString(f.reason) << "}";
    }
    out << "]}";
  }
  out << "\n]}\n";
}

void WriteSarif(const std::vector<FileReport>& reports, const WriterOptions& options,
                std::ostream& out) {
  // One rule per distinct rule id seen, in first-seen order.
  // Files that are errors (unreadable, or no model under a model file name)
  // are reported through the same rule/result shape as findings.
  std::vector<Finding> error_findings;
  error_findings.reserve(reports.size());
  for (const FileReport& r : reports) {
    if (r.verdict == Verdict::kError) error_findings.push_back(ErrorFinding(r));
  }
  std::vector<const Finding*> rules;
  std::map<std::string, size_t> rule_index;
  auto add_rule = [&](const Finding& f) {
    if (!rule_index.count(f.rule_id)) {
      rule_index[f.rule_id] = rules.size();
      rules.push_back(&f);
    }
  };
  for (const FileReport& r : reports) {
    for (const Finding& f : r.findings) add_rule(f);
  }
  for (const Finding& f : error_findings) add_rule(f);
  out << "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\","
         "\"runs\":[{\"tool\":{\"driver\":{\"name\":\"picket-scan\",\"version\":"
      << JsonString(options.tool_version)
      << ",\"informationUri\":\"https://github.com/picket/picket/blob/main/docs/scan.md\","
         "\"rules\":[";
  for (size_t i = 0; i < rules.size(); ++i) {
    const Finding& f = *rules[i];
    out << (i ? "," : "") << "\n{\"id\":" << JsonString(f.rule_id)
        << ",\"name\":" << JsonString(f.title)
        << ",\"shortDescription\":{\"text\":" << JsonString(f.title)
        << "},\"defaultConfiguration\":{\"level\":\""
        << (IsFileError(f) ? "error" : SarifLevel(f.severity)) << "\"}}";
  }
  out << "]}},\"results\":[";
  bool first = true;
  size_t next_error = 0;
  for (const FileReport& r : reports) {
    auto emit = [&](const std::string& rule, const char* level, const std::string& message,
                    const Finding* f) {
      out << (first ? "" : ",") << "\n{\"ruleId\":" << JsonString(rule) << ",\"level\":\"" << level
          << "\",\"message\":{\"text\":" << JsonString(message)
          << "},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":"
          << JsonString(r.path) << "}";
      // Byte offsets are only meaningful when the finding is in the file itself.
      if (f && f->location.empty()) out << ",\"region\":{\"byteOffset\":" << f->offset << "}";
      out << "}";
      if (f && !f->location.empty()) {
        out << ",\"logicalLocations\":[{\"fullyQualifiedName\":" << JsonString(f->location)
            << ",\"kind\":\"member\"}]";
      }
      out << "}]";
      if (f) {
        out << ",\"properties\":{\"verdict\":" << JsonString(VerdictName(r.verdict))
            << ",\"global\":" << JsonString(f->global) << ",\"uses\":" << JsonString(f->uses)
            << ",\"offset\":" << f->offset
            << ",\"severity\":" << JsonString(FindingSeverityName(*f)) << "}";
      }
      out << "}";
      first = false;
    };
    for (const Finding& f : r.findings) {
      if (f.severity == Severity::kInfo) continue;
      std::string msg =
          (f.global.empty() ? f.title : f.global + " (" + f.uses + ")") + ": " + f.reason;
      if (!f.location.empty()) msg += " [in " + f.location + " at offset " + Hex(f.offset) + "]";
      emit(f.rule_id, SarifLevel(f.severity), msg, &f);
    }
    if (r.verdict == Verdict::kError) {
      const Finding& f = error_findings[next_error++];
      emit(f.rule_id, "error", f.reason, &f);
    }
  }
  out << "\n]}]}\n";
}

void WriteEcs(const std::vector<FileReport>& reports, const WriterOptions& options,
              std::ostream& out) {
  std::string now = NowIso8601();
  for (const FileReport& r : reports) {
    std::vector<Finding> findings = r.findings;
    if (r.verdict == Verdict::kError) findings.push_back(ErrorFinding(r));
    for (const Finding& f : findings) {
      if (f.severity == Severity::kInfo) continue;
      std::string message = "picket scan: " + std::string(VerdictName(r.verdict)) + " model file " +
                            r.path + ": " + (f.global.empty() ? f.title : f.global) + " - " +
                            f.reason;
      out << "{\"@timestamp\":\"" << now << "\",\"message\":" << JsonString(message)
          << ",\"event\":{\"kind\":\"alert\",\"category\":[\"file\",\"malware\"],\"type\":["
             "\"info\"],"
             "\"module\":\"picket\",\"dataset\":\"picket.scan\",\"provider\":\"picket-scan\","
             "\"severity\":"
          << EcsSeverity(f.severity) << ",\"risk_score\":" << EcsSeverity(f.severity)
          << ",\"outcome\":\"success\"},\"file\":{\"path\":" << JsonString(r.path)
          << ",\"name\":" << JsonString(BaseName(r.path)) << ",\"size\":" << r.size
          << ",\"type\":\"file\"},\"rule\":{\"id\":" << JsonString(f.rule_id)
          << ",\"name\":" << JsonString(f.title) << ",\"description\":" << JsonString(f.reason)
          << ",\"category\":\"model-file\",\"ruleset\":\"picket-scan\",\"version\":"
          << JsonString(options.tool_version)
          << "},\"observer\":{\"vendor\":\"picket\","
             "\"product\":\"picket\",\"type\":\"scanner\"},\"picket\":{\"scan\":{\"verdict\":"
          << JsonString(VerdictName(r.verdict))
          << ",\"severity\":" << JsonString(FindingSeverityName(f))
          << ",\"global\":" << JsonString(f.global) << ",\"uses\":" << JsonString(f.uses)
          << ",\"opcode\":" << JsonString(f.opcode) << ",\"member\":" << JsonString(f.location)
          << ",\"offset\":" << f.offset << ",\"formats\":[";
      for (size_t k = 0; k < r.formats.size(); ++k)
        out << (k ? "," : "") << JsonString(r.formats[k]);
      out << "]}}}\n";
    }
  }
}

}  // namespace picket::scan
