// StringSet: a set of std::string that is searched with a std::string_view
// without building a std::string first (transparent hash and equality), so
// that interning a name already present allocates nothing.
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>

namespace picket {

struct TransparentStringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

using StringSet = std::unordered_set<std::string, TransparentStringHash, std::equal_to<>>;

// The set's copy of `s`, added if absent; the view stays valid while the set
// lives (nodes never move).
inline std::string_view Intern(StringSet* set, std::string_view s) {
  if (auto it = set->find(s); it != set->end()) return *it;
  return *set->emplace(s).first;
}

}  // namespace picket
