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

bool UnknownAction(BulkParseError* error, size_t line_no, std::string_view name) {
  error->status = 400;
  error->type = "illegal_argument_exception";
  error->reason = "Malformed action/metadata line [" + std::to_string(line_no) +
                  "], expected one of [create, delete, index, update] but found [" +
                  std::string(name) + "]";
  return false;
}

// Reads the common action line — {"create":{"_index":"x","_id":"y"}},
// plain strings only — without a JSON parser (it is half of a bulk body's
// lines). Anything else (escapes, numbers, nesting, trailing bytes) returns
// false, and the line goes to simdjson, which decides.
struct SimpleAction {
  std::string_view op, index, id;
  bool has_index = false, has_id = false;
};

bool ParseSimpleAction(std::string_view line, SimpleAction* out) {
  size_t i = 0;
  auto skip = [&] {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  };
  auto expect = [&](char c) {
    skip();
    if (i >= line.size() || line[i] != c) return false;
    ++i;
    return true;
  };
  auto string = [&](std::string_view* text) {
    if (!expect('"')) return false;
    size_t start = i;
    while (i < line.size() && line[i] != '"') {
      unsigned char c = static_cast<unsigned char>(line[i]);
      if (c == '\\' || c < 0x20) return false;
      ++i;
    }
    if (i >= line.size()) return false;
    *text = line.substr(start, i - start);
    ++i;
    return true;
  };
  if (!expect('{') || !string(&out->op) || !expect(':') || !expect('{')) return false;
  skip();
  if (i < line.size() && line[i] == '}') {
    ++i;
  } else {
    for (;;) {
      std::string_view key, value;
      if (!string(&key) || !expect(':') || !string(&value)) return false;
      if (key == "_index") {
        out->index = value;
        out->has_index = true;
      } else if (key == "_id") {
        out->id = value;
        out->has_id = true;
      }
      skip();
      if (i < line.size() && line[i] == ',') {
        ++i;
        continue;
      }
      if (!expect('}')) return false;
      break;
    }
  }
  if (!expect('}')) return false;
  skip();
  return i == line.size();
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
    BulkItem item;
    item.index = std::string(default_index);
    SimpleAction simple;
    std::string_view op_name;
    if (ParseSimpleAction(line, &simple)) {
      op_name = simple.op;
      if (simple.has_index) item.index = std::string(simple.index);
      if (simple.has_id) item.id = std::string(simple.id);
    } else {
      simdjson::dom::element action;
      if (parser.parse(line.data(), line.size()).get(action) != simdjson::SUCCESS)
        return Fail(error, line_no, "expected a JSON object");
      simdjson::dom::object object;
      if (action.get_object().get(object) != simdjson::SUCCESS || object.size() != 1)
        return Fail(error, line_no, "expected an object with exactly one action");
      auto field = *object.begin();
      op_name = field.key;
      if (!OpFromName(op_name, &item.op)) return UnknownAction(error, line_no, op_name);
      simdjson::dom::object meta;
      if (field.value.get_object().get(meta) != simdjson::SUCCESS)
        return Fail(error, line_no, "expected an object after [" + std::string(field.key) + "]");
      for (auto m : meta) {
        if (m.key == "_index" || m.key == "_id") {
          std::string_view text;
          if (m.value.get_string().get(text) != simdjson::SUCCESS)
            return Fail(error, line_no, "[" + std::string(m.key) + "] must be a string");
          (m.key == "_index" ? item.index : item.id) = std::string(text);
        }
      }
    }
    if (!OpFromName(op_name, &item.op)) return UnknownAction(error, line_no, op_name);
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
