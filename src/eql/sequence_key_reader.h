// Join-key values of an event, as Elasticsearch reads them for a sequence or
// sample (the `fields` API, so by the field's mapping type) and compares them
// (Java equals on the values):
//   keyword (and unmapped strings): the keyword text — strings as they are,
//     numbers and booleans as their text; longer than ignore_above: no value;
//   long: integers (a numeric string is parsed; a fraction is truncated, as
//     Elasticsearch coerces); double: numbers; boolean: true / false (also
//     the strings "true" / "false"); ip: the address in Elasticsearch's
//     text; date: the ISO-8601 text of its milliseconds;
//   a value of the wrong kind for its type (Elasticsearch would have refused
//   the document) is no value.
// A multi-valued field gives every value; null, [] and objects give none.
//
// A stage's keys for an event: every combination of its key fields' values
// (JoinKeyProduct order). A key field without a value leaves the event out
// of the stage, unless the key is optional (`?field`), which joins on null.
#pragma once
#include <span>
#include <string>
#include <vector>

#include "event/document.h"
#include "event/field_types.h"

namespace picket::eql {

struct JoinKeyField {
  std::string path;       // where the value is read (a multi-field's source)
  bool optional = false;  // `?field`
  event::FieldInfo info;  // the field's mapping
};

// Appends the encoded values of `field` in `doc` (sequence_key.h) to *values;
// returns how many.
size_t ReadJoinKeyValues(event::Json doc, const JoinKeyField& field,
                         std::vector<std::string>* values);

// Appends the stage's keys for `doc` to *keys (duplicates removed), at most
// `limit`; returns how many combinations there were (0 when the event has
// no value for a required key field).
size_t ReadJoinKeys(event::Json doc, std::span<const JoinKeyField> fields, size_t limit,
                    std::vector<std::string>* keys);

}  // namespace picket::eql
