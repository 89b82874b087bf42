// Converts toml++ nodes to compact JSON text (rule parameters and threat
// mappings in alerts, rule dumps). Dates and times become ISO strings.
#pragma once
#include <toml++/toml.h>

#include <string>

namespace picket::rules {
void AppendTomlAsJson(const toml::node& node, std::string* out);
std::string TomlToJson(const toml::node& node);
}  // namespace picket::rules
