// libFuzzer target: the pickle machine simulator and the policy on arbitrary
// bytes. Any crash, sanitizer report, leak or hang is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scan/pickle_vm.h"
#include "scan/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const picket::scan::Policy policy(picket::scan::Allowlist::BuiltIn());
  picket::scan::ScanLimits limits;
  limits.max_opcodes = 200'000;
  limits.max_memo_entries = 100'000;
  limits.max_stack_depth = 100'000;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  uint64_t pos = 0;
  // Stacked pickles, the way the scanner walks a stream.
  for (int i = 0; i < 8 && pos < bytes.size(); ++i) {
    picket::scan::PickleResult r = picket::scan::SimulatePickle(bytes, pos, limits);
    std::vector<picket::scan::Finding> findings;
    policy.Judge(r, {"fuzz", i == 0}, findings);
    if (!r.stopped || r.end <= pos) break;
    pos = r.end;
  }
  return 0;
}
