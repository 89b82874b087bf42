// The model-file scanner: identifies formats by content, opens every
// container a loader would open, simulates every pickle stream, and judges
// the result with the Policy.
//
// Contract: ScanFile() never executes or imports anything from the file and
// never throws. Every byte string is dispatched by SniffFormat(); containers
// recurse up to limits.max_nesting; all decompression counts against
// limits.max_decompressed_bytes; exceeding a limit or the time budget adds an
// inconclusive finding. A file with no recognised model format gets verdict
// skipped, never clean -- or error when its name claims a model format
// (HasModelExtension). ExpandPaths() expands directories recursively (regular
// files only; symlinks are not followed).
#pragma once
#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "scan/budget.h"
#include "scan/limits.h"
#include "scan/policy.h"
#include "scan/report.h"
#include "scan/zip_reader.h"

namespace picket::scan {

class Scanner {
 public:
  Scanner(Policy policy, ScanLimits limits) : policy_(std::move(policy)), limits_(limits) {}

  FileReport ScanFile(const std::string& path) const;
  FileReport ScanBytes(std::string_view bytes, const std::string& name) const;

  // Lists the files under each path (a file stands for itself), sorted per
  // directory. Unreadable paths are returned too so that they are reported.
  static std::vector<std::string> ExpandPaths(const std::vector<std::string>& paths);

 private:
  struct Context;
  void ScanBlob(Context& ctx, std::string_view bytes, const std::string& location, uint32_t depth,
                bool designated) const;
  void ScanPickles(Context& ctx, std::string_view bytes, const std::string& location,
                   uint32_t depth, bool designated, bool strong) const;
  void ScanZip(Context& ctx, std::string_view bytes, const std::string& location,
               uint32_t depth) const;
  void ScanZipReading(Context& ctx, std::string_view bytes, const ZipDirectory& dir,
                      const std::string& location, uint32_t depth,
                      std::set<std::pair<std::string, uint64_t>>& scanned) const;
  void ScanNpy(Context& ctx, std::string_view bytes, const std::string& location, uint32_t depth,
               bool designated) const;
  void ScanArchive(Context& ctx, std::string_view bytes, const std::string& location,
                   uint32_t depth, bool seven_zip) const;
  void ScanCompressed(Context& ctx, std::string_view bytes, const std::string& location,
                      uint32_t depth, int format) const;
  bool CheckBudget(Context& ctx, const std::string& location) const;
  ResourceBudget::Clock::time_point Deadline(ResourceBudget::Clock::time_point start) const;
  FileReport Scan(std::string_view bytes, const std::string& name, ResourceBudget& budget,
                  ResourceBudget::Clock::time_point start, const std::string& incomplete) const;

  Policy policy_;
  ScanLimits limits_;
};

}  // namespace picket::scan
