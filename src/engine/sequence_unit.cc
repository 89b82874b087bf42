#include "engine/sequence_unit.h"

#include <fmt/format.h>
#include <xxhash.h>

#include "engine/alert_id.h"
#include "engine/event_time.h"
#include "eql/keyed_matches.h"
#include "util/bytes.h"

namespace picket::engine {

namespace {

Condition ConditionOf(const eql::Filter& filter) {
  Condition c;
  c.matcher = filter.matcher.get();
  c.facts.terms = filter.facts.terms;
  c.facts.alternatives = filter.facts.alternatives;
  c.facts.fields = filter.facts.fields;
  c.facts.field_alternatives = filter.facts.field_alternatives;
  return c;
}

std::vector<eql::JoinKeyField> KeyFields(const std::vector<eql::JoinKey>& keys,
                                         const event::FieldTypes& types) {
  std::vector<eql::JoinKeyField> fields;
  for (const eql::JoinKey& k : keys) {
    eql::JoinKeyField f;
    f.path = k.read_path.empty() ? k.field : k.read_path;
    f.optional = k.optional;
    f.info = types.Lookup(k.field);
    fields.push_back(std::move(f));
  }
  return fields;
}

// The first value of `field` as a tiebreaker (numbers or strings).
eql::Tiebreaker ReadTiebreaker(event::Json doc, std::string_view field) {
  eql::Tiebreaker t;
  if (field.empty()) return t;
  event::ForEachValue(doc, field, [&](event::Json v) {
    switch (v.type()) {
      case event::JsonType::INT64:
        t = eql::Tiebreaker::Int(v.get_int64().value_unsafe());
        return true;
      case event::JsonType::UINT64:
        t = eql::Tiebreaker::Double(static_cast<double>(v.get_uint64().value_unsafe()));
        return true;
      case event::JsonType::DOUBLE:
        t = eql::Tiebreaker::Double(v.get_double().value_unsafe());
        return true;
      case event::JsonType::STRING:
        t = eql::Tiebreaker::String(std::string(v.get_string().value_unsafe()));
        return true;
      default:
        return false;
    }
  });
  return t;
}

// What a sequence alert needs of an event, kept in the state with it.
struct Payload {
  std::string_view index, doc_id, identity, origin, raw;
};
std::string EncodePayload(const Payload& p) {
  std::string out;
  PutBytes(&out, p.index);
  PutBytes(&out, p.doc_id);
  PutBytes(&out, p.identity);
  PutBytes(&out, p.origin);
  PutBytes(&out, p.raw);
  return out;
}
bool DecodePayload(std::string_view bytes, Payload* p) {
  ByteReader r(bytes);
  p->index = r.Bytes();
  p->doc_id = r.Bytes();
  p->identity = r.Bytes();
  p->origin = r.Bytes();
  p->raw = r.Bytes();
  return r.done();
}

}  // namespace

eql::SequenceSpec SequenceSpecOf(const eql::Query& q) {
  eql::SequenceSpec spec;
  spec.kind = q.type == eql::QueryType::kSample ? eql::SequenceSpec::Kind::kSample
                                                : eql::SequenceSpec::Kind::kSequence;
  for (const eql::Stage& s : q.stages)
    spec.stages.push_back({s.missing, static_cast<uint32_t>(s.runs)});
  spec.key_count = q.stages.empty() ? 0 : static_cast<uint32_t>(q.stages[0].keys.size());
  spec.maxspan_ms = q.maxspan_ms;
  spec.has_until = q.until.has_value();
  return spec;
}

std::vector<Condition> EqlEventUnit::Conditions(const event::FieldTypes&) const {
  return {ConditionOf(rule().eql->event)};
}

void EqlEventUnit::OnMatch(const MatchedEvent& event, std::span<const uint32_t>, bool learn_only,
                           AlertOutput& out) {
  if (learn_only) {
    ++stats().learned;
    return;
  }
  std::optional<TimeMs> time = EventTime(event.ref.doc, rule().timestamp_override).time;
  out.EventAlert(event, {}, time);
}

SequenceUnit::SequenceUnit(std::shared_ptr<const rules::Rule> rule, state::RecordStore* records,
                           std::shared_ptr<const event::FieldTypes> types, bool records_start_empty,
                           int64_t retention_ms, eql::EventPayloads* payloads)
    : RuleUnit(std::move(rule)), types_(std::move(types)) {
  const eql::Query& q = *this->rule().eql;
  eql::SequenceSpec spec;
  spec.kind = q.type == eql::QueryType::kSample ? eql::SequenceSpec::Kind::kSample
                                                : eql::SequenceSpec::Kind::kSequence;
  for (const eql::Stage& s : q.stages) {
    spec.stages.push_back({s.missing, static_cast<uint32_t>(s.runs)});
    keys_.push_back(KeyFields(s.keys, *types_));
  }
  stages_ = q.stages.size();
  if (q.until) keys_.push_back(KeyFields(q.until->keys, *types_));
  spec.key_count = q.stages.empty() ? 0 : static_cast<uint32_t>(q.stages[0].keys.size());
  spec.maxspan_ms = q.maxspan_ms;
  spec.has_until = q.until.has_value();
  plan_ = std::make_unique<eql::SequencePlan>(spec);
  eql::StreamOptions options;
  options.lookback_ms = this->rule().lookback_ms;
  options.store_starts_empty = records_start_empty;
  options.retention_ms = retention_ms;
  // A short binary namespace: record keys are compared often in the stores.
  XXH64_hash_t ns = XXH3_64bits(rule_uuid().data(), rule_uuid().size());
  std::string prefix(reinterpret_cast<const char*>(&ns), sizeof ns);
  stream_ =
      std::make_unique<eql::SequenceStream>(plan_.get(), records, "Q" + prefix, options, payloads);
}

std::vector<Condition> SequenceUnit::Conditions(const event::FieldTypes&) const {
  const eql::Query& q = *rule().eql;
  std::vector<Condition> conditions;
  for (const eql::Stage& s : q.stages) conditions.push_back(ConditionOf(s.filter));
  if (q.until) conditions.push_back(ConditionOf(q.until->filter));
  return conditions;
}

std::optional<TimeMs> SequenceUnit::RecordExpiryThreshold() const {
  return stream_->ExpiryThreshold();
}

void SequenceUnit::OnMatch(const MatchedEvent& event, std::span<const uint32_t> stages,
                           bool learn_only, AlertOutput& out) {
  const eql::Query& q = *rule().eql;
  const EventRef& ref = event.ref;
  // The order of events: the query's timestamp field, as Elasticsearch
  // reads it (no fallback).
  std::string_view ts_field = q.timestamp_field.empty() ? "@timestamp" : q.timestamp_field;
  EventTimeResult order = EventTime(ref.doc, ts_field);
  if (!order.time || order.source != TimeSource::kOverride) {
    ++stats().no_time;
    out.Problem(event, fmt::format("no usable {}: {}", ts_field,
                                   order.problem.empty() ? "missing" : order.problem));
    return;
  }
  // The window time reads the same field when timestamp_override names the
  // order's field (or is unset and the order is @timestamp): no second read.
  const std::string& override_field = rule().timestamp_override;
  TimeMs window_time = *order.time;
  if (override_field != ts_field && !(override_field.empty() && ts_field == "@timestamp"))
    window_time = EventTime(ref.doc, override_field).time.value_or(*order.time);
  eql::StreamEvent e;
  const std::string& identity = ref.Identity(event.index);
  e.id = XXH3_64bits(identity.data(), identity.size());
  e.ordinal.time = *order.time;
  e.ordinal.tiebreaker = ReadTiebreaker(ref.doc, q.tiebreaker_field);
  e.ordinal.index = event.index;
  e.window_time = window_time;

  // Join keys per matched stage: each key gathers the stages it matched.
  std::vector<eql::KeyedMatch> matches;
  std::vector<std::string> keys;
  for (uint32_t stage : stages) {
    if (stage >= keys_.size()) continue;
    eql::AddStageKeys(ref.doc, keys_[stage], stage, stages_, &keys, &matches);
  }
  if (matches.empty()) return;
  // The stream keeps payloads only of events at positive stages (an event
  // matching only missing-event stages or `until` is never reported); they
  // do not depend on the rule, and are stored once for all sequence rules.
  std::string payload;
  if (eql::AtAPositiveStage(matches, plan_->positive_mask()))
    payload = EncodePayload({event.index, ref.doc_id, identity, ref.Origin(), ref.raw});
  e.payload = payload;
  learn_only_ = learn_only;
  if (learn_only) ++stats().learned;
  uint64_t late = stream_->stats().late;
  stream_->Add(e, matches, [&](eql::StreamSequence&& s) { Emit(std::move(s), out); });
  if (stream_->stats().late > late) ++stats().late;
}

void SequenceUnit::Finish(AlertOutput& out) {
  learn_only_ = false;
  stream_->Flush([&](eql::StreamSequence&& s) { Emit(std::move(s), out); });
}

void SequenceUnit::Emit(eql::StreamSequence&& sequence, AlertOutput& out) {
  if (learn_only_) return;  // a baseline: state only
  std::vector<SequenceEvent> events(sequence.ids.size());
  std::vector<Payload> payloads(sequence.ids.size());
  std::string_view origin;
  for (size_t i = 0; i < sequence.ids.size(); ++i) {
    if (sequence.ids[i] == eql::kMissingEvent) {
      events[i].missing = true;
      continue;
    }
    if (!DecodePayload(sequence.payloads[i], &payloads[i])) {
      out.Problem(origin, "a sequence event's state is unreadable; sequence dropped");
      return;
    }
    events[i].raw = payloads[i].raw;
    events[i].index = payloads[i].index;
    events[i].doc_id = payloads[i].doc_id;
    events[i].identity = payloads[i].identity;
    events[i].origin = payloads[i].origin;
    origin = payloads[i].origin;  // the shell's: the event that completed it
  }
  out.SequenceAlerts(events, sequence.end, origin);
}

}  // namespace picket::engine
