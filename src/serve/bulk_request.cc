#include "serve/bulk_request.h"

#include <simdjson.h>

namespace picket::serve {

std::string_view BulkOpName(BulkOp op) {
  switch (op) {
    case BulkOp::kIndex:
      return "index";
    case BulkOp::kCreate:
      return "create";
    case BulkOp::kDelete:
      return "delete";
    case BulkOp::kUpdate:
      return "update";
  }
  return "index";
}

namespace {

bool OpFromName(std::string_view name, BulkOp* op) {
  if (name == "index")
    *op = BulkOp::kIndex;
  else if (name == "create")
    *op = BulkOp::kCreate;
  else if (name == "delete")
    *op = BulkOp::kDelete;
  else if (name == "update")
    *op = BulkOp::kUpdate;
  else
    return false;
  return true;
}

// Next line of `body` from *pos, without its \n or \r\n; false at the end.
bool NextLine(std::string_view body, size_t* pos, std::string_view* line) {
  if (*pos >= body.size()) return false;
  size_t end = body.find('\n', *pos);
  if (end == std::string_view::npos) end = body.size();
  *line = body.substr(*pos, end - *pos);
  if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
  *pos = end + 1;
  return true;
}

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

bool Fail(BulkParseError* error, size_t line_no, std::string reason) {
  error->status = 400;
  error->type = "illegal_argument_exception";
  error->reason = "Malformed action/metadata line [" + std::to_string(line_no) + "], " + reason;
  return false;
}

}  // namespace

bool ParseBulkBody(std::string_view body, std::string_view default_index,
                   std::vector<BulkItem>* items, BulkParseError* error) {
  thread_local simdjson::dom::parser parser;
  size_t pos = 0;
  size_t line_no = 0;
  std::string_view line;
  while (NextLine(body, &pos, &line)) {
    ++line_no;
    if (IsBlank(line)) continue;
    simdjson::dom::element action;
    if (parser.parse(line.data(), line.size()).get(action) != simdjson::SUCCESS)
      return Fail(error, line_no, "expected a JSON object");
    simdjson::dom::object object;
    if (action.get_object().get(object) != simdjson::SUCCESS || object.size() != 1)
      return Fail(error, line_no, "expected an object with exactly one action");
    auto field = *object.begin();
    BulkItem item;
    if (!OpFromName(field.key, &item.op)) {
      error->status = 400;
      error->type = "illegal_argument_exception";
      error->reason = "Malformed action/metadata line [" + std::to_string(line_no) +
                      "], expected one of [create, delete, index, update] but found [" +
                      std::string(field.key) + "]";
      return false;
    }
    simdjson::dom::object meta;
    if (field.value.get_object().get(meta) != simdjson::SUCCESS)
      return Fail(error, line_no, "expected an object after [" + std::string(field.key) + "]");
    item.index = std::string(default_index);
    for (auto m : meta) {
      if (m.key == "_index" || m.key == "_id") {
        std::string_view text;
        if (m.value.get_string().get(text) != simdjson::SUCCESS)
          return Fail(error, line_no, "[" + std::string(m.key) + "] must be a string");
        (m.key == "_index" ? item.index : item.id) = std::string(text);
      }
    }
    if (item.op != BulkOp::kDelete) {
      std::string_view source;
      bool have_source = NextLine(body, &pos, &source);
      ++line_no;
      if (!have_source)
        return Fail(error, line_no - 1,
                    "the [" + std::string(BulkOpName(item.op)) + "] action has no source line");
      item.source = source;
    }
    if (item.op == BulkOp::kDelete) {
      item.status = 404;  // nothing is stored, so nothing to delete
    } else if (item.op == BulkOp::kUpdate) {
      item.status = 400;
      item.error_type = "illegal_argument_exception";
      item.error_reason = "picket evaluates new events only: use the index or create action";
    } else if (item.index.empty()) {
      item.status = 400;
      item.error_type = "action_request_validation_exception";
      item.error_reason = "Validation Failed: 1: index is missing;";
    }
    items->push_back(std::move(item));
  }
  if (items->empty()) {
    error->status = 400;
    error->type = "action_request_validation_exception";
    error->reason = "Validation Failed: 1: no requests added;";
    return false;
  }
  return true;
}

}  // namespace picket::serve
