// A conjunction whose parts are tried in the order that rejects events
// soonest, learned from the events themselves.
//
// A query's top-level `and` is evaluated left to right and stops at the
// first false part, so its cost per event is the cost of the parts tried
// before one fails. Written order is rarely the cheap one: the seed's shell
// query starts with `event.category:process`, true for ~60% of endpoint
// events, and tests 2.8 fields per event where leading with its rarest
// part (`process.name:(bash or ...)`, ~8%) tests 1.1. The parts are pure
// tests of one event, so any order gives the same answer; AdaptiveAnd
// counts how often each part holds over a sample of events (every part is
// evaluated on a sampled event) and then tries the parts rarest first,
// sampling again every `period` events to follow a stream that changes.
//
// Contract: Matches(doc, ctx) == every part matches doc, for every doc, in
// any order of calls. Not thread-safe (it keeps counts): one per thread.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "kql/ast.h"
#include "kql/matcher.h"

namespace picket::kql {

class AdaptiveAnd {
 public:
  static constexpr uint32_t kSample = 1024;      // events evaluated in full
  static constexpr uint32_t kPeriod = 1u << 16;  // events between samples

  explicit AdaptiveAnd(std::vector<std::unique_ptr<Matcher>> parts, uint32_t sample = kSample,
                       uint32_t period = kPeriod);

  bool Matches(event::Json doc, EvalContext* context);
  // The order the parts are tried in (indexes into the parts as given).
  const std::vector<uint32_t>& order() const { return order_; }

 private:
  void Reorder();

  std::vector<std::unique_ptr<Matcher>> parts_;
  std::vector<uint32_t> order_;
  std::vector<uint32_t> passes_;  // per part, over the current sample
  uint32_t sample_, period_;
  uint64_t seen_ = 0;  // events since the current sample began
};

// The parts of a query's top-level `and`, each compiled alone (as they are
// within the whole query), for AdaptiveAnd. Empty when the query is not an
// `and` of at least two parts, or a part does not compile alone.
std::vector<std::unique_ptr<Matcher>> CompileConjuncts(const Node& root,
                                                       const event::FieldTypes& types,
                                                       const CompileOptions& options = {});

}  // namespace picket::kql
