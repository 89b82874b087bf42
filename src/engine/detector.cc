#include "engine/detector.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/alert_id.h"
#include "engine/legacy_signal_fields.h"
#include "engine/rule_mappings.h"
#include "state/memory_record_store.h"

namespace picket::engine {

namespace {

// Whether the rule index may file a condition under a legacy signal.* field
// (or a field pattern, which could stand for one).
bool MayReadSignalFields(const kql::IndexFacts& facts) {
  auto signal = [](std::string_view f) {
    return f == "signal" || f.starts_with("signal.") || f.find('*') != std::string_view::npos;
  };
  auto any_term = [&](const std::vector<kql::RequiredTerms>& terms) {
    for (const kql::RequiredTerms& t : terms)
      if (signal(t.field)) return true;
    return false;
  };
  if (any_term(facts.terms)) return true;
  for (const kql::TermBranches& branches : facts.alternatives)
    for (const auto& branch : branches)
      if (any_term(branch)) return true;
  for (const std::string& f : facts.fields)
    if (signal(f)) return true;
  for (const auto& alternatives : facts.field_alternatives)
    for (const auto& branch : alternatives)
      for (const std::string& f : branch)
        if (signal(f)) return true;
  return false;
}
constexpr uint64_t kExpireEvery = 4096;
// Read-modify-write attempts of one suppression decision on a shared store.
constexpr int kSuppressionAttempts = 8;

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
  settings.max_lag_ms = options_.max_lag_ms;
  if (stores_.records) {
    payloads_ = std::make_unique<eql::EventPayloads>(stores_.records);
    settings.sequence_payloads = payloads_.get();
  }
  conditions_ = std::make_shared<ConditionSet>();
  conditions_->types = options_.types;
  alerts_index_ = AlertsIndexName(options_.alert.space_id);
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
    std::unique_ptr<AlertSuppressor> suppressor;
    if (rule->alert_suppression)
      suppressor = std::make_unique<AlertSuppressor>(*rule->alert_suppression, rule->interval_ms,
                                                     unit->rule_uuid(), SuppressionRecords());
    suppressors_.push_back(std::move(suppressor));
    reads_alerts_.push_back(ReadsAlerts(*rule, alerts_index_));
    rules_.push_back(rule);
    units_.push_back(std::move(unit));
  }
  stats_.resize(units_.size());
  matcher_options_.default_index = options_.default_index;
  matcher_options_.use_rule_index = options_.use_rule_index;
  AddMatcher();
  for (bool reads : reads_alerts_)
    if (reads) {
      feedback_matcher_ = AddMatcher();
      break;
    }
  // Whether a fed-back alert's signal.* copies can change the candidates
  // the rule index picks among the rules over alerts: only if one of them
  // is filed under a signal.* field (or a field pattern).
  aliases_leave_candidates_ = options_.use_rule_index;
  for (const ConditionSet::Entry& e : conditions_->entries)
    if (reads_alerts_[e.unit] && MayReadSignalFields(e.facts)) aliases_leave_candidates_ = false;
  // Whose alerts a rule over alerts could take at all: upstream, the 3 rules
  // over alerts each name a few rule ids, so nearly every alert would be
  // copied, parsed and looked up for nothing. Decided once per unit from the
  // facts of the conditions over alerts (with the rule index off, every
  // alert takes the full path: the reference this is tested against).
  feeds_back_.assign(units_.size(), feedback_matcher_ != nullptr);
  if (feedback_matcher_ && options_.use_rule_index) {
    const event::FieldTypes types = AlertRuleFieldTypes(*options_.types);
    std::vector<kql::IndexFacts> over_alerts;
    for (size_t u = 0; u < units_.size(); ++u)
      if (reads_alerts_[u])
        for (Condition& c : units_[u]->Conditions(types)) over_alerts.push_back(std::move(c.facts));
    for (size_t u = 0; u < units_.size(); ++u) {
      const AlertRuleFields fields{units_[u]->rule().rule_id, units_[u]->rule().name,
                                   units_[u]->rule_uuid()};
      feeds_back_[u] = std::any_of(
          over_alerts.begin(), over_alerts.end(),
          [&](const kql::IndexFacts& facts) { return MayMatchAlertsOf(facts, fields); });
    }
  }
}

