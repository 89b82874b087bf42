// Parses an Elasticsearch `_bulk` body (NDJSON: an action line, then a
// source line for index/create/update) into items, without parsing the
// sources (the ingest worker does that when it evaluates them).
//
// Contract, following Elasticsearch where it matters to shippers:
//  * Lines end with \n; \r\n and a missing final newline are accepted;
//    blank lines where an action is expected are skipped.
//  * A line where an action is expected that is not a JSON object with one
//    known action (index, create, delete, update) fails the whole request
//    (HTTP 400), as Elasticsearch does: the framing of the rest is unknown.
//    So does an index/create/update action with no source line after it.
//  * Everything else is a per-item outcome: `index` and `create` are
//    evaluated; `delete` answers 404 not_found (picket stores no documents);
//    `update` and actions without an index (no _index and no index in the
//    URL) are item errors with status 400.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace picket::serve {

enum class BulkOp : uint8_t { kIndex, kCreate, kDelete, kUpdate };
std::string_view BulkOpName(BulkOp op);

struct BulkItem {
  BulkOp op = BulkOp::kIndex;
  std::string index;
  std::string id;           // from the action; empty = picket assigns one
  std::string_view source;  // the source line (into the request body)
  // 0 = to be evaluated. Otherwise the item's final HTTP status, with an
  // Elasticsearch error type and reason when >= 400 (none for delete's 404).
  int status = 0;
  std::string error_type;
  std::string error_reason;
};

struct BulkParseError {
  int status = 400;
  std::string type;  // Elasticsearch exception type
  std::string reason;
};

// Splits `body` into items. `default_index` is the {index} of
// POST /{index}/_bulk ("" for POST /_bulk). The items' `source` views point
// into `body`, which must outlive them. Returns false with *error when the
// request as a whole is malformed.
bool ParseBulkBody(std::string_view body, std::string_view default_index,
                   std::vector<BulkItem>* items, BulkParseError* error);

}  // namespace picket::serve
