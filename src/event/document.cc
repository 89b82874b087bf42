#include "event/document.h"

#include <charconv>

namespace picket::event {

bool ScalarToKeyword(Json value, std::string* out) {
  char buf[32];
  switch (value.type()) {
    case JsonType::STRING: {
      std::string_view s = value.get_string().value_unsafe();
      out->assign(s.data(), s.size());
      return true;
    }
    case JsonType::BOOL:
      *out = value.get_bool().value_unsafe() ? "true" : "false";
      return true;
    case JsonType::INT64: {
      auto r = std::to_chars(buf, buf + sizeof(buf), value.get_int64().value_unsafe());
      out->assign(buf, r.ptr);
      return true;
    }
    case JsonType::UINT64: {
      auto r = std::to_chars(buf, buf + sizeof(buf), value.get_uint64().value_unsafe());
      out->assign(buf, r.ptr);
      return true;
    }
    case JsonType::DOUBLE: {
      auto r = std::to_chars(buf, buf + sizeof(buf), value.get_double().value_unsafe());
      out->assign(buf, r.ptr);
      return true;
    }
    default:
      return false;
  }
}

bool FirstString(Json node, std::string_view path, std::string_view* out) {
  return ForEachValue(node, path, [&](Json v) {
    if (v.type() != JsonType::STRING) return false;
    *out = v.get_string().value_unsafe();
    return true;
  });
}

}  // namespace picket::event