Detector::~Detector() = default;

state::RecordStore* Detector::SuppressionRecords() {
  // A caller without a record store (no stateful rule types) still gets
  // suppression, in memory; the units keep seeing none.
  if (stores_.records) return stores_.records;
  if (!own_records_) own_records_ = std::make_unique<state::MemoryRecordStore>();
  return own_records_.get();
}

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
  if (payloads_) payloads_->NewEvent();
  ForEachMatchedUnit(match, [&](uint32_t unit) {
    ++units_[unit]->stats().matched;
    UnitOutput out(this, unit);
    units_[unit]->OnMatch(matched, stages_, learn_only, out);
  });
  FeedBackAlerts();
  on_alert_ = nullptr;
  if (events_ % kExpireEvery == 0) MaybeExpire(on_alert);
}

void Detector::FeedBackAlerts() {
  // The parser and its buffers are kept across calls (an alert is ~3-20
  // KB; a new parser allocated them again for every event with alerts).
  // Alerts raised while deciding on a fed-back alert are queued, not fed
  // back from within: this loop is never re-entered while `doc` is in use.
  simdjson::dom::parser& parser = feedback_parser_;
  MatchResult& match = feedback_match_;
  while (!feedback_.empty()) {
    FedAlert fed = std::move(feedback_.front());
    feedback_.pop_front();
    simdjson::dom::element doc;
    if (parser.parse(fed.raw).get(doc) != simdjson::SUCCESS) continue;  // built by us: valid
    EventRef ref;
    ref.doc = doc;
    ref.raw = fed.raw;
    ref.index = fed.index;
    ref.doc_id = fed.uuid;
    std::string origin = "alert " + fed.uuid;
    ref.origin = origin;
    if (aliases_leave_candidates_) {
      // Most alerts meet no rule over alerts (upstream: 3 of 695 read
      // alerts, each for a few rule ids): those skip the signal.* copies
      // and the second parse. The rule index keys no rule over alerts on a
      // signal.* field, so the copies could not add a candidate.
      bool any = false;
      for (uint32_t c : feedback_matcher_->Candidates(ref))
        if (reads_alerts_[conditions_->entries[c].unit]) {
          any = true;
          break;
        }
      if (!any) {
        feedback_matcher_->CountCandidates();
        continue;
      }
    }
    // Kibana's alerts index answers the legacy signal.* names as aliases.
    if (std::string aliases = LegacySignalFields(doc); !aliases.empty()) {
      fed.raw.insert(fed.raw.size() - 1, aliases);
      if (parser.parse(fed.raw).get(doc) != simdjson::SUCCESS) continue;
      ref.doc = doc;
      ref.raw = fed.raw;
    }
    feedback_matcher_->Match(ref, &match);
    MatchedEvent matched{ref, match.index};
    current_fed_ = &fed;
    if (payloads_) payloads_->NewEvent();
    ForEachMatchedUnit(match, [&](uint32_t unit) {
      // Only rules that asked for alerts, and never one the alert descends from.
      if (!reads_alerts_[unit]) return;
      for (const std::string& ancestor_rule : fed.lineage)
        if (ancestor_rule == units_[unit]->rule_uuid()) return;
      ++units_[unit]->stats().matched;
      UnitOutput out(this, unit);
      units_[unit]->OnMatch(matched, stages_, /*learn_only=*/false, out);
    });
    current_fed_ = nullptr;
  }
}

void Detector::Finish(const AlertSink& on_alert) {
  on_alert_ = &on_alert;
  for (size_t u = 0; u < units_.size(); ++u) {
    UnitOutput out(this, u);
    units_[u]->Finish(out);
  }
  FeedBackAlerts();
  on_alert_ = nullptr;
  FlushSuppressionUpdates(on_alert);
}

