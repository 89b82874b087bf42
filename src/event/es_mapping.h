// Reads Elasticsearch mappings, in the shapes users have them, into a
// FieldTypes table (the `--mapping FILE` option):
//
//   * the output of GET <index>/_mapping, for one or several indices:
//     {"<index>": {"mappings": {...}}, ...} (and legacy GET _template output,
//     {"<name>": {"index_patterns": [...], "mappings": {...}}});
//   * a bare mapping, {"properties": {...}}, or {"mappings": {...}} (a
//     create-index body), typed mappings of old versions ({"_doc": {...}});
//   * index and component template bodies (PUT _index_template/<name>,
//     PUT _component_template/<name>: {"template": {"mappings": {...}}}) and
//     the outputs of GET _index_template / GET _component_template
//     ({"index_templates": [{"name": ..., "index_template": {...}}]}).
//
// Each field's `type` becomes picket's FieldType (event::FieldTypeFromEsName);
// `fields` multi-fields read their parent's value; `ignore_above` is kept;
// `alias` fields read their `path`'s value with its type; `flattened`
// fields make every leaf below them a keyword; objects record `dynamic` and
// `enabled: false` (FieldTypes::DynamicAt). An unknown type, or one picket
// does not model (geo_point, dense_vector, ...), is a warning and matches as
// keyword. Mapping parameters that change matching but that picket does not
// model (normalizer, copy_to, null_value, a non-standard analyzer,
// index: false) are warnings naming the fields. Two indices or templates of
// one file that map a field differently: a warning, the first one wins.
//
// Errors name the file and the JSON path of the offending value
// ("mapping.json: $.logs.mappings.properties.pid.ignore_above: ..."), or
// file:line:column for text that is not JSON.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "event/field_types.h"

namespace picket::event {

struct MappingLoadStats {
  size_t mappings = 0;  // mappings found in the file (indices, templates)
  size_t fields = 0;    // fields set, multi-fields and aliases included
};

// Adds the fields of the mapping(s) in `text` to *types (replacing what the
// table had for them). On error returns false with the message in *error and
// leaves *types partly updated; the caller discards it.
bool LoadEsMappingText(std::string_view text, std::string_view origin, FieldTypes* types,
                       std::vector<std::string>* warnings, std::string* error,
                       MappingLoadStats* stats = nullptr);
bool LoadEsMappingFile(const std::string& path, FieldTypes* types,
                       std::vector<std::string>* warnings, std::string* error,
                       MappingLoadStats* stats = nullptr);

}  // namespace picket::event
