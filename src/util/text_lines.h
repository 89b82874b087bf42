// Line-oriented reading of the bundled data tables (TSV) and user files.
//
// ForEachDataLine calls fn(line_number, line) for every line that is neither
// empty nor a '#' comment (comments go to on_comment when given), with a
// trailing CR removed. fn returns false to stop. Split cuts a line at every
// `sep` (empty fields kept).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace picket {

void ForEachDataLine(std::string_view text,
                     const std::function<bool(size_t line_number, std::string_view line)>& fn,
                     const std::function<void(std::string_view comment)>& on_comment = nullptr);

std::vector<std::string_view> Split(std::string_view text, char sep);

// The 1-based line and byte column of `offset` in `text` (for error messages).
struct TextPosition {
  uint32_t line = 1;
  uint32_t column = 1;
};
TextPosition PositionAt(std::string_view text, size_t offset);

}  // namespace picket
