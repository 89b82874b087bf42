#include "serve/engine_evaluator.h"

#include "engine/json_text.h"

namespace picket::serve {

void EngineEvaluator::Evaluate(const IngestEvent& event, const Emit& emit) {
  engine::EventRef ref;
  ref.doc = event.doc;
  ref.raw = event.raw;
  ref.index = event.index;
  ref.doc_id = event.doc_id;
  ref.received_raw = event.received_raw;
  ref.origin = event.index;
  detector_->Process(ref, /*learn_only=*/false, [&](const engine::Alert& alert) {
    EmittedAlert out;
    out.id = alert.uuid;
    out.rule_id = alert.rule->rule_id;
    out.rule_name = alert.rule->name;
    out.json = alert.json;
    emit(out);
  });
}

void EngineEvaluator::AfterGroup() {
  std::lock_guard<std::mutex> lock(mu_);
  snapshot_ = detector_->stats();
}

std::string EngineEvaluator::RulesJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out = "{";
  const auto& rules = detector_->rules();  // fixed after construction
  for (size_t r = 0; r < rules.size() && r < snapshot_.size(); ++r) {
    const engine::RuleStats& s = snapshot_[r];
    if (r) out += ',';
    engine::AppendJsonString(&out, rules[r]->rule_id);
    out += ":{\"name\":";
    engine::AppendJsonString(&out, rules[r]->name);
    out += ",\"candidates\":" + std::to_string(s.candidates) +
           ",\"matched\":" + std::to_string(s.matched) + ",\"alerts\":" + std::to_string(s.alerts) +
           ",\"no_time\":" + std::to_string(s.no_time) +
           ",\"missing_terms\":" + std::to_string(s.missing_terms) +
           ",\"late\":" + std::to_string(s.late) +
           ",\"max_signals_suppressed\":" + std::to_string(s.max_signals_suppressed) + "}";
  }
  out += "}";
  return out;
}

std::string EngineEvaluator::RulesPrometheus() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  const auto& rules = detector_->rules();
  // Alerts per rule are reported by ServeMetrics (picket_rule_alerts_total).
  const char* names[] = {"candidates", "matched", "late"};
  for (const char* name : names) {
    out += std::string("# TYPE picket_rule_") + name + "_total counter\n";
    for (size_t r = 0; r < rules.size() && r < snapshot_.size(); ++r) {
      const engine::RuleStats& s = snapshot_[r];
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