void Detector::ReportProblem(size_t unit, std::string_view origin, std::string_view problem) {
  if (problem_sink_) problem_sink_(units_[unit]->rule(), origin, problem);
}

void Detector::EmitSequenceAlerts(size_t u, std::span<const SequenceEvent> events, TimeMs time,
                                  std::string_view origin) {
  RuleUnit& unit = *units_[u];
  TimeMs alert_time = options_.alert_time ? options_.alert_time : NowMs();
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
  // The shell comes first (BuildSequenceAlerts); suppression decides on it.
  switch (SuppressSequence(u, time, origin, &built.front())) {
    case SequenceVerdict::kSuppressed:
      return;
    case SequenceVerdict::kRefused:
      ReportProblem(u, origin,
                    "alert suppression: the shared store kept refusing the new window; alert not "
                    "written");
      return;
    case SequenceVerdict::kWrite:
      break;
  }
  if (options_.apply_max_signals && !WithinMaxSignals(u, time, origin)) return;
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
    // The shell and its building blocks are all in Kibana's alerts index,
    // so rules over alerts read them all.
    FeedBack(u, alert, time, a.depth, a.ancestors_json);
  }
}

Detector::SequenceVerdict Detector::SuppressSequence(size_t u, TimeMs time, std::string_view origin,
                                                     SequenceAlert* shell) {
  AlertSuppressor* suppressor = suppressors_[u].get();
  if (!suppressor) return SequenceVerdict::kWrite;
  // Kibana (bulkCreateSuppressedSequencesInMemory) groups a sequence by the
  // group_by values of its shell alert, i.e. the values all its events
  // share; a suppressed sequence writes neither its shell nor its building
  // blocks. The window is in the sequence's time (its last event).
  simdjson::dom::parser parser;
  event::Json doc;
  if (parser.parse(shell->json).get(doc)) return SequenceVerdict::kWrite;
  for (int attempt = 0; attempt < kSuppressionAttempts; ++attempt) {
    std::optional<SuppressionGroup> group = suppressor->GroupOf(doc);
    if (!group) return SequenceVerdict::kWrite;  // doNotSuppress and a field missing
    if (CountIntoWindow(u, &group, time, std::nullopt, shell->uuid, "", origin))
      return SequenceVerdict::kSuppressed;
    if (!group) return SequenceVerdict::kWrite;  // the store refused to count: write
    // A new window: the shell carries the suppression fields, as the last
    // fields of its object (AlertBuilder's trailing fields).
    std::string json = shell->json;
    json.insert(json.size() - 1, AlertSuppressor::SuppressionFields(*group, time, time, 0));
    Alert opened;
    opened.uuid = shell->uuid;
    opened.json = json;
    if (!OpenWindow(u, *group, time, std::nullopt, opened)) continue;
    shell->json = std::move(json);
    return SequenceVerdict::kWrite;
  }
  return SequenceVerdict::kRefused;
}

