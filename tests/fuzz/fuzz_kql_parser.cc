// libFuzzer target: the KQL parser and compiler on arbitrary bytes. Parsing
// must never crash or hang; a parsed query must compile, render, and the
// rendering must parse again.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "event/field_types.h"
#include "kql/matcher.h"
#include "kql/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view query(reinterpret_cast<const char*>(data), size);
  picket::kql::ParseLimits limits;
  limits.max_query_bytes = 64 << 10;
  auto parsed = picket::kql::Parse(query, limits);
  if (!parsed.ok()) {
    (void)parsed.error.Render(query, "fuzz");
    return 0;
  }
  static auto types = picket::event::FieldTypes::BuiltIn();
  auto compiled = picket::kql::Compile(*parsed.root, *types);
  if (!compiled.ok()) {  // a query Elasticsearch rejects (date math out of range)
    (void)picket::kql::ErrorAt(query, compiled.error.offset, compiled.error.message)
        .Render(query, "fuzz");
    return 0;
  }
  static simdjson::dom::parser parser;
  static simdjson::padded_string doc(std::string_view(
      R"({"process":{"name":"sh","args":["sh","-c","id"],"parent":{"name":"python3"}},)"
      R"("event":{"category":["process"]},"source":{"ip":"10.0.0.1"},"@timestamp":"2026-03-01T10:00:00Z",)"
      R"("message":"hello world","n":5})"));
  simdjson::dom::element root = parser.parse(doc).value();
  (void)compiled.matcher->Matches(root);
  std::string rendered = picket::kql::Render(*parsed.root);
  if (!rendered.empty() && !picket::kql::Parse(rendered).ok()) __builtin_trap();
  return 0;
}
