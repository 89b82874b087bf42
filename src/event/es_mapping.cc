#include "event/es_mapping.h"

#include <simdjson.h>

#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "util/json_syntax.h"

namespace picket::event {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

// "$.a.b" / "$[\"my-index\"]": a member of a JSON path.
std::string Member(const std::string& path, std::string_view key) {
  bool plain = !key.empty() && !(key[0] >= '0' && key[0] <= '9');
  for (char c : key)
    plain = plain && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '@');
  if (plain) return path + "." + std::string(key);
  std::string out = path + "[\"";
  for (char c : key) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"]";
}

// Elasticsearch types picket knows but does not model: matched as keyword
// with a warning.
bool UnmodelledType(std::string_view t) {
  static const std::set<std::string_view> kTypes = {"geo_point",
                                                    "geo_shape",
                                                    "shape",
                                                    "point",
                                                    "binary",
                                                    "dense_vector",
                                                    "sparse_vector",
                                                    "rank_feature",
                                                    "rank_features",
                                                    "histogram",
                                                    "aggregate_metric_double",
                                                    "integer_range",
                                                    "long_range",
                                                    "float_range",
                                                    "double_range",
                                                    "date_range",
                                                    "ip_range",
                                                    "join",
                                                    "percolator",
                                                    "semantic_text",
                                                    "counted_keyword",
                                                    "completion",
                                                    "murmur3",
                                                    "token_count"};
  return kTypes.count(t) > 0;
}

// true/false, or the strings "true"/"false" (Elasticsearch takes both).
bool ReadBool(element v, bool* out) {
  if (!v.get_bool().get(*out)) return true;
  std::string_view s;
  if (v.get_string().get(s) || (s != "true" && s != "false")) return false;
  *out = s == "true";
  return true;
}

// A field's mapping as read from one index or template.
struct Defined {
  std::string es_type;
  std::string origin;  // the index or template it came from
};

class MappingReader {
 public:
  MappingReader(FieldTypes* types, std::vector<std::string>* warnings, std::string origin)
      : types_(types), warnings_(warnings), origin_(std::move(origin)) {}

  // Finds every mapping in the document; false when there is none.
  bool Collect(element value, const std::string& path, const std::string& label, int depth) {
    object o;
    if (value.get_object().get(o)) return Fail(path, "expected an object");
    if (IsMapping(o)) {
      found_.push_back({o, path, label});
      return true;
    }
    element m;
    if (!o["mappings"].get(m)) return CollectMappings(m, Member(path, "mappings"), label);
    if (!o["template"].get(m)) return Collect(m, Member(path, "template"), label, depth + 1);
    for (auto [list, item] : {std::pair{"index_templates", "index_template"},
                              std::pair{"component_templates", "component_template"}}) {
      simdjson::dom::array templates;
      if (o[list].get(m)) continue;
      if (m.get_array().get(templates)) return Fail(Member(path, list), "expected an array");
      size_t i = 0;
      for (element t : templates) {
        std::string here = Member(path, list) + "[" + std::to_string(i++) + "]";
        std::string_view name;
        std::string label_here = t["name"].get(name) ? here : std::string(name);
        element body;
        if (t[item].get(body)) return Fail(here, std::string("expected a member \"") + item + "\"");
        if (!Collect(body, Member(here, item), label_here, depth + 1)) return false;
      }
      return true;
    }
    for (const char* item : {"index_template", "component_template"})
      if (!o[item].get(m)) return Collect(m, Member(path, item), label, depth + 1);
    if (depth == 0) {  // GET <index>/_mapping: index name -> {"mappings": ...}
      size_t before = found_.size();
      for (auto [key, v] : o) {
        object member;
        if (v.get_object().get(member)) continue;
        if (!member["mappings"].error() || !member["template"].error()) {
          if (!Collect(v, Member(path, key), std::string(key), depth + 1)) return false;
        }
      }
      if (found_.size() > before) return true;
    }
    return Fail(path,
                "no mapping here: expected the output of GET <index>/_mapping, {\"properties\": "
                "...}, {\"mappings\": ...}, or an index or component template");
  }

