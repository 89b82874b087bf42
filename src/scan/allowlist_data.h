// Built-in allowlist and danger table texts (see allowlist.h and
// danger_rules.h for their formats).
#pragma once
#include <string_view>

namespace picket::scan {
extern const std::string_view kBuiltinAllowlist;
extern const std::string_view kBuiltinDangerRules;
}  // namespace picket::scan
