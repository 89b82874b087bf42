// Small helpers for writing JSON text by hand (alerts, reports), where
// building a DOM first would cost more than it gives.
#pragma once
#include <string>
#include <string_view>

namespace picket {

// Appends `s` as a JSON string literal (with quotes). Control characters and
// invalid UTF-8 bytes are escaped (\u00XX / \ufffd) so the output is always
// valid JSON.
void AppendJsonString(std::string* out, std::string_view s);
std::string JsonString(std::string_view s);

}  // namespace picket
