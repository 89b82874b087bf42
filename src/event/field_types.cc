#include "event/field_types.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "util/embedded.h"
#include "util/text_lines.h"
#include "util/wildcard.h"

namespace picket::event {

std::optional<FieldType> FieldTypeFromEsName(std::string_view t) {
  if (t == "keyword" || t == "constant_keyword" || t == "wildcard" || t == "version" ||
      t == "binary" || t == "geo_point" || t == "alias")
    return FieldType::kKeyword;
  if (t == "text" || t == "match_only_text" || t == "annotated-text" || t == "completion" ||
      t == "search_as_you_type")
    return FieldType::kText;
  if (t == "ip") return FieldType::kIp;
  if (t == "long" || t == "integer" || t == "short" || t == "byte" || t == "unsigned_long" ||
      t == "token_count")
    return FieldType::kLong;
  if (t == "double" || t == "float" || t == "half_float" || t == "scaled_float")
    return FieldType::kDouble;
  if (t == "date" || t == "date_nanos") return FieldType::kDate;
  if (t == "boolean") return FieldType::kBoolean;
  if (t == "object" || t == "flattened" || t == "group") return FieldType::kObject;
  if (t == "nested") return FieldType::kNested;
  return std::nullopt;
}

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kKeyword:
      return "keyword";
    case FieldType::kText:
      return "text";
    case FieldType::kIp:
      return "ip";
    case FieldType::kLong:
      return "long";
    case FieldType::kDouble:
      return "double";
    case FieldType::kDate:
      return "date";
    case FieldType::kBoolean:
      return "boolean";
    case FieldType::kObject:
      return "object";
    case FieldType::kNested:
      return "nested";
  }
  return "keyword";
}

std::shared_ptr<const FieldTypes> FieldTypes::BuiltIn() {
  // Never destroyed: freeing thousands of entries at exit is work for
  // nothing (every other FieldTypes, copies of this one included, is
  // destroyed as usual; the pointer stays reachable, so leak checkers
  // do not report it).
  static const auto* table = new std::shared_ptr<const FieldTypes>([] {
    auto t = std::make_shared<FieldTypes>();
    std::string error;
    t->LoadText(EmbeddedFile("data/field_types.tsv"), "data/field_types.tsv", &error);
    return t;
  }());
  return *table;
}

std::string_view DynamicMappingName(DynamicMapping d) {
  switch (d) {
    case DynamicMapping::kTrue:
      return "true";
    case DynamicMapping::kRuntime:
      return "runtime";
    case DynamicMapping::kFalse:
      return "false";
    case DynamicMapping::kStrict:
      return "strict";
    case DynamicMapping::kDisabled:
      return "enabled: false";
  }
  return "true";
}

const FieldInfo* FieldTypes::Find(std::string_view field) const {
  auto it = fields_.find(field);
  if (it != fields_.end()) return &it->second;
  return flattened_.empty() ? nullptr : FlattenedLeaf(field);
}

const FieldInfo* FieldTypes::FlattenedLeaf(std::string_view field) const {
  for (size_t dot = field.rfind('.'); dot != std::string_view::npos && dot > 0;
       dot = field.rfind('.', dot - 1)) {
    auto it = flattened_.find(field.substr(0, dot));
    if (it != flattened_.end()) return &it->second;
  }
  return nullptr;
}

void FieldTypes::SetInfo(std::string_view field, FieldInfo info) {
  fields_[std::string(field)] = std::move(info);
}

void FieldTypes::Remove(std::string_view field) {
  auto it = fields_.find(field);
  if (it != fields_.end()) fields_.erase(it);
}

void FieldTypes::SetFlattened(std::string_view field, uint32_t ignore_above) {
  FieldInfo root;
  root.type = FieldType::kObject;
  root.es_type = "flattened";
  root.source_path = std::string(field);
  fields_[std::string(field)] = root;
  FieldInfo leaf;
  leaf.type = FieldType::kKeyword;
  leaf.es_type = "flattened";
  leaf.ignore_above = ignore_above;  // source_path empty: the leaf itself
  flattened_[std::string(field)] = leaf;
}

void FieldTypes::SetDynamic(std::string_view object, DynamicMapping dynamic) {
  dynamic_[std::string(object)] = dynamic;
}