bool Detector::EmitThresholdAlert(size_t u, const ThresholdResult& result,
                                  const MatchedEvent& event) {
  RuleUnit& unit = *units_[u];
  const rules::Rule& rule = unit.rule();
  std::string origin = event.ref.Origin();
  std::string source_id = ThresholdSourceId(unit.rule_uuid(), result);
  std::string uuid = AlertUuid(unit.rule_uuid(), source_id, {});
  AlertSuppressor* suppressor = suppressors_[u].get();
  for (int attempt = 0; attempt < kSuppressionAttempts; ++attempt) {
    // Kibana's threshold suppression: the group is the alert's threshold
    // terms; an alert counted into an open window is not written, and
    // counts as alerted for the signal history (true), as Kibana builds
    // the history from every alert it wrapped, suppressed ones included.
    std::optional<SuppressionGroup> group;
    if (suppressor) {
      std::vector<std::pair<std::string_view, std::string_view>> terms;
      for (const ThresholdTerm& t : result.terms) terms.emplace_back(t.field, t.value);
      group = suppressor->GroupOfTerms(terms);
      if (CountIntoWindow(u, &group, result.last, result.from, uuid, "", origin)) return true;
    }
    TimeMs alert_time = options_.alert_time ? options_.alert_time : NowMs();
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
    std::string indices;
    for (const std::string& pattern : rule.index) indices += (indices.empty() ? "" : ",") + pattern;
    std::string threshold_result = ThresholdResultJson(result);
    Alert alert;
    alert.rule = &rule;
    alert.uuid = uuid;
    alert.event_time = result.last;
    alert.origin = origin;
    alert.threshold = result;
    AlertFacts facts = DescribeAlert(unit, doc, alert_time, &options_.alert, &alert);
    facts.event_index = indices;
    facts.source_id = source_id;
    facts.threshold_result_json = threshold_result;
    // Kibana's suppressed threshold alert starts with its bucket's span
    // (min_timestamp, max_timestamp) and docs_count 0.
    std::string suppression_fields;
    if (group)
      suppression_fields = AlertSuppressor::SuppressionFields(*group, result.from, result.last, 0);
    facts.trailing_fields_json = suppression_fields;
    std::string error;
    if (!builder_.Build(source, facts, &alert.json, &error)) {
      ReportProblem(u, origin, "cannot build threshold alert: " + error);
      return false;
    }
    if (group && !OpenWindow(u, *group, result.last, result.from, alert)) continue;
    ++unit.stats().alerts;
    if (on_alert_ && *on_alert_) (*on_alert_)(alert);
    // Its source is the synthetic group hit, not an alert: depth 1 and an
    // "event" ancestor whatever it counted (Kibana's buildAncestors).
    FeedBack(u, alert, result.last, facts.depth, EventAncestorsJson(source_id, indices));
    return true;
  }
  ReportProblem(u, origin,
                "alert suppression: the shared store kept refusing the new window; alert not "
                "written");
  return false;
}

void Detector::FeedBack(size_t u, const Alert& alert, std::optional<TimeMs> event_time, int depth,
                        std::string_view ancestors) {
  if (!feedback_matcher_) return;
  // The bound counts the rules the alert descends from as well as its
  // written depth: a threshold alert is written at depth 1 whatever it
  // counted, so chains through threshold rules would not grow the depth.
  int hops = current_fed_ ? static_cast<int>(current_fed_->lineage.size()) + 1 : 1;
  if (std::max(depth, hops) >= options_.max_alert_depth) return;
  if (!feeds_back_[u]) {
    // No rule over alerts could take it: counted, never copied or parsed.
    ++units_[u]->stats().alerts_not_fed_back;
    return;
  }
  feedback_.push_back(FeedAlert({.json = alert.json,
                                 .uuid = alert.uuid,
                                 .index = alerts_index_,
                                 .rule_uuid = units_[u]->rule_uuid(),
                                 .event_time = event_time,
                                 .depth = depth,
                                 .ancestors_json = ancestors,
                                 .parent = current_fed_}));
}

void Detector::Stage(const EventRef& event, const MatchResult& match, bool learn_only) {
  MatchedEvent matched{event, match.index};
  ForEachMatchedUnit(match, [&](uint32_t unit) {
    units_[unit]->Stage(matched, stages_, learn_only);
    // The window record an alert of this event would read (read once per
    // batch on a shared store; the group depends on the event only).
    if (suppressors_[unit] && !suppressors_[unit]->config().threshold && !learn_only)
      if (auto group = suppressors_[unit]->GroupOf(event.doc))
        SuppressionRecords()->Stage(group->key);
  });
}

bool Detector::ResolveStaged(std::string* error) {
  return (!stores_.terms || stores_.terms->ResolveStaged(error)) &&
         (!stores_.records || stores_.records->ResolveStaged(error));
}

