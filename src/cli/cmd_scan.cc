// `picket scan PATH...`: static detection of code execution in model files
// (pickle, PyTorch, NumPy, joblib, and archives of them). See docs/scan.md.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>

#include "cli/registry.h"
#include "scan/allowlist.h"
#include "scan/report_writers.h"
#include "scan/scanner.h"

namespace picket::cli {
namespace {

struct ScanOptions {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string fail_on = "suspicious";
  std::vector<std::string> allowlists;
  std::string output;
  bool verbose = false;
  bool no_progress = false;
  scan::ScanLimits limits;
};

int RunScan(const ScanOptions& o) {
  scan::Allowlist allowlist = scan::Allowlist::BuiltIn();
  for (const std::string& file : o.allowlists) {
    std::string error;
    if (!allowlist.AddFile(file, &error)) {
      std::cerr << "picket scan: " << error << "\n";
      return 2;
    }
  }
  scan::Scanner scanner(scan::Policy(std::move(allowlist)), o.limits);
  std::vector<std::string> files = scan::Scanner::ExpandPaths(o.paths);
  bool progress = !o.no_progress && isatty(STDERR_FILENO) && files.size() > 1;
  std::vector<scan::FileReport> reports;
  reports.reserve(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    if (progress) {
      std::cerr << "\r\033[K[" << i + 1 << "/" << files.size() << "] " << files[i] << std::flush;
    }
    reports.push_back(scanner.ScanFile(files[i]));
  }
  if (progress) std::cerr << "\r\033[K" << std::flush;

  scan::FailOn fail_on =
      o.fail_on == "malicious" ? scan::FailOn::kMalicious : scan::FailOn::kSuspicious;
  int code = scan::ScanExitCode(reports, fail_on);
  scan::WriterOptions wo;
  wo.verbose = o.verbose;
  wo.exit_code = code;
  std::ofstream file_out;
  std::ostream* out = &std::cout;
  if (!o.output.empty()) {
    file_out.open(o.output, std::ios::binary | std::ios::trunc);
    if (!file_out) {
      std::cerr << "picket scan: cannot write " << o.output << "\n";
      return 2;
    }
    out = &file_out;
  }
  if (o.format == "json") {
    scan::WriteJson(reports, wo, *out);
  } else if (o.format == "sarif") {
    scan::WriteSarif(reports, wo, *out);
  } else if (o.format == "ecs") {
    scan::WriteEcs(reports, wo, *out);
  } else {
    scan::WriteText(reports, wo, *out);
  }
  out->flush();
  return code;
}

}  // namespace

void RegisterScan(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<ScanOptions>();
  CLI::App* cmd = app.add_subcommand(
      "scan",
      "Statically scan model files (pickle, PyTorch zip/legacy/tar, NumPy .npy/.npz, joblib, "
      "7z/zip/tar and compressed wrappers) for code execution, without loading them.");
  cmd->footer(
      "Formats are identified by content, never by file extension. Directories are scanned "
      "recursively.\n"
      "Verdicts: clean, suspicious (not on the allowlist), malicious, inconclusive (malformed "
      "or over a limit), skipped (not a model file), error (unreadable, or a model file name "
      "over content that is no model: a failed or tampered download).\n"
      "Exit codes: 0 all clean or skipped; 1 a file is malicious, or suspicious with "
      "--fail-on suspicious (the default); 2 an error or inconclusive result (and no file "
      "failed), or a usage error.\n"
      "\n"
      "Examples:\n"
      "  picket scan models/\n"
      "  picket scan --format sarif models/ > scan.sarif\n"
      "  picket scan -f json --fail-on malicious -o scan.json models/\n");
  cmd->add_option("paths", options->paths, "Files or directories to scan")->required();
  cmd->add_option("-f,--format", options->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "sarif", "ecs"}))
      ->capture_default_str();
  cmd->add_option("--fail-on", options->fail_on, "Lowest verdict that makes the exit code 1")
      ->check(CLI::IsMember({"suspicious", "malicious"}))
      ->capture_default_str();
  cmd->add_option("--allowlist", options->allowlists,
                  "Extra allowlist file: lines of '<module> <name> <uses>' (see docs/scan.md); "
                  "repeat for several")
      ->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", options->output, "Write the report to this file");
  cmd->add_flag("-v,--verbose", options->verbose, "Text output: also show informational notes");
  cmd->add_flag("--no-progress", options->no_progress, "Never show progress on stderr");
  cmd->add_option("--max-opcodes", options->limits.max_opcodes, "Opcode limit per pickle")
      ->capture_default_str();
  cmd->add_option("--max-memo", options->limits.max_memo_entries, "Memo entry limit per pickle")
      ->capture_default_str();
  cmd->add_option("--max-nesting", options->limits.max_nesting,
                  "Nesting limit for containers and nested pickles")
      ->capture_default_str();
  cmd->add_option("--max-decompressed", options->limits.max_decompressed_bytes,
                  "Total bytes decompressed per file")
      ->capture_default_str();
  cmd->add_option("--timeout", options->limits.max_seconds_per_file,
                  "Time budget per file in seconds")
      ->capture_default_str();
  cmd->add_option("--max-memory", options->limits.max_memory_bytes,
                  "Memory the scanner may hold per file (bytes; suffixes K, M, G); beyond it the "
                  "file is inconclusive")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  cmd->callback([options, exit_code] { *exit_code = RunScan(*options); });
}

}  // namespace picket::cli

PICKET_REGISTER_COMMAND(picket::cli::RegisterScan);
