#include "serve/arrival_time.h"

#include <cstring>

namespace picket::serve {

std::string IngestedStamp(TimeMs ms) {
  TimeMs floor = ms - ((ms % 1000) + 1000) % 1000;
  std::string text = FormatIso8601(floor);  // "...T14:05:13.000Z"
  text.erase(text.size() - 5, 4);           // "...T14:05:13Z"
  return text;
}

bool MayLackIngested(std::string_view raw) {
  // memchr for the rare 'g' of "ingested", then a compare: several times
  // faster than memmem over a kilobyte of JSON that mostly lacks the word.
  const char* p = raw.data();
  const char* end = raw.data() + raw.size();
  while (p + 6 <= end && (p = static_cast<const char*>(std::memchr(p, 'g', end - p - 5)))) {
    if (p >= raw.data() + 2 && std::memcmp(p - 2, "ingested", 8) == 0) return false;
    ++p;
  }
  return true;
}

bool EventFieldCannotHoldIngested(event::Json doc) {
  simdjson::dom::object top;
  if (doc.get_object().get(top) != simdjson::SUCCESS) return true;
  for (auto field : top)
    if (field.key == "event" && !field.value.is_object() && !field.value.is_null()) return true;
  return false;
}

bool NeedsIngested(event::Json doc) {
  return !event::HasValue(doc, "event.ingested") && !EventFieldCannotHoldIngested(doc);
}

bool AddIngested(std::string_view raw, std::string_view stamp, std::string* out) {
  size_t open = raw.find_first_not_of(" \t\r\n");
  size_t close = raw.find_last_not_of(" \t\r\n");
  if (open == std::string_view::npos || raw[open] != '{' || raw[close] != '}' || close == open)
    return false;
  bool empty = raw.find_first_not_of(" \t\r\n", open + 1) == close;
  out->clear();
  out->reserve(close + stamp.size() + 24);
  out->append(raw.substr(0, close));
  if (!empty) out->push_back(',');
  out->append("\"event.ingested\":\"");
  out->append(stamp);
  out->append("\"}");
  return true;
}

}  // namespace picket::serve
