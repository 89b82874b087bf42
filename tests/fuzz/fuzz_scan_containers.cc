// libFuzzer target: the whole scanner on arbitrary bytes: format sniffing,
// the relaxed ZIP reader, .npy headers, libarchive (tar, 7z), decompressors,
// nested containers and pickles, and the report writers.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "scan/report_writers.h"
#include "scan/scanner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const picket::scan::Scanner scanner = [] {
    picket::scan::ScanLimits limits;
    limits.max_opcodes = 200'000;
    limits.max_memo_entries = 100'000;
    limits.max_stack_depth = 100'000;
    limits.max_decompressed_bytes = 64ull << 20;
    limits.max_member_bytes = 16ull << 20;
    limits.max_members = 1000;
    limits.max_seconds_per_file = 5;
    return picket::scan::Scanner(picket::scan::Policy(picket::scan::Allowlist::BuiltIn()), limits);
  }();
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  picket::scan::FileReport report = scanner.ScanBytes(bytes, "fuzz-input");
  std::ostringstream out;
  picket::scan::WriteJson({report}, {}, out);
  picket::scan::WriteSarif({report}, {}, out);
  return 0;
}
