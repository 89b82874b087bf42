// Test helpers: compile a query against a mapping table and run it on a
// JSON document given as text.
#pragma once
#include <simdjson.h>

#include <string>

#include "event/field_types.h"
#include "kql/matcher.h"
#include "kql/parser.h"

namespace picket::kql::testing {

// Returns 1 for a match, 0 for none, -1 when the query does not parse, -2
// when it does not compile (a query Elasticsearch rejects).
inline int Eval(const std::string& query, const std::string& json, const event::FieldTypes& types,
                TimeMs now = 1772359200000 /*2026-03-01T10Z*/) {
  auto parsed = Parse(query);
  if (!parsed.ok()) return -1;
  CompileOptions options;
  options.now = now;
  auto compiled = Compile(*parsed.root, types, options);
  if (!compiled.ok()) return -2;
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element doc = parser.parse(padded).value();
  return compiled.matcher->Matches(doc) ? 1 : 0;
}

inline event::FieldTypes Types(std::initializer_list<std::pair<const char*, const char*>> list) {
  event::FieldTypes t;
  std::string error;
  for (const auto& [name, type] : list) t.Set(name, type, &error);
  return t;
}

}  // namespace picket::kql::testing
