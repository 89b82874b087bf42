// Verdict ordering and names; see report.h.
#include "scan/report.h"

namespace picket::scan {

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return "info";
    case Severity::kSuspicious:
      return "suspicious";
    case Severity::kInconclusive:
      return "inconclusive";
    case Severity::kMalicious:
      return "malicious";
  }
  return "info";
}

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kClean:
      return "clean";
    case Verdict::kSuspicious:
      return "suspicious";
    case Verdict::kInconclusive:
      return "inconclusive";
    case Verdict::kMalicious:
      return "malicious";
    case Verdict::kSkipped:
      return "skipped";
    case Verdict::kError:
      return "error";
  }
  return "error";
}

void FileReport::ComputeVerdict() {
  if (!error.empty()) {
    verdict = Verdict::kError;
    return;
  }
  Severity worst = Severity::kInfo;
  for (const Finding& f : findings) {
    if (f.severity > worst) worst = f.severity;
  }
  switch (worst) {
    case Severity::kMalicious:
      verdict = Verdict::kMalicious;
      return;
    case Severity::kInconclusive:
      verdict = Verdict::kInconclusive;
      return;
    case Severity::kSuspicious:
      verdict = Verdict::kSuspicious;
      return;
    case Severity::kInfo:
      verdict = recognised ? Verdict::kClean : Verdict::kSkipped;
      return;
  }
}

}  // namespace picket::scan

namespace picket::scan {

int ScanExitCode(const std::vector<FileReport>& reports, FailOn fail_on) {
  bool failed = false, inconclusive = false;
  for (const FileReport& r : reports) {
    if (r.verdict == Verdict::kMalicious ||
        (r.verdict == Verdict::kSuspicious && fail_on == FailOn::kSuspicious)) {
      failed = true;
    }
    if (r.verdict == Verdict::kInconclusive || r.verdict == Verdict::kError) inconclusive = true;
  }
  return failed ? 1 : inconclusive ? 2 : 0;
}

}  // namespace picket::scan
