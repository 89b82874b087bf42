// Walks the members of a JSON object text without parsing the values, giving
// each member's key and the exact bytes of its value, so that an alert can
// copy the source event verbatim (numbers keep their spelling, nothing is
// re-serialised). The text should already be valid JSON (the event stream
// validated it); malformed text makes Next() fail, never read out of bounds.
#pragma once
#include <string>
#include <string_view>

namespace picket::engine {

class RawObjectReader {
 public:
  explicit RawObjectReader(std::string_view object_text);

  // Sets *key (unescaped) and *value (raw JSON) for the next member. Returns
  // false at the end or on malformed text (then ok() is false).
  bool Next(std::string* key, std::string_view* value);
  bool ok() const { return ok_; }

 private:
  void SkipSpace();
  bool ScanString(std::string_view* token);  // at '"'; token includes quotes
  bool ScanValue(std::string_view* value);

  std::string_view text_;
  size_t pos_ = 0;
  bool ok_ = true;
  bool done_ = false;
  bool first_ = true;
};

// Unescapes a JSON string token (with its quotes). False when malformed.
bool UnescapeJsonString(std::string_view token, std::string* out);

}  // namespace picket::engine
