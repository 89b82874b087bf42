// The scan result model shared by the scanner, the policy and the writers.
// Contract: plain data; a FileReport's verdict is derived from its findings
// by ComputeVerdict() (malicious > inconclusive > suspicious > clean).
// `skipped` means no model format was recognised in a file whose name does not
// claim one; `error` means the file could not be read, or its name claims a
// model format (model.ckpt, weights.pt, ...) but its content is none: a failed
// or tampered download that the loader would choke on. Neither is ever clean.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace picket::scan {

enum class Severity { kInfo, kSuspicious, kInconclusive, kMalicious };
enum class Verdict { kClean, kSuspicious, kInconclusive, kMalicious, kSkipped, kError };

std::string_view SeverityName(Severity s);
std::string_view VerdictName(Verdict v);

struct Finding {
  Severity severity = Severity::kInfo;
  std::string rule_id;   // stable identifier, e.g. PKL100 (see docs/scan.md)
  std::string title;     // short rule name
  std::string global;    // "module.name" when the finding is about a global
  std::string uses;      // how the global is used: called, constructed, ...
  std::string opcode;    // opcode that resolved or used it
  std::string location;  // path inside the file: "archive/data.pkl", "model.7z!a/data.pkl"
  uint64_t offset = 0;   // byte offset of the opcode inside `location`
  std::string reason;    // why this is a finding
};

struct FileReport {
  std::string path;
  std::vector<std::string> formats;  // formats recognised, outermost first
  Verdict verdict = Verdict::kSkipped;
  std::string error;       // set when verdict is kError
  std::string error_rule;  // SCN309 unreadable file, SCN310 model file that is no model
  std::vector<Finding> findings;
  uint64_t size = 0;
  uint64_t pickles = 0;  // pickle streams simulated
  uint64_t opcodes = 0;
  double seconds = 0;
  uint64_t peak_memory = 0;  // most memory the scanner charged to its budget for this file
  bool recognised = false;   // some model format was recognised

  void ComputeVerdict();
};

}  // namespace picket::scan

namespace picket::scan {

// Documented exit codes of `picket scan`: 1 when any file's verdict reaches
// `fail_on` (suspicious or malicious), else 2 when any file is inconclusive or
// an error, else 0 (clean and skipped files).
enum class FailOn { kSuspicious, kMalicious };
int ScanExitCode(const std::vector<FileReport>& reports, FailOn fail_on);

}  // namespace picket::scan