  bool ReadAll() {
    for (const Found& f : found_) {
      defined_here_.clear();
      aliases_.clear();
      if (!ReadMapping(f.mapping, f.path, f.label)) return false;
      if (!ResolveAliases(f.label)) return false;
      for (auto& [field, d] : defined_here_) {
        auto [it, fresh] = defined_.try_emplace(field, d);
        if (!fresh && it->second.es_type != d.es_type)
          conflicts_.push_back(field + " is " + it->second.es_type + " in " + it->second.origin +
                               " but " + d.es_type + " in " + d.origin);
      }
    }
    // Apply: the first definition of each field wins.
    for (auto& [field, info] : pending_) types_->SetInfo(field, info);
    for (auto& [field, ignore_above] : flattened_) types_->SetFlattened(field, ignore_above);
    for (auto& [object, dynamic] : dynamic_) {
      types_->SetDynamic(object, dynamic);
      // The mapping is the whole truth about an object that does not map
      // new fields: what the table had below it (the built-in ECS guess)
      // and the mapping does not list is not indexed there.
      if (dynamic == DynamicMapping::kTrue || dynamic == DynamicMapping::kRuntime) continue;
      for (const std::string& f : types_->Expand(object.empty() ? "*" : object + ".*"))
        if (!pending_.count(f) && !flattened_.count(f)) types_->Remove(f);
    }
    for (const auto& c : conflicts_)
      warnings_->push_back(origin_ + ": " + c + "; picket uses the first");
    for (const auto& [param, fields] : unmodelled_params_) {
      std::string list;
      for (size_t i = 0; i < fields.size() && i < 5; ++i) list += (i ? ", " : "") + fields[i];
      if (fields.size() > 5) list += ", ... (" + std::to_string(fields.size()) + " fields)";
      warnings_->push_back(origin_ + ": " + param + " is not modelled (" + list + ")" +
                           ParamConsequence(param));
    }
    stats_.mappings = found_.size();
    stats_.fields = pending_.size();
    return true;
  }

  const std::string& error() const { return error_; }
  const MappingLoadStats& stats() const { return stats_; }

 private:
  struct Found {
    object mapping;
    std::string path;
    std::string label;
  };

  static bool IsMapping(object o) {
    // Keys only a mapping has (not "_meta": templates have one too).
    for (const char* key : {"properties", "dynamic", "runtime", "_source", "dynamic_templates",
                            "date_detection", "_routing", "_data_stream_timestamp"})
      if (!o[key].error()) return true;
    return false;
  }

  // The value of "mappings": a mapping, {} or a typed mapping {"_doc": {...}}.
  bool CollectMappings(element m, const std::string& path, const std::string& label) {
    object o;
    if (m.get_object().get(o)) return Fail(path, "expected an object");
    if (IsMapping(o) || o.size() == 0) {
      found_.push_back({o, path, label});
      return true;
    }
    if (o.size() == 1) {  // a mapping type of Elasticsearch 6 (_doc, doc, ...)
      auto [type_name, typed] = *o.begin();
      object inner;
      if (!typed.get_object().get(inner) && IsMapping(inner)) {
        found_.push_back({inner, Member(path, type_name), label});
        return true;
      }
    }
    return Fail(path, "expected a mapping (\"properties\", \"dynamic\", ...)");
  }

  bool ReadMapping(object mapping, const std::string& path, const std::string& label) {
    label_ = label;
    if (!ReadObjectSettings(mapping, "", path)) return false;
    element props;
    if (!mapping["properties"].get(props) && !ReadProperties(props, "", Member(path, "properties")))
      return false;
    element runtime;
    if (!mapping["runtime"].get(runtime)) {
      object fields;
      if (runtime.get_object().get(fields))
        return Fail(Member(path, "runtime"), "expected an object");
      for (auto [name, spec] : fields) {
        std::string here = Member(Member(path, "runtime"), name);
        object o;
        if (spec.get_object().get(o)) return Fail(here, "expected an object");
        if (!o["script"].error()) Unmodelled("a runtime field's script", std::string(name));
        if (!ReadLeaf(std::string(name), o, here, "")) return false;
      }
    }
    return true;
  }

  // `dynamic` and `enabled` of an object ("" = the mapping's root). The
  // first index or template that sets them for an object wins.
  bool ReadObjectSettings(object o, const std::string& name, const std::string& path) {
    element v;
    std::optional<DynamicMapping> setting;
    if (!o["dynamic"].get(v)) {
      bool b;
      std::string_view s;
      if (ReadBool(v, &b))
        setting = b ? DynamicMapping::kTrue : DynamicMapping::kFalse;
      else if (!v.get_string().get(s) && s == "strict")
        setting = DynamicMapping::kStrict;
      else if (!v.get_string().get(s) && s == "runtime")
        setting = DynamicMapping::kRuntime;
      else
        return Fail(Member(path, "dynamic"), "expected true, false, \"strict\" or \"runtime\"");
    }
    if (!o["enabled"].get(v)) {
      bool enabled;
      if (!ReadBool(v, &enabled)) return Fail(Member(path, "enabled"), "expected true or false");
      if (!enabled) setting = DynamicMapping::kDisabled;
    }
    if (setting) dynamic_.emplace(name, *setting);
    return true;
  }

