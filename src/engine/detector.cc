#include "engine/detector.h"

#include <fmt/format.h>

#include "engine/alert_id.h"
#include "engine/index_name.h"
#include "engine/new_terms.h"
#include "engine/rule_mappings.h"

namespace picket::engine {

namespace {
constexpr uint64_t kExpireEvery = 4096;
constexpr size_t kCollectorMinRules = 32;

std::string_view FirstStringOr(event::Json doc, std::string_view field) {
  std::string_view value;
  return event::FirstString(doc, field, &value) ? value : std::string_view();
}
}  // namespace

std::string EventRef::Origin() const {
  if (!origin.empty()) return std::string(origin);
  if (line == 0) return std::string(source);
  return fmt::format("{}:{}", source, line);
}

Detector::Detector(std::vector<std::shared_ptr<const rules::Rule>> rules, state::TermStore* store,
                   DetectorOptions options)
    : store_(store), options_(std::move(options)) {
  types_ = options_.types ? options_.types : event::FieldTypes::BuiltIn();
  // A fixed alert clock makes the whole output reproducible, execution uuid included.
  if (options_.alert.execution_uuid.empty())
    options_.alert.execution_uuid =
        ExecutionUuid(options_.alert_time ? std::to_string(options_.alert_time) : "");
  for (auto& rule : rules) {
    if (!rule) continue;
    if (!rule->supported() || !rule->matcher) {
      warnings_.push_back(fmt::format("{}: rule '{}' ({} / {}) is not supported; skipped",
                                      rule->path, rule->name, rule->type_name, rule->language));
      continue;
    }
    if (rule->type == rules::RuleType::kNewTerms) {
      if (rule->new_terms_fields.empty() || rule->history_window_ms <= 0) {
        warnings_.push_back(fmt::format(
            "{}: new_terms rule '{}' has no new-terms fields or no usable history window ('{}'); "
            "skipped",
            rule->path, rule->name, rule->history_window_start));
        continue;
      }
      if (!store_) {
        warnings_.push_back(fmt::format("{}: new_terms rule '{}' needs a term store; skipped",
                                        rule->path, rule->name));
        continue;
      }
      if (rule->new_terms_fields.size() > 3)
        warnings_.push_back(
            fmt::format("{}: rule '{}' has {} new-terms fields; Kibana allows at most 3 (picket "
                        "runs it anyway)",
                        rule->path, rule->name, rule->new_terms_fields.size()));
    }
    rules_.push_back(rule);
    matchers_.push_back(rule->matcher.get());
    rule_uuids_.push_back(RuleUuid(rule->rule_id));
  }
  stats_.resize(rules_.size());
  watermark_.resize(rules_.size());
  std::vector<const rules::Rule*> raw;
  for (auto& r : rules_) raw.push_back(r.get());
  index_ = std::make_unique<RuleIndex>(raw, *types_, options_.use_rule_index);
  const char* const kDataStream[] = {"data_stream.type", "data_stream.dataset",
                                     "data_stream.namespace"};
  for (int i = 0; i < 3; ++i) data_stream_[i] = {kDataStream[i], kql::FieldId(kDataStream[i])};
  // With many rules, the rule index asks each event for dozens of fields:
  // one walk of the event for all of them and its data stream
  // (event::FieldCollector) costs less than a walk per field. A few rules
  // ask for a few fields, cheaper to find one by one. (Adding the fields
  // of the rules' queries too was measured slower: an event meets only a
  // couple of candidate rules, which read few fields.)
  auto collect = [&](const std::string& path, uint32_t id) {
    uint32_t slot = collector_.Add(path);
    if (id >= slot_of_id_.size()) slot_of_id_.resize(id + 1, 0);
    slot_of_id_[id] = slot + 1;
  };
  use_collector_ = rules_.size() > kCollectorMinRules;
  if (use_collector_) {
    for (const DataStreamField& f : data_stream_) collect(f.path, f.id);
    for (const auto& [path, id] : index_->fields()) collect(path, id);
  }
}

void Detector::Process(const EventRef& event, bool learn_only, const AlertSink& on_alert) {
  ++events_;
  // One context per event: the index name, the rule index (which picks the
  // candidate rules for that index) and the candidates' matchers share the
  // field values it finds.
  kql::EvalContext* context = &eval_context_;
  context->NextEvent();
  if (use_collector_) {
    collector_.Collect(event.doc);
    context->Adopt(&collector_, &slot_of_id_);
  }
  std::string_view index = event.index;
  if (index.empty()) {
    auto first_string = [&](const DataStreamField& f) {
      for (event::Json v : context->Values(f.id, f.path, event.doc))
        if (v.is_string()) return v.get_string().value_unsafe();
      return std::string_view();
    };
    JoinDataStreamIndex(first_string(data_stream_[0]), first_string(data_stream_[1]),
                        first_string(data_stream_[2]), &index_buffer_);
    index = index_buffer_.empty() ? std::string_view(options_.default_index) : index_buffer_;
  }
  index_->Candidates(event.doc, index, context, &candidates_);
  for (uint32_t r : candidates_) {
    RuleStats& stats = stats_[r];
    ++stats.candidates;
    if (!matchers_[r]->Matches(event.doc, context)) continue;
    const rules::Rule& rule = *rules_[r];
    ++stats.matched;
    if (rule.type == rules::RuleType::kNewTerms) {
      RunNewTerms(r, event, index, learn_only, on_alert);
    } else if (learn_only) {
      ++stats.learned;
    } else {
      std::optional<TimeMs> time = EventTime(event.doc, rule.timestamp_override).time;
      EmitAlert(r, event, index, {}, time, on_alert);
    }
  }
  if (events_ % kExpireEvery == 0) MaybeExpire();
}

void Detector::RunNewTerms(size_t r, const EventRef& event, std::string_view index, bool learn_only,
                           const AlertSink& on_alert) {
  const rules::Rule& rule = *rules_[r];
  RuleStats& stats = stats_[r];
  EventTimeResult time = EventTime(event.doc, rule.timestamp_override);
  if (!time.time) {
    ++stats.no_time;
    if (problem_sink_) problem_sink_(rule, event.Origin(), "no usable time: " + time.problem);
    return;
  }
  if (!CollectTermValues(event.doc, rule.new_terms_fields, types_.get(), &term_values_)) {
    ++stats.missing_terms;
    return;
  }
  TimeMs t = *time.time;
  std::optional<TimeMs>& watermark = watermark_[r];
  bool late = watermark && t < *watermark - rule.lookback_ms;
  if (!watermark || t > *watermark) watermark = t;
  if (late) ++stats.late;
  if (learn_only) ++stats.learned;
  bool observe_only = learn_only || late;

  std::vector<std::vector<std::string>> fresh;
  size_t total = CombinationCount(term_values_);
  size_t limit = options_.max_combinations_per_event;
  ForEachCombination(term_values_, limit, [&](const std::vector<std::string_view>& combination) {
    BuildTermKey(rule_uuids_[r], combination, &key_);
    state::ObserveResult result = store_->Observe(key_, t, rule.history_window_ms, observe_only);
    if (result.is_new) fresh.emplace_back(combination.begin(), combination.end());
  });
  if (total > limit) {
    stats.truncated_combinations += total - limit;
    if (problem_sink_)
      problem_sink_(rule, event.Origin(),
                    fmt::format("{} new-terms combinations in one event; only the first {} were "
                                "evaluated",
                                total, limit));
  }
  for (auto& terms : fresh) EmitAlert(r, event, index, std::move(terms), t, on_alert);
}

void Detector::EmitAlert(size_t r, const EventRef& event, std::string_view index,
                         std::vector<std::string> new_terms, std::optional<TimeMs> event_time,
                         const AlertSink& on_alert) {
  const rules::Rule& rule = *rules_[r];
  TimeMs alert_time = options_.alert_time ? options_.alert_time : NowMs();
  if (options_.apply_max_signals && !WithinMaxSignals(r, event_time.value_or(alert_time), event))
    return;
  std::string_view event_id = FirstStringOr(event.doc, "event.id");
  Alert alert;
  alert.rule = &rule;
  alert.new_terms = std::move(new_terms);
  alert.event_time = event_time;
  alert.index = std::string(index);
  alert.origin = std::string(event.Origin());
  alert.uuid = AlertUuid(rule_uuids_[r], EventIdentity(index, event.doc_id, event.IdentityBytes()),
                         alert.new_terms);
  std::string source_id = SourceDocumentId(event.doc_id, event_id, event.raw);
  alert.severity = MappedSeverity(event.doc, rule);
  alert.risk_score = MappedRiskScore(event.doc, rule);
  alert.reason = BuildReason(event.doc, rule, alert.severity);
  AlertFacts facts;
  facts.rule = &rule;
  facts.rule_uuid = rule_uuids_[r];
  facts.alert_uuid = alert.uuid;
  facts.alert_time = alert_time;
  facts.severity = alert.severity;
  facts.risk_score = alert.risk_score;
  facts.settings = &options_.alert;
  facts.event_index = index;
  facts.source_id = source_id;
  facts.new_terms = rule.type == rules::RuleType::kNewTerms ? &alert.new_terms : nullptr;
  facts.reason = alert.reason;
  std::string error;
  if (!builder_.Build(event.raw, facts, &alert.json, &error)) {
    if (problem_sink_) problem_sink_(rule, event.Origin(), "cannot build alert: " + error);
    return;
  }
  ++stats_[r].alerts;
  if (on_alert) on_alert(alert);
}

bool Detector::WithinMaxSignals(size_t r, TimeMs time, const EventRef& event) {
  const rules::Rule& rule = *rules_[r];
  auto verdict = max_signals_.Take(r, time, rule.interval_ms, rule.max_signals);
  if (verdict == MaxSignalsBudget::Verdict::kAdmit) return true;
  ++stats_[r].max_signals_suppressed;
  if (verdict == MaxSignalsBudget::Verdict::kFirstRefusal && problem_sink_)
    problem_sink_(
        rule, event.Origin(),
        fmt::format("max_signals ({}) reached in the {} interval from {}; further alerts of that "
                    "interval are counted, not written",
                    rule.max_signals, rule.interval,
                    FormatIso8601(MaxSignalsBudget::BucketStart(time, rule.interval_ms))));
  return false;
}

void Detector::MaybeExpire() {
  if (!store_) return;
  std::optional<TimeMs> threshold;
  for (size_t r = 0; r < rules_.size(); ++r) {
    if (rules_[r]->type != rules::RuleType::kNewTerms || !watermark_[r]) continue;
    TimeMs safe = *watermark_[r] - rules_[r]->lookback_ms;
    if (!threshold || safe < *threshold) threshold = safe;
  }
  if (threshold) store_->Expire(*threshold);
}

}  // namespace picket::engine
