// Test helpers: compile an EQL query or condition against a mapping table
// and run it on JSON documents given as text.
#pragma once
#include <simdjson.h>

#include <string>

#include "eql/eql.h"
#include "event/field_types.h"

namespace picket::eql::testing {

inline event::FieldTypes Types(std::initializer_list<std::pair<const char*, const char*>> list) {
  event::FieldTypes t;
  std::string error;
  for (const auto& [name, type] : list) t.Set(name, type, &error);
  return t;
}

inline TimeMs TestNow() { return 1772359200000; /*2026-03-01T10Z*/ }

inline QueryResult Compile(const std::string& query, const event::FieldTypes& types,
                           bool complete = false) {
  QueryOptions options;
  options.complete_mapping = complete;
  options.compile.now = TestNow();
  return CompileQuery(query, types, options);
}

inline bool MatchesDoc(const kql::Matcher& m, const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element doc = parser.parse(padded).value();
  kql::EvalContext ctx;
  ctx.NextEvent();
  bool with_ctx = m.Matches(doc, &ctx);
  bool without = m.Matches(doc);
  EXPECT_EQ(with_ctx, without) << json;
  return with_ctx;
}

// 1 when `any where <condition>` matches the document, 0 when not, -1 when
// the query is refused (the error goes to the test log).
inline int Match(const std::string& condition, const std::string& json,
                 const event::FieldTypes& types = event::FieldTypes()) {
  std::string query = "any where " + condition;
  auto r = Compile(query, types);
  if (!r.ok()) {
    ADD_FAILURE() << "refused: " << query << "\n" << r.error.Render(query, "query");
    return -1;
  }
  return MatchesDoc(*r.query->event.matcher, json) ? 1 : 0;
}

// The first error for a query ("" when it compiles).
inline std::string Error(const std::string& query,
                         const event::FieldTypes& types = event::FieldTypes(),
                         bool complete = false) {
  auto r = Compile(query, types, complete);
  return r.ok() ? "" : r.error.message;
}

// "line:column: message" of the first error.
inline std::string ErrorAt(const std::string& query,
                           const event::FieldTypes& types = event::FieldTypes(),
                           bool complete = false) {
  auto r = Compile(query, types, complete);
  if (r.ok()) return "";
  uint32_t line, column;
  ParseError::LineColumn(query, r.error.offset, &line, &column);
  return std::to_string(line) + ":" + std::to_string(column) + ": " + r.error.message;
}

}  // namespace picket::eql::testing
