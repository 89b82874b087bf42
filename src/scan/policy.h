// Judges what a simulated pickle would do against the allowlist.
//
// Contract: Judge() turns one PickleResult into findings. Allowlist first:
// a global is clean only when it is allowlisted and used only in allowed ways.
// Anything else is at least suspicious; danger-table matches, callables whose
// name is computed at load time, calls of load-time values, BUILD on an
// imported object and dotted attribute paths out of a module are malicious.
// Parse errors after code was reached, and limits, give inconclusive findings.
#pragma once
#include <string>
#include <vector>

#include "scan/allowlist.h"
#include "scan/pickle_vm.h"
#include "scan/report.h"

namespace picket::scan {

struct PolicyContext {
  std::string location;  // path of the stream inside the file
  // True when a loader would certainly unpickle this stream (torch's data.pkl,
  // a raw pickle file); a parse error there is inconclusive even before any
  // code is reached. False for streams found by sniffing (a tensor payload
  // that merely starts with 0x80 is data, not a broken pickle).
  bool designated = true;
};

class Policy {
 public:
  explicit Policy(Allowlist allowlist) : allowlist_(std::move(allowlist)) {}
  void Judge(const PickleResult& result, const PolicyContext& context,
             std::vector<Finding>& findings) const;
  const Allowlist& allowlist() const { return allowlist_; }

 private:
  Finding JudgeGlobal(const GlobalRecord& g, const PolicyContext& context, bool* clean) const;
  Allowlist allowlist_;
};

}  // namespace picket::scan
