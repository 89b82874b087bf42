#include "eql/sequence_key_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "eql/sequence_key.h"
#include "util/ip.h"
#include "util/time.h"

namespace picket::eql {

namespace {

using event::FieldType;
using event::Json;
using event::JsonType;

std::optional<double> Number(Json v) {
  switch (v.type()) {
    case JsonType::INT64:
      return static_cast<double>(v.get_int64().value_unsafe());
    case JsonType::UINT64:
      return static_cast<double>(v.get_uint64().value_unsafe());
    case JsonType::DOUBLE:
      return v.get_double().value_unsafe();
    case JsonType::STRING: {
      std::string_view s = v.get_string().value_unsafe();
      double d = 0;
      auto r = std::from_chars(s.data(), s.data() + s.size(), d);
      if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
      return d;
    }
    default:
      return std::nullopt;
  }
}

// One value, encoded by the field's type; false when it is not a value of it.
bool Encode(Json v, const event::FieldInfo& info, std::string* key) {
  switch (info.type) {
    case FieldType::kLong: {
      if (v.type() == JsonType::INT64) {
        AppendKeyInt(key, v.get_int64().value_unsafe());
        return true;
      }
      std::optional<double> d = Number(v);
      if (!d || !std::isfinite(*d) || std::fabs(*d) >= 9.2e18) return false;
      AppendKeyInt(key, static_cast<int64_t>(std::trunc(*d)));
      return true;
    }
    case FieldType::kDouble: {
      std::optional<double> d = Number(v);
      if (!d) return false;
      AppendKeyDouble(key, *d);
      return true;
    }
    case FieldType::kBoolean:
      if (v.type() == JsonType::BOOL) {
        AppendKeyBool(key, v.get_bool().value_unsafe());
        return true;
      }
      if (v.type() == JsonType::STRING) {
        std::string_view s = v.get_string().value_unsafe();
        if (s == "true" || s == "false") {
          AppendKeyBool(key, s == "true");
          return true;
        }
      }
      return false;
    case FieldType::kIp: {
      if (v.type() != JsonType::STRING) return false;
      std::optional<IpAddress> ip = ParseIp(v.get_string().value_unsafe());
      if (!ip) return false;
      AppendKeyString(key, FormatIp(*ip));
      return true;
    }
    case FieldType::kDate: {
      std::string text;
      if (!event::ScalarToKeyword(v, &text)) return false;
      std::optional<ParsedDate> date = ParseDate(text);
      if (!date) return false;
      AppendKeyString(key, FormatIso8601(date->ms));
      return true;
    }
    case FieldType::kObject:
    case FieldType::kNested:
      return false;
    default: {  // keyword, text, and unmapped
      std::string scratch;
      std::string_view text;
      if (!event::KeywordText(v, &scratch, &text)) return false;
      if (info.ignore_above && text.size() > info.ignore_above) return false;
      AppendKeyString(key, text);
      return true;
    }
  }
}

}  // namespace

size_t ReadJoinKeyValues(Json doc, const JoinKeyField& field, std::vector<std::string>* values) {
  size_t before = values->size();
  event::ForEachValue(doc, field.path, [&](Json v) {
    if (v.type() == JsonType::OBJECT) return false;
    std::string key;
    if (Encode(v, field.info, &key) &&
        std::find(values->begin() + static_cast<std::ptrdiff_t>(before), values->end(), key) ==
            values->end())
      values->push_back(std::move(key));
    return false;
  });
  return values->size() - before;
}

size_t ReadJoinKeys(Json doc, std::span<const JoinKeyField> fields, size_t limit,
                    std::vector<std::string>* keys) {
  if (fields.size() == 1) {
    // One key field (`sequence by host.id`): its values are the keys, in
    // JoinKeyProduct's order, without building the product's vectors.
    const size_t before = keys->size();
    size_t n = ReadJoinKeyValues(doc, fields[0], keys);
    if (n == 0) {
      if (!fields[0].optional) return 0;
      n = 1;
      if (limit > 0) AppendKeyNull(&keys->emplace_back());
    } else if (n > limit) {
      keys->resize(before + limit);
    }
    return n;
  }
  std::vector<std::vector<std::string>> values(fields.size());
  for (size_t i = 0; i < fields.size(); ++i)
    if (ReadJoinKeyValues(doc, fields[i], &values[i]) == 0 && !fields[i].optional) return 0;
  return JoinKeyProduct(values, limit, keys);
}

}  // namespace picket::eql
