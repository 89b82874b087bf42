// Minimal JSON text output for alerts: string quoting and arrays of strings.
// Alerts are assembled as text (the source event is copied byte for byte),
// so a DOM builder is not needed.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace picket::engine {

// Appends `text` as a JSON string literal (quotes included); see
// util/json.h (control characters and invalid UTF-8 are escaped).
void AppendJsonString(std::string* out, std::string_view text);

// Appends ["a","b"].
void AppendJsonStringArray(std::string* out, const std::vector<std::string>& values);

// Appends `"key":` .
void AppendJsonKey(std::string* out, std::string_view key);

}  // namespace picket::engine