  bool ReadProperties(element props, const std::string& prefix, const std::string& path) {
    object o;
    if (props.get_object().get(o)) return Fail(path, "expected an object of fields");
    for (auto [key, spec] : o) {
      std::string name = prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
      std::string here = Member(path, key);
      object field;
      if (spec.get_object().get(field))
        return Fail(here, "expected an object (the field's mapping)");
      if (!ReadField(name, field, here)) return false;
    }
    return true;
  }

  bool ReadField(const std::string& name, object o, const std::string& path) {
    std::string_view type = "object";
    element t;
    if (!o["type"].get(t) && t.get_string().get(type))
      return Fail(Member(path, "type"), "expected a string");
    if (type == "object" || type == "nested" || type == "passthrough") {
      if (!ReadObjectSettings(o, name, path)) return false;
      FieldInfo info;
      info.type = type == "nested" ? FieldType::kNested : FieldType::kObject;
      info.es_type = std::string(type);
      Define(name, info);
      if (type == "passthrough")
        Unmodelled("passthrough (its fields are not also read at the top level)", name);
      element props;
      if (!o["properties"].get(props) && !ReadProperties(props, name, Member(path, "properties")))
        return false;
      return true;
    }
    if (type == "alias") {
      std::string_view target;
      if (o["path"].get_string().get(target))
        return Fail(Member(path, "path"), "an alias needs \"path\": the field it stands for");
      aliases_.push_back({name, std::string(target), Member(path, "path")});
      return true;
    }
    uint32_t ignore_above = 0;
    if (!ReadIgnoreAbove(o, path, &ignore_above)) return false;
    if (type == "flattened") {
      flattened_.emplace(name, ignore_above);
      FieldInfo info;
      info.type = FieldType::kObject;
      info.es_type = "flattened";
      Define(name, info);
      return true;
    }
    return ReadLeaf(name, o, path, "");
  }

  bool ReadIgnoreAbove(object o, const std::string& path, uint32_t* out) {
    element v;
    if (o["ignore_above"].get(v)) return true;
    int64_t n;
    std::string_view s;
    if (!v.get_int64().get(n) && n >= 0 && n <= UINT32_MAX) {
      *out = static_cast<uint32_t>(n);
      return true;
    }
    // Elasticsearch also takes the number as a string.
    if (!v.get_string().get(s) && !s.empty() && s.size() < 10 &&
        s.find_first_not_of("0123456789") == std::string_view::npos) {
      *out = static_cast<uint32_t>(std::stoul(std::string(s)));
      return true;
    }
    return Fail(Member(path, "ignore_above"), "expected a non-negative integer");
  }

  // A field with a value type (and its multi-fields). `parent` is the field
  // whose value a multi-field reads ("" = itself).
  bool ReadLeaf(const std::string& name, object o, const std::string& path,
                const std::string& parent) {
    std::string_view type;
    if (o["type"].get_string().get(type))
      return Fail(Member(path, "type"), "expected the field's type (a string)");
    FieldInfo info;
    info.es_type = std::string(type);
    info.source_path = parent.empty() ? name : parent;
    if (!ReadIgnoreAbove(o, path, &info.ignore_above)) return false;
    auto known = FieldTypeFromEsName(type);
    if (!known || UnmodelledType(type)) {
      warnings_->push_back(origin_ + ": " + path + ": " +
                           (UnmodelledType(type)
                                ? "picket does not model " + std::string(type) + " fields"
                                : "unknown Elasticsearch type \"" + std::string(type) + "\"") +
                           "; " + name + " matches as keyword");
      info.type = FieldType::kKeyword;
    } else {
      info.type = *known;
    }
    NoteParams(name, o, info.type);
    Define(name, info);
    element fields;
    if (o["fields"].get(fields)) return true;
    object subs;
    if (fields.get_object().get(subs)) return Fail(Member(path, "fields"), "expected an object");
    for (auto [key, spec] : subs) {
      std::string here = Member(Member(path, "fields"), key);
      object sub;
      if (spec.get_object().get(sub)) return Fail(here, "expected an object (the multi-field)");
      if (!ReadLeaf(name + "." + std::string(key), sub, here, parent.empty() ? name : parent))
        return false;
    }
    return true;
  }

