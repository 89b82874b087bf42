// A simulator of CPython's pickle machine that never imports or calls anything.
//
// Contract: SimulatePickle() interprets one pickle (from `start` up to and
// including its STOP) the way CPython's C unpickler would: stack, mark stack,
// memo (PUT/BINPUT/LONG_BINPUT/MEMOIZE numbered exactly as CPython numbers
// them), every opcode of protocols 0-5, Python 2 name mapping for protocols
// below 3 and dotted lookup. Instead of importing, it records every global the
// stream would resolve, how each one is used (referenced, called, constructed,
// built, mutated) and at which byte offset. Byte strings passed to a pickle or
// torch loader are returned as nested payloads for the caller to scan. On
// malformed input or when a limit is hit it stops and returns everything found
// so far with `error` / `limit_hit` set; it never throws and never crashes.
//
// Offsets are relative to the beginning of `data`, so a pickle embedded in a
// larger buffer reports positions in that buffer.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scan/budget.h"
#include "scan/limits.h"

namespace picket::scan {

// How a resolved global is used by the stream. A bit set.
enum GlobalUse : uint32_t {
  kUseReferenced = 1u << 0,  // resolved (an import + getattr), value only passed around
  kUseCalled = 1u << 1,      // called: REDUCE, INST, OBJ
  kUseNewObj = 1u << 2,      // cls.__new__(cls, ...): NEWOBJ, NEWOBJ_EX, copyreg helpers
  kUseBuilt = 1u << 3,       // an instance of it receives BUILD (__setstate__ / setattr)
  kUseMutated = 1u << 4,     // BUILD applied to the imported object itself (sets attributes)
  kUseItemsAdded = 1u << 5,  // APPEND(S)/SETITEM(S)/ADDITEMS on an instance (calls methods)
};

std::string DescribeUses(uint32_t uses);

struct GlobalRecord {
  std::string module;      // as CPython imports it (after Python 2 mapping)
  std::string name;        // qualified name, may be dotted
  std::string raw_module;  // as written in the stream
  std::string raw_name;
  std::string opcode;        // GLOBAL, INST, STACK_GLOBAL, EXT1/2/4
  uint64_t offset = 0;       // offset of the opcode that resolved it
  uint64_t call_offset = 0;  // offset of the first call/construction, 0 if none
  uint32_t uses = kUseReferenced;
  bool compat_mapped = false;   // Python 2 mapping changed the name
  bool name_computed = false;   // STACK_GLOBAL operand produced by a call at load time
  bool name_irregular = false;  // stripped '\r' or other whitespace, or not an identifier
  uint8_t protocol = 0;         // protocol in effect when resolved
};

// A call whose callable is not a resolved global (a call result, a persistent
// object, an extension-registry object): the callable is chosen at load time.
struct DynamicCall {
  uint64_t offset = 0;
  std::string opcode;
  std::string what;  // description of the callable
};

struct NestedPayload {
  uint64_t offset = 0;  // offset of the call that would load it
  std::string loader;   // "pickle.loads", "torch.storage._load_from_bytes", ...
  std::string data;
};

struct Anomaly {
  uint64_t offset = 0;
  std::string message;
};

struct PickleResult {
  uint64_t start = 0;
  uint64_t end = 0;        // one past STOP, or where interpretation stopped
  bool stopped = false;    // reached STOP
  std::string error;       // why interpretation stopped early (malformed input)
  bool limit_hit = false;  // a resource limit stopped it (error says which)
  uint64_t opcode_count = 0;
  int protocol = 0;            // last PROTO seen (0 if none)
  bool result_is_int = false;  // the value returned by STOP is an int...
  bool result_is_big_int = false;
  std::string result_int_text;  // ...with this decimal or hex text (for magic numbers)
  bool used_joblib_arrays = false;
  bool frame_after_stop = false;  // STOP inside a FRAME that has more bytes
  bool expansion_bomb = false;    // shared references expand past a billion nodes
  std::vector<GlobalRecord> globals;
  std::vector<DynamicCall> dynamic_calls;
  std::vector<NestedPayload> nested;
  std::vector<Anomaly> anomalies;

  // True when the stream resolved or called anything: the point at which a
  // failing load would already have executed code.
  bool ReachedCode() const { return !globals.empty() || !dynamic_calls.empty(); }
};

struct VmOptions {
  // Emulate joblib's NumpyUnpickler: array bytes that follow the BUILD of a
  // NumpyArrayWrapper are skipped (or, for object arrays, scanned as a pickle).
  bool joblib_arrays = true;
  uint32_t nesting = 0;  // how deep inside other pickles this one is
  // Memory and time of the whole file: values, stack and memo are charged to
  // it; exhausting either stops the simulation as a limit (inconclusive).
  ResourceBudget* budget = nullptr;
};

PickleResult SimulatePickle(std::string_view data, uint64_t start, const ScanLimits& limits,
                            const VmOptions& options = {});

// Loaders whose bytes argument is itself unpickled (so it must be scanned).
bool IsNestedPickleLoader(std::string_view module, std::string_view name);

}  // namespace picket::scan
