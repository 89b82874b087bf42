// Resource limits for scanning untrusted files. Hitting any of them makes the
// verdict `inconclusive` (never `clean`): the scanner fails closed.
#pragma once
#include <cstdint>

namespace picket::scan {

struct ScanLimits {
  uint64_t max_opcodes = 50'000'000;             // per pickle stream
  uint64_t max_memo_entries = 5'000'000;         // per pickle stream
  uint64_t max_stack_depth = 5'000'000;          // objects on the VM stack
  uint64_t max_marks = 100'000;                  // nested MARKs
  uint32_t max_nesting = 6;                      // containers / nested pickles within a file
  uint64_t max_decompressed_bytes = 4ull << 30;  // total per top-level file
  uint64_t max_member_bytes = 2ull << 30;        // one decompressed member
  uint32_t max_members = 100'000;                // archive members per archive
  uint32_t max_pickles_per_stream = 10'000;      // stacked pickles
  double max_seconds_per_file = 120.0;           // wall-clock budget per top-level file
  // Memory the scanner may hold for one file: decompressed data, archive
  // members, non-regular input read into memory, the pickle machine's
  // values, stack and memo. (Regular files are mapped, not counted.)
  uint64_t max_memory_bytes = 1ull << 30;
};

}  // namespace picket::scan