bool Detector::SuppressEventAlert(size_t u, const MatchedEvent& event,
                                  std::optional<TimeMs> event_time, std::string_view alert_uuid,
                                  std::optional<SuppressionGroup>* group) {
  AlertSuppressor* suppressor = suppressors_[u].get();
  // An event without a time has no window to fall in: it alerts as usual.
  if (!suppressor || !event_time) return false;
  *group = suppressor->GroupOf(event.ref.doc);
  if (!*group) return false;
  return CountIntoWindow(u, group, *event_time, std::nullopt, alert_uuid, event.index,
                         event.ref.Origin());
}

bool Detector::CountIntoWindow(size_t u, std::optional<SuppressionGroup>* group, TimeMs time,
                               std::optional<TimeMs> start, std::string_view alert_uuid,
                               std::string_view index, std::string_view origin) {
  AlertSuppressor* suppressor = suppressors_[u].get();
  for (int attempt = 0; attempt < kSuppressionAttempts; ++attempt) {
    AlertSuppressor::Suppressed suppressed;
    switch (suppressor->TrySuppress(**group, time, alert_uuid, &suppressed, start)) {
      case AlertSuppressor::Outcome::kRetry:
        continue;
      case AlertSuppressor::Outcome::kDuplicate:  // a replayed event, already counted
        return true;
      case AlertSuppressor::Outcome::kOpenNew:
        return false;
      case AlertSuppressor::Outcome::kSuppressed: {
        ++units_[u]->stats().alert_suppressed;
        suppressed.detected = options_.alert_time ? options_.alert_time : NowMs();
        PendingUpdate update{u,    std::move(**group), std::move(suppressed),
                             time, std::string(index), std::string(origin)};
        if (!options_.coalesce_suppression_updates) {
          WriteUpdate(update);
          return true;
        }
        // The newest count of the group's window replaces the one waiting.
        std::string key = update.group.key;
        auto [it, added] = pending_.try_emplace(std::move(key));
        update.order = added ? next_pending_order_++ : it->second.order;
        it->second = std::move(update);
        return true;
      }
    }
  }
  ReportProblem(u, origin,
                "alert suppression: the shared store kept refusing the update; alert written "
                "without suppression");
  group->reset();
  return false;
}

bool Detector::OpenWindow(size_t u, const SuppressionGroup& group, TimeMs time,
                          std::optional<TimeMs> start, const Alert& alert) {
  // The window is on record before its alert is written (a shared store
  // may have seen another node open it first: the caller decides again).
  if (!suppressors_[u]->Open(group, time, alert.uuid, alert.json, start)) return false;
  // The group's previous window is closed: its last count goes first.
  auto waiting = pending_.find(group.key);
  if (waiting != pending_.end()) {
    WriteUpdate(waiting->second);
    pending_.erase(waiting);
  }
  return true;
}

void Detector::WriteUpdate(const PendingUpdate& update) {
  RuleUnit& unit = *units_[update.unit];
  std::optional<std::string> json =
      suppressors_[update.unit]->UpdatedAlert(update.group, update.suppressed);
  if (!json) {
    ReportProblem(update.unit, update.origin,
                  "alert suppression: the window's alert document is gone from the store; its "
                  "count is not written");
    return;
  }
  Alert alert;
  alert.rule = &unit.rule();
  alert.uuid = update.suppressed.alert_uuid;
  alert.json = std::move(*json);
  alert.event_time = update.event_time;
  alert.index = update.index;
  alert.origin = update.origin;
  alert.suppression_update = true;
  alert.suppressed_docs = update.suppressed.docs_count;
  if (on_alert_ && *on_alert_) (*on_alert_)(alert);
}

void Detector::FlushSuppressionUpdates(const AlertSink& on_alert) {
  WritePendingUpdates(on_alert, [](const PendingUpdate&) { return true; });
}

