// Join keys of sequences and samples, encoded as byte strings.
//
// A join key is the tuple of an event's `by` values for one stage. The
// matcher compares keys only for equality (byte equality of the encoding),
// so values must be normalised by the caller the way Elasticsearch reads
// them (a keyword field's number as its text, a long as an integer, ...).
// Values of different types never join: Elasticsearch compares key values
// with Java equals, where the string "1", the long 1 and the double 1.0
// differ.
//
// Encoding of one value: a tag byte, then
//   'n' null                  (an optional `?field` with no value)
//   'f' / 't' false / true
//   'i' 8-byte big-endian int64 with the sign bit flipped
//   'd' 8-byte big-endian double, order-preserving bit trick
//   's' 4-byte big-endian length, then the UTF-8 bytes
// A key is the concatenation of its values.
//
// Multi-valued key fields: Elasticsearch joins on every combination (the
// cartesian product), enumerated with the last key position varying
// slowest (TumblingWindow.extractJoinKeys); JoinKeyProduct reproduces that
// order, which matters because of ties between keys completing on one event.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace picket::eql {

void AppendKeyNull(std::string* key);
void AppendKeyBool(std::string* key, bool value);
void AppendKeyInt(std::string* key, int64_t value);
void AppendKeyDouble(std::string* key, double value);
void AppendKeyString(std::string* key, std::string_view value);

// Number of values in an encoded key; -1 when the bytes are not a key.
int JoinKeySize(std::string_view key);

// The key as a JSON array, e.g. ["host-1",42,null], as Elasticsearch writes
// `join_keys` (doubles in the shortest form that reads back, integers as
// integers). A malformed key gives "[]".
void AppendJoinKeyJson(std::string* out, std::string_view key);

// Order of composite aggregation buckets (sample results are returned by
// key): position by position, null first, then booleans, numbers
// (integers and doubles compared numerically), strings by bytes.
int CompareJoinKeys(std::string_view a, std::string_view b);

// Every combination of one encoded value per position (values[i] lists the
// encoded values of key position i; an empty list stands for null), in
// Elasticsearch's order, at most `limit` of them appended to *keys.
// Returns the number of combinations there were (may exceed `limit`).
size_t JoinKeyProduct(const std::vector<std::vector<std::string>>& values, size_t limit,
                      std::vector<std::string>* keys);

}  // namespace picket::eql
