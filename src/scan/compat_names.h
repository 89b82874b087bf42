// CPython's Python 2 compatibility renaming of pickled globals (fix_imports).
// Contract: given the (module, name) pair read from a GLOBAL, INST or
// STACK_GLOBAL of a stream whose current protocol is below 3, returns the pair
// CPython would actually import. Pairs with no mapping come back unchanged.
#pragma once
#include <string>
#include <string_view>

namespace picket::scan {

struct QualifiedName {
  std::string module;
  std::string name;
};

QualifiedName MapPython2Name(std::string_view module, std::string_view name);

}  // namespace picket::scan
