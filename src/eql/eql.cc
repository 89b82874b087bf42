#include "eql/eql.h"

namespace picket::eql {
namespace {

void Fail(QueryResult* r, std::vector<Problem> problems) {
  r->problems = std::move(problems);
  r->error.offset = r->problems.front().offset;
  r->error.message = r->problems.front().message;
}

}  // namespace

QueryResult CompileQuery(std::string_view text, const event::FieldTypes& types,
                         const QueryOptions& options) {
  QueryResult result;
  ParseResult parsed = ParseQuery(text, options.limits);
  if (!parsed.ok()) {
    result.error = parsed.error;
    result.problems.push_back({parsed.error.offset, parsed.error.message});
    return result;
  }
  std::shared_ptr<Query> q = std::move(parsed.query);
  q->event_category_field = options.event_category_field;
  q->timestamp_field = options.timestamp_field;
  q->tiebreaker_field = options.tiebreaker_field;

  VerifyOptions vopts;
  vopts.complete_mapping = options.complete_mapping;
  auto problems = Verify(q.get(), types, vopts);
  if (!problems.empty()) {
    Fail(&result, std::move(problems));
    return result;
  }

  auto compile = [&](Filter* f) {
    auto p = CompileFilter(f, *q, types, options.compile, &result.warnings);
    problems.insert(problems.end(), p.begin(), p.end());
  };
  if (q->type == QueryType::kEvent) {
    compile(&q->event);
  } else {
    for (auto& s : q->stages) compile(&s.filter);
    if (q->until) compile(&q->until->filter);
  }
  if (!problems.empty()) {
    Fail(&result, std::move(problems));
    return result;
  }
  result.query = std::move(q);
  return result;
}

}  // namespace picket::eql
