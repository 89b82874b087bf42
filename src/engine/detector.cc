#include "engine/detector.h"

#include <fmt/format.h>

#include "engine/alert_id.h"
#include "engine/rule_mappings.h"

namespace picket::engine {

namespace {
constexpr uint64_t kExpireEvery = 4096;

std::string_view FirstStringOr(event::Json doc, std::string_view field) {
  std::string_view value;
  return event::FirstString(doc, field, &value) ? value : std::string_view();
}

// What every alert built from one source document shares: the rule's
// mappings and reason read from the source (into *alert, whose uuid is set),
// and the facts naming the rule, the alert and the run (views into *alert).
AlertFacts DescribeAlert(const RuleUnit& unit, event::Json source, TimeMs alert_time,
                         const AlertSettings* settings, Alert* alert) {
  const rules::Rule& rule = unit.rule();
  alert->severity = MappedSeverity(source, rule);
  alert->risk_score = MappedRiskScore(source, rule);
  alert->reason = BuildReason(source, rule, alert->severity);
  AlertFacts facts;
  facts.rule = &rule;
  facts.rule_uuid = unit.rule_uuid();
  facts.alert_uuid = alert->uuid;
  facts.alert_time = alert_time;
  facts.severity = alert->severity;
  facts.risk_score = alert->risk_score;
  facts.settings = settings;
  facts.reason = alert->reason;
  return facts;
}
}  // namespace

// The AlertOutput of one unit: routes its requests to the detector with
// the unit's position.
class Detector::UnitOutput : public AlertOutput {
 public:
  UnitOutput(Detector* detector, size_t unit) : detector_(detector), unit_(unit) {}
  void EventAlert(const MatchedEvent& event, std::vector<std::string> new_terms,
                  std::optional<TimeMs> event_time) override {
    detector_->EmitEventAlert(unit_, event, std::move(new_terms), event_time);
  }
  void Problem(const MatchedEvent& event, std::string_view problem) override {
    detector_->ReportProblem(unit_, event.ref.Origin(), problem);
  }
  void Problem(std::string_view origin, std::string_view problem) override {
    detector_->ReportProblem(unit_, origin, problem);
  }
  void SequenceAlerts(std::span<const SequenceEvent> events, TimeMs time,
                      std::string_view origin) override {
    detector_->EmitSequenceAlerts(unit_, events, time, origin);
  }
  bool ThresholdAlert(const ThresholdResult& result, const MatchedEvent& event) override {
    return detector_->EmitThresholdAlert(unit_, result, event);
  }

