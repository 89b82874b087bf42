// Evaluator over engine::Detector: the production seam between `picket
// serve` and the detection engine. Adds nothing to the engine's semantics;
// it passes the bulk action's index and _id through, so rules are scoped by
// the index the shipper wrote to and alert ids are stable across replays.
#pragma once
#include <mutex>
#include <vector>

#include "engine/detector.h"
#include "serve/evaluator.h"
#include "serve/metrics.h"

namespace picket::serve {

class EngineEvaluator : public Evaluator {
 public:
  explicit EngineEvaluator(engine::Detector* detector) : detector_(detector) {}
  void Evaluate(const IngestEvent& event, const Emit& emit) override;

  // Per-rule engine counters for /_picket/stats and /metrics: copied by the
  // worker thread after each group (AfterGroup), read by HTTP threads.
  void AfterGroup() override;
  std::string RulesJson() const;
  std::string RulesPrometheus() const;

 private:
  engine::Detector* detector_;
  mutable std::mutex mu_;
  std::vector<engine::RuleStats> snapshot_;
};

}  // namespace picket::serve