void Detector::WritePendingUpdates(const AlertSink& on_alert,
                                   const std::function<bool(const PendingUpdate&)>& which) {
  // In the order the windows were first counted into, so that output is
  // reproducible.
  std::vector<std::pair<uint64_t, std::string>> chosen;
  for (const auto& [key, update] : pending_)
    if (which(update)) chosen.emplace_back(update.order, key);
  if (chosen.empty()) return;
  std::sort(chosen.begin(), chosen.end());
  const AlertSink* outer = on_alert_;
  on_alert_ = &on_alert;
  for (const auto& [order, key] : chosen) {
    auto it = pending_.find(key);
    WriteUpdate(it->second);
    pending_.erase(it);
  }
  on_alert_ = outer;
}

void Detector::EmitEventAlert(size_t u, const MatchedEvent& event,
                              std::vector<std::string> new_terms,
                              std::optional<TimeMs> event_time) {
  for (int attempt = 0; attempt < kSuppressionAttempts; ++attempt) {
    RuleUnit& unit = *units_[u];
    std::string uuid = AlertUuid(unit.rule_uuid(), EventIdentityOf(event), new_terms);
    std::optional<SuppressionGroup> group;
    if (SuppressEventAlert(u, event, event_time, uuid, &group)) return;
    const rules::Rule& rule = unit.rule();
    TimeMs alert_time = options_.alert_time ? options_.alert_time : NowMs();
    if (options_.apply_max_signals &&
        !WithinMaxSignals(u, event_time.value_or(alert_time), event.ref.Origin()))
      return;
    const EventRef& ref = event.ref;
    Alert alert;
    alert.rule = &rule;
    alert.new_terms = new_terms;
    alert.event_time = event_time;
    alert.index = std::string(event.index);
    alert.origin = ref.Origin();
    alert.uuid = std::move(uuid);
    std::string source_id =
        SourceDocumentId(ref.doc_id, FirstStringOr(ref.doc, "event.id"), ref.raw);
    AlertFacts facts = DescribeAlert(unit, ref.doc, alert_time, &options_.alert, &alert);
    facts.event_index = event.index;
    facts.source_id = source_id;
    facts.new_terms = rule.type == rules::RuleType::kNewTerms ? &alert.new_terms : nullptr;
    // An alert on one of picket's own alerts descends from it (Kibana's
    // buildAncestors); any other from the event.
    std::string ancestors =
        current_fed_ ? AncestorsOnAlert(*current_fed_) : EventAncestorsJson(source_id, event.index);
    facts.ancestors_json = ancestors;
    facts.depth = current_fed_ ? current_fed_->depth + 1 : 1;
    facts.source_is_alert = current_fed_ != nullptr;
    std::string suppression_fields;
    if (group)
      suppression_fields = AlertSuppressor::SuppressionFields(*group, *event_time, *event_time, 0);
    facts.trailing_fields_json = suppression_fields;
    std::string error;
    if (!builder_.Build(ref.raw, facts, &alert.json, &error)) {
      ReportProblem(u, ref.Origin(), "cannot build alert: " + error);
      return;
    }
    if (group && !OpenWindow(u, *group, *event_time, std::nullopt, alert)) continue;
    ++unit.stats().alerts;
    if (on_alert_ && *on_alert_) (*on_alert_)(alert);
    FeedBack(u, alert, event_time, facts.depth, ancestors);
    return;
  }
  ReportProblem(u, event.ref.Origin(),
                "alert suppression: the shared store kept refusing the new window; alert not "
                "written");
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

void Detector::MaybeExpire(const AlertSink& on_alert) {
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
  for (const auto& suppressor : suppressors_)
    if (suppressor) lower(&records, suppressor->RecordExpiryThreshold());
  if (stores_.terms && terms) stores_.terms->Expire(*terms);
  // A window about to be forgotten is closed: its last count goes out
  // while its alert document is still on record.
  if (records)
    WritePendingUpdates(on_alert, [&](const PendingUpdate& update) {
      return update.suppressed.expires_at < *records;
    });
  if (records) {
    if (stores_.records) stores_.records->Expire(*records);
    if (own_records_) own_records_->Expire(*records);
  }
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
