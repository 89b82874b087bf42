// Evaluator over engine::Detector: the production seam between `picket
// serve` and the detection engine. Adds nothing to the engine's semantics;
// it passes the bulk action's index and _id (and the source as received)
// through, so rules are scoped by the index the shipper wrote to and alert
// ids are stable across replays.
//
// Matchers are the detector's own (Detector::AddMatcher), one per matching
// thread; Evaluate is Detector::Decide. The per-rule counters mix both
// (candidates come from the matchers, the rest from the decisions), so
// RulesJson/RulesPrometheus read them between batches and outside a group:
// each matcher holds its own lock per batch, decisions one per group, and
// the reader takes them all.
#pragma once
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "engine/detector.h"
#include "serve/evaluator.h"

namespace picket::serve {

class EngineEvaluator : public Evaluator {
 public:
  explicit EngineEvaluator(engine::Detector* detector) : detector_(detector) {}

  std::unique_ptr<Matcher> NewMatcher() override;
  void Evaluate(const IngestEvent& event, const engine::MatchResult& match,
                const Emit& emit) override;
  void FinishGroup(const Emit& emit) override;
  void BeginGroup() override { deciding_.lock(); }
  void EndGroup() override { deciding_.unlock(); }
  void Stage(const IngestEvent& event, const engine::MatchResult& match) override;
  bool ResolveStaged(std::string* error) override { return detector_->ResolveStaged(error); }

  // Per-rule engine counters for /_picket/stats and /metrics (any thread).
  std::string RulesJson() const;
  std::string RulesPrometheus() const;

 private:
  class DetectorMatcher;
  std::vector<engine::RuleStats> Snapshot() const;

  engine::Detector* detector_;
  mutable std::deque<std::mutex> matching_;  // one per matcher: a batch being matched
  mutable std::mutex deciding_;              // a group being decided
};

}  // namespace picket::serve
