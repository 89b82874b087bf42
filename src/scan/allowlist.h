// The allowlist: globals that legitimate PyTorch, NumPy, scikit-learn/joblib
// and plain-Python pickles use, each with the uses it is allowed.
//
// Contract: an Allowlist starts with the built-in entries (allowlist_data.cc)
// and can be extended from files in the same text format:
//
//   # comment
//   <module> <name> <uses>
//
// <module> is an exact module or `pkg.*` for a package and its submodules;
// <name> is an exact (possibly dotted) qualified name or `*` for any undotted
// name; <uses> is a comma list of call,new,build,items (or `ref` for "only
// referenced"). Lookup returns the allowed uses as a GlobalUse bit set.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace picket::scan {

class Allowlist {
 public:
  // The built-in list only.
  static Allowlist BuiltIn();

  // Adds entries from text in the file format; on error returns false and sets
  // *error to "line N: why".
  bool AddText(std::string_view text, std::string_view source, std::string* error);
  bool AddFile(const std::string& path, std::string* error);

  // Allowed uses (always including kUseReferenced), or nullopt if not listed.
  std::optional<uint32_t> Lookup(std::string_view module, std::string_view name) const;

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string module;  // without the trailing ".*" when `package` is set
    bool package = false;
    std::string name;  // "*" = any undotted name
    uint32_t uses = 0;
  };
  std::vector<Entry> entries_;
};

// Parses "call,new,build,items,ref" into a GlobalUse bit set.
std::optional<uint32_t> ParseUses(std::string_view text);

}  // namespace picket::scan
