#include "rules/toml_json.h"

#include <charconv>
#include <sstream>

#include "util/json.h"

namespace picket::rules {

void AppendTomlAsJson(const toml::node& node, std::string* out) {
  if (const auto* t = node.as_table()) {
    out->push_back('{');
    bool first = true;
    for (const auto& [key, value] : *t) {
      if (!first) out->push_back(',');
      first = false;
      AppendJsonString(out, key.str());
      out->push_back(':');
      AppendTomlAsJson(value, out);
    }
    out->push_back('}');
  } else if (const auto* a = node.as_array()) {
    out->push_back('[');
    for (size_t i = 0; i < a->size(); ++i) {
      if (i) out->push_back(',');
      AppendTomlAsJson(*a->get(i), out);
    }
    out->push_back(']');
  } else if (const auto* s = node.as_string()) {
    AppendJsonString(out, s->get());
  } else if (const auto* i = node.as_integer()) {
    out->append(std::to_string(i->get()));
  } else if (const auto* f = node.as_floating_point()) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof(buf), f->get());
    out->append(buf, r.ptr);
  } else if (const auto* b = node.as_boolean()) {
    out->append(b->get() ? "true" : "false");
  } else {
    std::ostringstream ss;
    if (const auto* d = node.as_date())
      ss << d->get();
    else if (const auto* tm = node.as_time())
      ss << tm->get();
    else if (const auto* dt = node.as_date_time())
      ss << dt->get();
    AppendJsonString(out, ss.str());
  }
}

std::string TomlToJson(const toml::node& node) {
  std::string out;
  AppendTomlAsJson(node, &out);
  return out;
}

}  // namespace picket::rules