  // Parameters that change what a query matches and that picket ignores.
  void NoteParams(const std::string& name, object o, FieldType type) {
    element v;
    std::string_view s;
    bool b;
    if (!o["normalizer"].get(v)) Unmodelled("normalizer", name);
    if (!o["copy_to"].get(v)) Unmodelled("copy_to", name);
    if (!o["null_value"].get(v)) Unmodelled("null_value", name);
    if (type == FieldType::kText && !o["analyzer"].get_string().get(s) && s != "standard")
      Unmodelled("analyzer", name);
    if (!o["index"].get_bool().get(b) && !b) Unmodelled("index: false", name);
  }
  void Unmodelled(const std::string& param, const std::string& field) {
    unmodelled_params_[param].push_back(field);
  }
  static std::string ParamConsequence(const std::string& param) {
    if (param == "normalizer")
      return ": picket compares the raw value (a lowercase normalizer makes Elasticsearch "
             "ignore case)";
    if (param == "copy_to") return ": a query on the target sees only the target's own values";
    if (param == "null_value") return ": a null value matches nothing in picket";
    if (param == "analyzer") return ": picket analyses text with the standard analyser";
    if (param == "index: false")
      return ": picket still matches these fields (Elasticsearch searches them through doc "
             "values, or refuses the query when they have none)";
    return "";
  }

  void Define(const std::string& name, const FieldInfo& info) {
    defined_here_[name] = {info.es_type, label_};
    if (!defined_.count(name)) pending_.emplace(name, info);
  }

  struct Alias {
    std::string name, target, path;
  };
  bool ResolveAliases(const std::string& label) {
    for (const Alias& a : aliases_) {
      auto it = defined_here_.find(a.target);
      if (it == defined_here_.end() || it->second.es_type == "object" ||
          it->second.es_type == "nested")
        return Fail(a.path, "alias " + a.name + " points to " + a.target +
                                ", which this mapping does not map as a field with a value");
      // The target's mapping (pending_ holds every field defined so far), read
      // from where the target reads its value.
      FieldInfo info = pending_.at(a.target);
      defined_here_[a.name] = {"alias", label};
      if (!defined_.count(a.name)) pending_.emplace(a.name, info);
    }
    return true;
  }

  bool Fail(const std::string& path, const std::string& message) {
    if (error_.empty()) error_ = origin_ + ": " + path + ": " + message;
    return false;
  }

  FieldTypes* types_;
  std::vector<std::string>* warnings_;
  std::string origin_;
  std::string label_;
  std::string error_;
  std::vector<Found> found_;
  std::map<std::string, Defined> defined_;       // by every mapping read so far
  std::map<std::string, Defined> defined_here_;  // by the current mapping
  std::map<std::string, FieldInfo> pending_;     // what goes into the table
  std::map<std::string, uint32_t> flattened_;
  std::map<std::string, DynamicMapping> dynamic_;
  std::vector<Alias> aliases_;
  std::vector<std::string> conflicts_;
  std::map<std::string, std::vector<std::string>> unmodelled_params_;
  MappingLoadStats stats_;
};

}  // namespace

bool LoadEsMappingText(std::string_view text, std::string_view origin, FieldTypes* types,
                       std::vector<std::string>* warnings, std::string* error,
                       MappingLoadStats* stats) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  element root;
  if (auto code = parser.parse(padded).get(root)) {
    auto where = FindJsonSyntaxError(text);
    *error = std::string(origin) +
             (where ? ":" + std::to_string(where->line) + ":" + std::to_string(where->column) +
                          ": not JSON: " + where->message
                    : ": not JSON: " + std::string(simdjson::error_message(code)));
    return false;
  }
  MappingReader reader(types, warnings, std::string(origin));
  if (!reader.Collect(root, "$", "", 0) || !reader.ReadAll()) {
    *error = reader.error();
    return false;
  }
  if (stats) *stats = reader.stats();
  return true;
}

bool LoadEsMappingFile(const std::string& path, FieldTypes* types,
                       std::vector<std::string>* warnings, std::string* error,
                       MappingLoadStats* stats) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot open mapping file";
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return LoadEsMappingText(ss.str(), path, types, warnings, error, stats);
}

}  // namespace picket::event
