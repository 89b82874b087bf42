// Renders scan reports: human-readable text, JSON, SARIF 2.1.0 (for CI code
// scanning) and ECS alert events as NDJSON (to join the detection-rule alert
// stream). Contract: each writer is a pure function of the reports; output is
// deterministic apart from the ECS @timestamp.
#pragma once
#include <ostream>
#include <string>
#include <vector>

#include "scan/report.h"

namespace picket::scan {

struct WriterOptions {
  bool verbose = false;  // text: include info-level notes
  int exit_code = 0;     // JSON: echoed for scripts
  std::string tool_version = "0.1.0";
};

void WriteText(const std::vector<FileReport>& reports, const WriterOptions& options,
               std::ostream& out);
void WriteJson(const std::vector<FileReport>& reports, const WriterOptions& options,
               std::ostream& out);
void WriteSarif(const std::vector<FileReport>& reports, const WriterOptions& options,
                std::ostream& out);
void WriteEcs(const std::vector<FileReport>& reports, const WriterOptions& options,
              std::ostream& out);

// JSON string literal (with quotes) for arbitrary bytes; invalid UTF-8 bytes
// become \u00XX so the output is always valid JSON.
std::string JsonString(std::string_view s);

}  // namespace picket::scan
