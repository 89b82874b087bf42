// Line-oriented reading of the bundled data tables (TSV) and user files.
//
// ForEachDataLine calls fn(line_number, line) for every line that is neither
// empty nor a '#' comment (comments go to on_comment when given), with a
// trailing CR removed. fn returns false to stop. Split cuts a line at every
// `sep` (empty fields kept).
#pragma once
#include <cstddef>
#include <functional>
#include <string_view>
#include <vector>

namespace picket {

void ForEachDataLine(std::string_view text,
                     const std::function<bool(size_t line_number, std::string_view line)>& fn,
                     const std::function<void(std::string_view comment)>& on_comment = nullptr);

std::vector<std::string_view> Split(std::string_view text, char sep);

}  // namespace picket