DynamicMapping FieldTypes::DynamicAt(std::string_view field) const {
  if (dynamic_.empty()) return DynamicMapping::kTrue;
  // enabled: false anywhere above wins over the settings below it.
  DynamicMapping nearest = DynamicMapping::kTrue;
  bool found = false;
  for (size_t end = field.rfind('.'); end != std::string_view::npos && end > 0;
       end = field.rfind('.', end - 1)) {
    auto it = dynamic_.find(field.substr(0, end));
    if (it == dynamic_.end()) continue;
    if (it->second == DynamicMapping::kDisabled) return DynamicMapping::kDisabled;
    if (!found) {
      nearest = it->second;
      found = true;
    }
  }
  if (auto root = dynamic_.find(std::string_view()); root != dynamic_.end()) {
    if (root->second == DynamicMapping::kDisabled || !found) return root->second;
  }
  return nearest;
}

bool FieldTypes::Indexed(std::string_view field) const {
  if (fields_.count(field)) return DynamicAt(field) != DynamicMapping::kDisabled;
  DynamicMapping d = DynamicAt(field);
  return d == DynamicMapping::kTrue || d == DynamicMapping::kRuntime;
}

FieldInfo FieldTypes::Lookup(std::string_view field) const {
  if (const FieldInfo* info = Find(field)) return *info;
  FieldInfo info;
  info.source_path = std::string(field);
  info.es_type = "keyword";
  return info;
}

bool FieldTypes::Set(std::string_view field, std::string_view es_type, std::string* error) {
  return SetType(field, es_type, error) != nullptr;
}

FieldInfo* FieldTypes::SetType(std::string_view field, std::string_view es_type,
                               std::string* error) {
  auto type = FieldTypeFromEsName(es_type);
  if (!type) {
    *error = "unknown field type '" + std::string(es_type) +
             "' (expected keyword, wildcard, text, match_only_text, ip, long, double, date, "
             "boolean, ...)";
    return nullptr;
  }
  auto it = fields_.find(field);
  if (it == fields_.end()) it = fields_.emplace(std::string(field), FieldInfo()).first;
  FieldInfo& info = it->second;
  info.type = *type;
  info.es_type = std::string(es_type);
  info.ignore_above = 0;
  info.source_path = it->first;
  return &info;
}

bool FieldTypes::LoadText(std::string_view text, std::string_view origin, std::string* error) {
  // The built-in table has thousands of lines and is loaded by every
  // command: a line costs no allocation beyond its entry (columns are views,
  // the "file:line: " prefix is made only for an error).
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  fields_.reserve(fields_.size() + lines + 1);
  bool ok = true;
  ForEachDataLine(text, [&](size_t line_no, std::string_view line) {
    while (!line.empty() && line.back() == ' ') line.remove_suffix(1);
    auto where = [&] { return std::string(origin) + ":" + std::to_string(line_no) + ": "; };
    // Either the generated TSV (name, type, ignore_above, source) or
    // "name=type" / "name<TAB>type" / "name type" written by a user; columns
    // after the fourth are ignored.
    std::string_view cols[4];
    size_t count = 0;
    size_t start = 0;
    for (size_t i = 0; i <= line.size(); ++i) {
      if (i == line.size() || line[i] == '\t' || line[i] == '=' || line[i] == ' ') {
        if (i > start && count < 4) cols[count++] = line.substr(start, i - start);
        start = i + 1;
      }
    }
    if (count < 2) {
      *error = where() + "expected 'field type' (or field=type)";
      return ok = false;
    }
    std::string set_error;
    FieldInfo* info = SetType(cols[0], cols[1], &set_error);
    if (!info) {
      *error = where() + set_error;
      return ok = false;
    }
    if (count >= 3) {
      auto r = std::from_chars(cols[2].data(), cols[2].data() + cols[2].size(), info->ignore_above);
      if (r.ec != std::errc() || r.ptr != cols[2].data() + cols[2].size()) {
        *error = where() + "ignore_above '" + std::string(cols[2]) + "' is not a number";
        return ok = false;
      }
    }
    if (count >= 4) info->source_path = std::string(cols[3]);
    return true;
  });
  return ok;
}

bool FieldTypes::LoadFile(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot open field type file";
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return LoadText(ss.str(), path, error);
}

std::vector<std::string> FieldTypes::Expand(std::string_view pattern) const {
  WildcardPattern glob = WildcardPattern::FromGlob(pattern);
  std::vector<std::string> out;
  for (const auto& [name, info] : fields_)
    if (glob.Matches(name)) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace picket::event
