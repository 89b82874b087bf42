// Which matches an Elasticsearch EQL search returns: matches are ordered by
// the timestamp field (events without one first), then the tiebreaker field
// (without one first), then arrival order; `| head n` keeps the first n of
// that order, `| tail n` the last n, applied left to right, and the API's
// `size` keeps the first `size` of what remains. The window is returned in
// ascending order.
//
// A ResultWindow keeps only what its first limit can need (the n smallest
// or largest keys), so memory is bounded by that n however many events
// match. With no pipe and no size it keeps nothing: callers stream matches
// in arrival order instead (selective() is false).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "eql/query.h"
#include "eql/value.h"
#include "event/document.h"
#include "util/time.h"

namespace picket::eql {

struct SortKey {
  bool has_time = false;
  TimeMs time = 0;
  Value tiebreaker;  // null when absent
  uint64_t arrival = 0;
};

// The sort key of an event: the first value of each field (a date string
// or epoch millis for the timestamp; a string or number for the
// tiebreaker).
SortKey SortKeyOf(event::Json event, const std::string& timestamp_field,
                  const std::string& tiebreaker_field, uint64_t arrival);

// Whether a sorts before b.
bool SortsBefore(const SortKey& a, const SortKey& b);

class ResultWindow {
 public:
  // size < 0: no size limit.
  ResultWindow(const std::vector<Pipe>& pipes, int64_t size);

  bool selective() const { return selective_; }
  void Add(SortKey key, std::string payload);
  // The selected payloads in ascending order.
  std::vector<std::string> Take();

 private:
  struct Item {
    SortKey key;
    std::string payload;
  };
  std::vector<Pipe> ops_;  // head/tail in order, then size as a head
  bool selective_ = false;
  bool keep_largest_ = false;  // the first limit is a tail
  size_t capacity_ = 0;
  std::vector<Item> heap_;
};

}  // namespace picket::eql
