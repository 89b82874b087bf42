// A small notation for sequence conformance cases.
//
//   SeqCase c("A B !C", /*maxspan_ms=*/0);   // stages A, B, missing C; "A*3" = runs=3
//   c.E("A1", 1000, "A").E("B1", 2000, "B", "host-2").E("U1", 1500, "U");
//   c.Batch()  -> {"x: A1 B1", ...}
//
// Each event has a name, a timestamp in ms, the stages it matches (letters;
// "U" = the until condition) and a join key (one value: a string, "x" by
// default; "#12" the integer 12; "~" null; "-" = no key, the event is not
// given to the matcher). Results are printed as
// "<key>: <event names per position>", "_" at missing positions.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "eql/sample_matcher.h"
#include "eql/sequence_batch.h"
#include "eql/sequence_spec.h"
#include "eql/sequence_stream.h"
#include "state/record_store.h"

namespace picket::eql::testing {

std::vector<std::string> Sorted(std::vector<std::string> v);

struct CaseEvent {
  std::string name;
  TimeMs time = 0;
  std::string stages;  // letters of the stages matched; 'U' = until
  std::vector<std::string> keys{"x"};
  std::string index;
  std::optional<TimeMs> window_time;  // default: time
  Tiebreaker tiebreaker;
};

class SeqCase {
 public:
  explicit SeqCase(const std::string& stages, int64_t maxspan_ms = 0);
  // A sample (`sample by ...`) over the same notation.
  static SeqCase Sample(const std::string& stages, uint32_t max_samples_per_key = 1);

  SeqCase& E(std::string name, TimeMs time, std::string stages, std::string key = "x");
  // An event with several join-key values (a multi-valued `by` field).
  SeqCase& Multi(std::string name, TimeMs time, std::string stages, std::vector<std::string> keys);
  SeqCase& Add(CaseEvent e);
  // The same spec with other events.
  SeqCase WithEvents(std::vector<CaseEvent> events) const {
    SeqCase c = *this;
    c.events_ = std::move(events);
    return c;
  }

  std::vector<std::string> Batch(size_t size = 0, ResultPosition position = ResultPosition::kHead,
                                 int64_t lookback_ms = 0, bool finish = true) const;

  // The same events through a SequenceStream, in `order` (indices into
  // events(); default: as added), then Flush unless `flush` is false.
  // Sequences in the order they were reported. `store` null = a fresh
  // memory store; `stats` receives the stream's counters.
  std::vector<std::string> Stream(StreamOptions options = {.max_disorder_ms = -1},
                                  std::vector<size_t> order = {}, bool flush = true,
                                  state::RecordStore* store = nullptr,
                                  StreamStats* stats = nullptr) const;

  // Feeds event i (an index into events()) to `stream`, or with kFlush
  // flushes it; reported sequences are appended to *out.
  static constexpr size_t kFlush = SIZE_MAX;
  void Feed(SequenceStream* stream, size_t i, std::vector<std::string>* out) const;

  const SequenceSpec& spec() const { return spec_; }
  const std::vector<CaseEvent>& events() const { return events_; }
  // Stage mask of a letters string, and whether it has 'U'.
  uint64_t Mask(const std::string& letters) const;

  // "<key>: A1 B1" for a hit whose ids index events().
  std::string Format(const std::string& key, const std::vector<uint64_t>& ids,
                     const std::vector<std::string>& names) const;

 private:
  SequenceSpec spec_;
  std::string letters_;  // stage letter per written stage
  std::vector<CaseEvent> events_;
};

}  // namespace picket::eql::testing
