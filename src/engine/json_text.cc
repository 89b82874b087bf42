#include "engine/json_text.h"

#include "util/json.h"

namespace picket::engine {

void AppendJsonString(std::string* out, std::string_view text) {
  picket::AppendJsonString(out, text);
}

void AppendJsonStringArray(std::string* out, const std::vector<std::string>& values) {
  out->push_back('[');
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out->push_back(',');
    AppendJsonString(out, values[i]);
  }
  out->push_back(']');
}

void AppendJsonKey(std::string* out, std::string_view key) {
  AppendJsonString(out, key);
  out->push_back(':');
}

}  // namespace picket::engine