 private:
  Detector* detector_;
  size_t unit_;
};

Detector::Detector(std::vector<std::shared_ptr<const rules::Rule>> rules, const StateStores& stores,
                   DetectorOptions options)
    : stores_(stores), options_(std::move(options)) {
  if (!options_.types) options_.types = event::FieldTypes::BuiltIn();
  // A fixed alert clock makes the whole output reproducible, execution uuid included.
  if (options_.alert.execution_uuid.empty())
    options_.alert.execution_uuid =
        ExecutionUuid(options_.alert_time ? std::to_string(options_.alert_time) : "");
  UnitSettings settings;
  settings.types = options_.types;
  settings.max_combinations_per_event = options_.max_combinations_per_event;
  conditions_ = std::make_shared<ConditionSet>();
  conditions_->types = options_.types;
  for (auto& rule : rules) {
    if (!rule) continue;
    std::string why;
    std::unique_ptr<RuleUnit> unit = MakeRuleUnit(rule, stores_, settings, &why, &warnings_);
    if (!unit) {
      warnings_.push_back(fmt::format("{}: rule '{}': {}; skipped", rule->path, rule->name, why));
      continue;
    }
    auto position = static_cast<uint32_t>(units_.size());
    std::vector<Condition> conditions = unit->Conditions(*options_.types);
    for (uint32_t stage = 0; stage < conditions.size(); ++stage) {
      ConditionSet::Entry entry;
      entry.unit = position;
      entry.stage = stage;
      entry.matcher = conditions[stage].matcher;
      entry.index_patterns = &rule->index;
      entry.facts = std::move(conditions[stage].facts);
      conditions_->entries.push_back(std::move(entry));
    }
    rules_.push_back(rule);
    units_.push_back(std::move(unit));
  }
  stats_.resize(units_.size());
  matcher_options_.default_index = options_.default_index;
  matcher_options_.use_rule_index = options_.use_rule_index;
  AddMatcher();
}

Detector::~Detector() = default;

EventMatcher* Detector::AddMatcher() {
  matchers_.push_back(std::make_unique<EventMatcher>(conditions_, matcher_options_));
  return matchers_.back().get();
}

void Detector::Process(const EventRef& event, bool learn_only, const AlertSink& on_alert) {
  matchers_[0]->Match(event, &match_);
  Decide(event, match_, learn_only, on_alert);
}

template <typename Visit>
void Detector::ForEachMatchedUnit(const MatchResult& match, Visit visit) {
  const auto& entries = conditions_->entries;
  // Matched conditions are ascending and a unit's are consecutive: one call
  // per unit with all its matched stages.
  for (size_t i = 0; i < match.matched.size();) {
    uint32_t unit = entries[match.matched[i]].unit;
    stages_.clear();
    for (; i < match.matched.size() && entries[match.matched[i]].unit == unit; ++i)
      stages_.push_back(entries[match.matched[i]].stage);
    visit(unit);
  }
}

void Detector::Decide(const EventRef& event, const MatchResult& match, bool learn_only,
                      const AlertSink& on_alert) {
  ++events_;
  on_alert_ = &on_alert;
  MatchedEvent matched{event, match.index};
  ForEachMatchedUnit(match, [&](uint32_t unit) {
    ++units_[unit]->stats().matched;
    UnitOutput out(this, unit);
    units_[unit]->OnMatch(matched, stages_, learn_only, out);
  });
  on_alert_ = nullptr;
  if (events_ % kExpireEvery == 0) MaybeExpire();
}

void Detector::Finish(const AlertSink& on_alert) {
  on_alert_ = &on_alert;
  for (size_t u = 0; u < units_.size(); ++u) {
    UnitOutput out(this, u);
    units_[u]->Finish(out);
  }
  on_alert_ = nullptr;
}

void Detector::ReportProblem(size_t unit, std::string_view origin, std::string_view problem) {
  if (problem_sink_) problem_sink_(units_[unit]->rule(), origin, problem);
}

void Detector::EmitSequenceAlerts(size_t u, std::span<const SequenceEvent> events, TimeMs time,
                                  std::string_view origin) {
  RuleUnit& unit = *units_[u];
  TimeMs alert_time = options_.alert_time ? options_.alert_time : NowMs();
  if (options_.apply_max_signals && !WithinMaxSignals(u, time, origin)) return;
  AlertFacts facts;
  facts.rule = &unit.rule();
  facts.rule_uuid = unit.rule_uuid();
  facts.alert_time = alert_time;
  facts.settings = &options_.alert;
  std::vector<SequenceAlert> built;
  std::string error;
  if (!BuildSequenceAlerts(builder_, facts, events, &built, &error)) {
    ReportProblem(u, origin, "cannot build sequence alerts: " + error);
    return;
  }
  for (SequenceAlert& a : built) {
    Alert alert;
    alert.rule = &unit.rule();
    alert.uuid = std::move(a.uuid);
    alert.json = std::move(a.json);
    alert.reason = std::move(a.reason);
    alert.event_time = time;
    alert.sequence_events = events.size();
    if (a.shell) {
      alert.origin = std::string(origin);
    } else {
      // Each building block is its own event: its index and where it was read.
      const SequenceEvent& e = events[a.position];
      alert.building_block = a.position;
      if (!e.missing) alert.index = std::string(e.index);
      alert.origin = std::string(e.origin);
    }
    ++unit.stats().alerts;
    if (on_alert_ && *on_alert_) (*on_alert_)(alert);
  }
}

bool Detector::EmitThresholdAlert(size_t u, const ThresholdResult& result,
                                  const MatchedEvent& event) {
  RuleUnit& unit = *units_[u];
  const rules::Rule& rule = unit.rule();
  TimeMs alert_time = options_.alert_time ? options_.alert_time : NowMs();
  std::string origin = event.ref.Origin();
  if (options_.apply_max_signals && !WithinMaxSignals(u, result.last, origin)) return false;
  // The group's own document is the alert's source: mappings and the
  // reason read it as Kibana reads the synthetic hit.
  std::string source = ThresholdSourceJson(result);
  simdjson::dom::parser parser;
  event::Json doc;
  if (parser.parse(source).get(doc)) {
    ReportProblem(u, origin, "cannot build threshold alert: unreadable group source");
    return false;
  }
  std::string source_id = ThresholdSourceId(unit.rule_uuid(), result);
  std::string indices;
  for (const std::string& pattern : rule.index) indices += (indices.empty() ? "" : ",") + pattern;
  std::string threshold_result = ThresholdResultJson(result);
  Alert alert;
  alert.rule = &rule;
  alert.uuid = AlertUuid(unit.rule_uuid(), source_id, {});
  alert.event_time = result.last;
  alert.origin = std::string(origin);
  alert.threshold = result;
  AlertFacts facts = DescribeAlert(unit, doc, alert_time, &options_.alert, &alert);
  facts.event_index = indices;
  facts.source_id = source_id;
  facts.threshold_result_json = threshold_result;
  std::string error;
  if (!builder_.Build(source, facts, &alert.json, &error)) {
    ReportProblem(u, origin, "cannot build threshold alert: " + error);
    return false;
  }
  ++unit.stats().alerts;
  if (on_alert_ && *on_alert_) (*on_alert_)(alert);
  return true;
}

void Detector::Stage(const EventRef& event, const MatchResult& match, bool learn_only) {
  MatchedEvent matched{event, match.index};
  ForEachMatchedUnit(match,
                     [&](uint32_t unit) { units_[unit]->Stage(matched, stages_, learn_only); });
}

bool Detector::ResolveStaged(std::string* error) {
  return (!stores_.terms || stores_.terms->ResolveStaged(error)) &&
         (!stores_.records || stores_.records->ResolveStaged(error));
}

void Detector::EmitEventAlert(size_t u, const MatchedEvent& event,
                              std::vector<std::string> new_terms,
                              std::optional<TimeMs> event_time) {
  RuleUnit& unit = *units_[u];
  const rules::Rule& rule = unit.rule();
  TimeMs alert_time = options_.alert_time ? options_.alert_time : NowMs();
  if (options_.apply_max_signals &&
      !WithinMaxSignals(u, event_time.value_or(alert_time), event.ref.Origin()))
    return;
  const EventRef& ref = event.ref;
  Alert alert;
  alert.rule = &rule;
  alert.new_terms = std::move(new_terms);
  alert.event_time = event_time;
  alert.index = std::string(event.index);
  alert.origin = ref.Origin();
  alert.uuid = AlertUuid(unit.rule_uuid(), EventIdentityOf(event), alert.new_terms);
  std::string source_id = SourceDocumentId(ref.doc_id, FirstStringOr(ref.doc, "event.id"), ref.raw);
  AlertFacts facts = DescribeAlert(unit, ref.doc, alert_time, &options_.alert, &alert);
  facts.event_index = event.index;
  facts.source_id = source_id;
  facts.new_terms = rule.type == rules::RuleType::kNewTerms ? &alert.new_terms : nullptr;
  std::string error;
  if (!builder_.Build(ref.raw, facts, &alert.json, &error)) {
    ReportProblem(u, ref.Origin(), "cannot build alert: " + error);
    return;
  }
  ++unit.stats().alerts;
  if (on_alert_ && *on_alert_) (*on_alert_)(alert);
}

bool Detector::WithinMaxSignals(size_t u, TimeMs time, std::string_view origin) {
  RuleUnit& unit = *units_[u];
  const rules::Rule& rule = unit.rule();
  auto verdict = max_signals_.Take(u, time, rule.interval_ms, rule.max_signals);
  if (verdict == MaxSignalsBudget::Verdict::kAdmit) return true;
  ++unit.stats().max_signals_suppressed;
  if (verdict == MaxSignalsBudget::Verdict::kFirstRefusal)
    ReportProblem(
        u, origin,
        fmt::format("max_signals ({}) reached in the {} interval from {}; further alerts of that "
                    "interval are counted, not written",
                    rule.max_signals, rule.interval,
                    FormatIso8601(MaxSignalsBudget::BucketStart(time, rule.interval_ms))));
  return false;
}

void Detector::MaybeExpire() {
  // Each store forgets only what no unit can still need: the smallest of
  // the units' thresholds.
  std::optional<TimeMs> terms, records;
  auto lower = [](std::optional<TimeMs>* low, std::optional<TimeMs> t) {
    if (t && (!*low || *t < **low)) *low = t;
  };
  for (const auto& unit : units_) {
    lower(&terms, unit->TermExpiryThreshold());
    lower(&records, unit->RecordExpiryThreshold());
  }
  if (stores_.terms && terms) stores_.terms->Expire(*terms);
  if (stores_.records && records) stores_.records->Expire(*records);
}

const std::vector<RuleStats>& Detector::stats() const {
  for (size_t u = 0; u < units_.size(); ++u) {
    stats_[u] = units_[u]->stats();
    stats_[u].candidates = 0;
  }
  for (const auto& matcher : matchers_) {
    const std::vector<uint64_t>& counts = matcher->candidate_counts();
    for (size_t c = 0; c < counts.size(); ++c)
      stats_[conditions_->entries[c].unit].candidates += counts[c];
  }
  return stats_;
}

}  // namespace picket::engine
