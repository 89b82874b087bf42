// Allowlist parsing and lookup; see allowlist.h.
#include "scan/allowlist.h"

#include <fstream>
#include <sstream>

#include "scan/allowlist_data.h"
#include "scan/pickle_vm.h"

namespace picket::scan {

std::optional<uint32_t> ParseUses(std::string_view text) {
  uint32_t uses = kUseReferenced;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string_view word =
        text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    if (word == "call")
      uses |= kUseCalled;
    else if (word == "new")
      uses |= kUseNewObj;
    else if (word == "build")
      uses |= kUseBuilt;
    else if (word == "items")
      uses |= kUseItemsAdded;
    else if (word != "ref")
      return std::nullopt;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return uses;
}

Allowlist Allowlist::BuiltIn() {
  Allowlist list;
  std::string error;
  // The built-in text is covered by tests; a parse error here is a bug.
  if (!list.AddText(kBuiltinAllowlist, "built-in", &error)) abort();
  return list;
}

bool Allowlist::AddText(std::string_view text, std::string_view source, std::string* error) {
  std::istringstream in{std::string(text)};
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream fields(line);
    std::string module, name, uses, extra;
    if (!(fields >> module)) continue;
    if (!(fields >> name >> uses) || (fields >> extra)) {
      *error = std::string(source) + " line " + std::to_string(number) +
               ": expected '<module> <name> <uses>'";
      return false;
    }
    std::optional<uint32_t> parsed = ParseUses(uses);
    if (!parsed) {
      *error = std::string(source) + " line " + std::to_string(number) + ": unknown use in '" +
               uses + "' (want call,new,build,items or ref)";
      return false;
    }
    Entry e;
    e.package = module.size() > 2 && module.ends_with(".*");
    e.module = e.package ? module.substr(0, module.size() - 2) : module;
    e.name = name;
    e.uses = *parsed;
    entries_.push_back(std::move(e));
  }
  return true;
}

bool Allowlist::AddFile(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read allowlist file " + path;
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return AddText(ss.str(), path, error);
}

std::optional<uint32_t> Allowlist::Lookup(std::string_view module, std::string_view name) const {
  std::optional<uint32_t> found;
  for (const Entry& e : entries_) {
    bool module_ok = e.package ? (module == e.module ||
                                  (module.size() > e.module.size() &&
                                   module.starts_with(e.module) && module[e.module.size()] == '.'))
                               : module == e.module;
    if (!module_ok) continue;
    bool name_ok = e.name == "*" ? name.find('.') == std::string_view::npos : name == e.name;
    if (!name_ok) continue;
    found = found.value_or(0) | e.uses;
  }
  return found;
}

}  // namespace picket::scan
