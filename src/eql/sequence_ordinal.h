// The order of events in a sequence, as Elasticsearch sorts them
// (execution/search/Ordinal.java): by timestamp, then by the
// `tiebreaker_field` value (events without one after those with one), then
// by the implicit tiebreaker Elasticsearch adds to every point-in-time search,
// `_shard_doc`: the shard's position in the search (shards are ordered by
// index name) and the document's number in the shard (indexing order).
//
// picket has no shards; it stands in the event's index name for the shard
// and its arrival number for the document (one shard per index, as data
// streams have by default). So two events with the same timestamp and no
// tiebreaker are ordered by index name first, then by arrival.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "util/time.h"

namespace picket::eql {

struct Tiebreaker {
  enum class Kind : uint8_t { kNone, kInt, kDouble, kString };
  Kind kind = Kind::kNone;
  int64_t i = 0;
  double d = 0;
  std::string s;

  static Tiebreaker Int(int64_t v) { return {Kind::kInt, v, 0, {}}; }
  static Tiebreaker Double(double v) { return {Kind::kDouble, 0, v, {}}; }
  static Tiebreaker String(std::string v) { return {Kind::kString, 0, 0, std::move(v)}; }
  bool operator==(const Tiebreaker&) const = default;
};

struct Ordinal {
  TimeMs time = 0;  // the timestamp field, in milliseconds
  Tiebreaker tiebreaker;
  // Implicit tiebreaker, first part (shard order). A view: whoever holds the
  // ordinal owns the name (the batch's or the record's table of names).
  std::string_view index;
  uint64_t seq = 0;  // implicit tiebreaker, second part (arrival order)
  bool operator==(const Ordinal&) const = default;
};

// < 0, 0, > 0. Numbers compare numerically, strings by bytes, numbers
// before strings (Elasticsearch would refuse a tiebreaker field of mixed
// types).
int CompareTiebreakers(const Tiebreaker& a, const Tiebreaker& b);
int CompareOrdinals(const Ordinal& a, const Ordinal& b);
// Without the arrival numbers: timestamp, tiebreaker, index. An event that
// compares after a key's newest one this way cannot be one already seen.
int CompareOrdinalsButArrival(const Ordinal& a, const Ordinal& b);
inline bool operator<(const Ordinal& a, const Ordinal& b) { return CompareOrdinals(a, b) < 0; }

}  // namespace picket::eql
