// The seam between HTTP ingest and the detection engine, in the engine's
// two stages (engine/rule_unit.h):
//
//  * Matcher (one per matching thread): the stateless, per-event work —
//    which conditions of which rules an event matches. Any number run at
//    once, on any events.
//  * Evaluate (one thread, in arrival order): the stateful decisions for an
//    event that matched something (first-seen, later sequences, thresholds,
//    suppression) and its alerts.
//
// The engine adapter (engine_evaluator.h) implements it over
// engine::Detector; tests use fakes.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "engine/event_matcher.h"
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

  class Matcher {
   public:
    virtual ~Matcher() = default;
    // The matching thread brackets each batch of events with these (the
    // adapter uses them to read its counters consistently).
    virtual void BeginBatch() {}
    virtual void EndBatch() {}
    // Fills *match; false when the event matched nothing, so that it needs
    // no decision.
    virtual bool Match(const IngestEvent& event, engine::MatchResult* match) = 0;
  };

  virtual ~Evaluator() = default;
  // A matcher for one more thread; all are created before events flow.
  virtual std::unique_ptr<Matcher> NewMatcher() = 0;
  // The decisions for one matched event, in arrival order, on one thread:
  // updates state (not yet durable) and calls `emit` for each alert.
  virtual void Evaluate(const IngestEvent& event, const engine::MatchResult& match,
                        const Emit& emit) = 0;
  // After the group's last Evaluate, before its commit: alerts held back
  // until then (suppressed alerts' newest counts), through `emit`.
  virtual void FinishGroup(const Emit& emit) {}
  // The deciding thread brackets each group commit's decisions with these.
  virtual void BeginGroup() {}
  virtual void EndGroup() {}

  // Decisions made by a shared store (docs/redis.md), inside BeginGroup /
  // EndGroup: every matched event of the group is staged first, in arrival
  // order, then resolved at once (false: the store could not decide, and
  // nothing of the group may be acknowledged), then evaluated in the same
  // order.
  virtual void Stage(const IngestEvent& event, const engine::MatchResult& match) {}
  virtual bool ResolveStaged(std::string* error) { return true; }
};

}  // namespace picket::serve
