// libFuzzer target: the EQL front end on arbitrary bytes. Parsing,
// verification and compilation must never crash or hang; every filter of a
// compiled query must run on a document (with and without a shared
// EvalContext, with the same answer); a condition's rendering must parse
// again to the same rendering.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "eql/eql.h"
#include "event/field_types.h"

namespace {

using picket::eql::Filter;
using picket::eql::Query;

void Run(const Filter& f, simdjson::dom::element doc) {
  picket::kql::EvalContext ctx;
  ctx.NextEvent();
  bool shared = f.matcher->Matches(doc, &ctx);
  if (shared != f.matcher->Matches(doc)) __builtin_trap();
  std::string rendered = picket::eql::Render(*f.condition);
  auto again = picket::eql::ParseExpression(rendered);
  if (!again.ok() || picket::eql::Render(*again.expr) != rendered) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  picket::eql::QueryOptions options;
  options.limits.max_query_bytes = 64 << 10;
  options.compile.now = 1772359200000;
  static auto types = picket::event::FieldTypes::BuiltIn();
  auto r = picket::eql::CompileQuery(text, *types, options);
  if (!r.ok()) {
    (void)r.error.Render(text, "fuzz");
    return 0;
  }
  static simdjson::dom::parser parser;
  static simdjson::padded_string doc(std::string_view(
      R"({"process":{"name":"sh","args":["sh","-c","id"],"pid":42,"parent":{"name":"Python"}},)"
      R"("event":{"category":["process"],"type":["start"]},"source":{"ip":"10.0.0.1","port":443},)"
      R"("@timestamp":"2026-03-01T10:00:00Z","file":{"path":"C:\\Windows\\x.exe"},"n":[1,2.5,"3"]})"));
  simdjson::dom::element root = parser.parse(doc).value();
  const Query& q = *r.query;
  if (q.type == picket::eql::QueryType::kEvent) Run(q.event, root);
  for (const auto& s : q.stages) Run(s.filter, root);
  if (q.until) Run(q.until->filter, root);
  return 0;
}
