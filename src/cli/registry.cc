#include "cli/registry.h"

namespace picket::cli {
std::vector<RegisterFn>& Registrations() {
  static std::vector<RegisterFn> fns;
  return fns;
}
}  // namespace picket::cli
