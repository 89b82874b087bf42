#include "serve/engine_evaluator.h"

#include "engine/json_text.h"

namespace picket::serve {

namespace {
engine::EventRef RefOf(const IngestEvent& event) {
  engine::EventRef ref;
  ref.doc = event.doc;
  ref.raw = event.raw;
  ref.index = event.index;
  ref.doc_id = event.doc_id;
  ref.received_raw = event.received_raw;
  ref.origin = event.index;
  return ref;
}
}  // namespace

class EngineEvaluator::DetectorMatcher : public Evaluator::Matcher {
 public:
  DetectorMatcher(engine::EventMatcher* matcher, std::mutex* matching)
      : matcher_(matcher), matching_(matching) {}
  void BeginBatch() override { matching_->lock(); }
  void EndBatch() override { matching_->unlock(); }
  bool Match(const IngestEvent& event, engine::MatchResult* match) override {
    matcher_->Match(RefOf(event), match);
    return !match->matched.empty();
  }

 private:
  engine::EventMatcher* matcher_;
  std::mutex* matching_;
};

std::unique_ptr<Evaluator::Matcher> EngineEvaluator::NewMatcher() {
  matching_.emplace_back();
  return std::make_unique<DetectorMatcher>(detector_->AddMatcher(), &matching_.back());
}

namespace {
// The engine's alerts as the ingest worker takes them.
engine::Detector::AlertSink EmitEach(const Evaluator::Emit& emit) {
  return [&emit](const engine::Alert& alert) {
    EmittedAlert out;
    out.id = alert.uuid;
    out.rule_id = alert.rule->rule_id;
    out.rule_name = alert.rule->name;
    out.json = alert.json;
    emit(out);
  };
}
}  // namespace

void EngineEvaluator::Evaluate(const IngestEvent& event, const engine::MatchResult& match,
                               const Emit& emit) {
  detector_->Decide(RefOf(event), match, /*learn_only=*/false, EmitEach(emit));
}

void EngineEvaluator::FinishGroup(const Emit& emit) {
  detector_->FlushSuppressionUpdates(EmitEach(emit));
}

void EngineEvaluator::Stage(const IngestEvent& event, const engine::MatchResult& match) {
  detector_->Stage(RefOf(event), match, /*learn_only=*/false);
}

std::vector<engine::RuleStats> EngineEvaluator::Snapshot() const {
  std::lock_guard<std::mutex> decisions(deciding_);
  for (std::mutex& m : matching_) m.lock();
  std::vector<engine::RuleStats> stats = detector_->stats();
  for (std::mutex& m : matching_) m.unlock();
  return stats;
}

std::string EngineEvaluator::RulesJson() const {
  std::vector<engine::RuleStats> snapshot = Snapshot();
  std::string out = "{";
  const auto& rules = detector_->rules();  // fixed after construction
  for (size_t r = 0; r < rules.size() && r < snapshot.size(); ++r) {
    const engine::RuleStats& s = snapshot[r];
    if (r) out += ',';
    engine::AppendJsonString(&out, rules[r]->rule_id);
    out += ":{\"name\":";
    engine::AppendJsonString(&out, rules[r]->name);
    out += ",\"candidates\":" + std::to_string(s.candidates) +
           ",\"matched\":" + std::to_string(s.matched) + ",\"alerts\":" + std::to_string(s.alerts) +
           ",\"no_time\":" + std::to_string(s.no_time) +
           ",\"missing_terms\":" + std::to_string(s.missing_terms) +
           ",\"late\":" + std::to_string(s.late) +
           ",\"max_signals_suppressed\":" + std::to_string(s.max_signals_suppressed) +
           ",\"dropped_groups\":" + std::to_string(s.dropped_groups) +
           ",\"dropped_events\":" + std::to_string(s.dropped_events) +
           ",\"alerts_not_fed_back\":" + std::to_string(s.alerts_not_fed_back) + "}";
  }
  out += "}";
  return out;
}

std::string EngineEvaluator::RulesPrometheus() const {
  std::vector<engine::RuleStats> snapshot = Snapshot();
  std::string out;
  const auto& rules = detector_->rules();
  // Alerts per rule are reported by ServeMetrics (picket_rule_alerts_total).
  const char* names[] = {"candidates", "matched", "late"};
  for (const char* name : names) {
    out += std::string("# TYPE picket_rule_") + name + "_total counter\n";
    for (size_t r = 0; r < rules.size() && r < snapshot.size(); ++r) {
      const engine::RuleStats& s = snapshot[r];
      uint64_t v = name == names[0] ? s.candidates : name == names[1] ? s.matched : s.late;
      std::string id;
      for (char c : rules[r]->rule_id)
        if (c != '"' && c != '\\' && c != '\n') id.push_back(c);
      out += std::string("picket_rule_") + name + "_total{rule_id=\"" + id + "\"} " +
             std::to_string(v) + "\n";
    }
  }
  return out;
}

}  // namespace picket::serve
