// The depth of a parsed TOML tree (root = 0, its keys = 1), shared by the
// nesting-bound unit test and the rule loader fuzz target. Stops descending
// past `limit`, so that a tree the bound should have refused cannot
// overflow the stack here.
#pragma once
#include <toml++/toml.h>

#include <algorithm>
#include <cstddef>

namespace picket::testing {

inline size_t TomlTreeDepth(const toml::node& node, size_t depth = 0, size_t limit = 1024) {
  if (depth >= limit) return depth;
  size_t deepest = depth;
  if (const toml::table* t = node.as_table())
    for (const auto& [key, child] : *t)
      deepest = std::max(deepest, TomlTreeDepth(child, depth + 1, limit));
  if (const toml::array* a = node.as_array())
    for (const auto& child : *a)
      deepest = std::max(deepest, TomlTreeDepth(child, depth + 1, limit));
  return deepest;
}

}  // namespace picket::testing
