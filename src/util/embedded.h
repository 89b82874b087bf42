// Bundled data compiled into the binary (see cmake/embed.cmake).
// EmbeddedFile returns the bytes of a bundled file by its source-tree path
// ("data/field_types.tsv", "rules/macos/x.toml"), or an empty view when absent.
#pragma once
#include <string_view>
#include <vector>

namespace picket {
std::string_view EmbeddedFile(std::string_view name);
// Names of all bundled files whose path starts with `prefix`, in build order.
std::vector<std::string_view> EmbeddedFilesUnder(std::string_view prefix);
}  // namespace picket
