// The seam between HTTP ingest and the detection engine: serve hands each
// accepted event to an Evaluator and writes the alerts it emits. The engine
// adapter (engine_evaluator.h) implements it over engine::Detector; tests
// use fakes.
#pragma once
#include <functional>
#include <string_view>

#include "event/document.h"

namespace picket::serve {

struct IngestEvent {
  event::Json doc;
  std::string_view raw;     // the source line (with event.ingested added, if it was)
  std::string_view index;   // the bulk action's index (scopes rules)
  std::string_view doc_id;  // the action's _id, "" when none was given
  // The source as received when `raw` is picket's rewrite of it (with
  // event.ingested added); "" = raw. Alert ids derive from it.
  std::string_view received_raw;
};

struct EmittedAlert {
  std::string_view id;  // deterministic alert id
  std::string_view rule_id;
  std::string_view rule_name;
  std::string_view json;  // the alert document, one line, no newline
};

class Evaluator {
 public:
  using Emit = std::function<void(const EmittedAlert&)>;
  virtual ~Evaluator() = default;
  // Evaluates one event against the loaded rules, updating first-seen state
  // (not yet durable) and calling `emit` for each alert, in order.
  virtual void Evaluate(const IngestEvent& event, const Emit& emit) = 0;
  // Called by the worker thread after each group commit (a safe point to
  // publish counters to other threads).
  virtual void AfterGroup() {}
};

}  // namespace picket::serve
