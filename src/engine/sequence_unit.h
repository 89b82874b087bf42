// EQL rules (Kibana's eql rule type), behind the RuleUnit interface.
//
//  * EqlEventUnit — an event query (`process where ...`): one alert per
//    matching event, like a query rule; its condition is the compiled EQL
//    filter.
//  * SequenceUnit — `sequence` and `sample` queries: conditions are the
//    written stages in order, then `until`; each matching event goes to an
//    eql::SequenceStream (src/eql/sequence_stream.h) over the state's record
//    store, with
//      its ordinal: the query's timestamp field (the rule's timestamp_field,
//        default @timestamp — not timestamp_override, which Kibana uses only
//        for the run's window), its tiebreaker_field value, its index;
//      its window time: timestamp_override, else @timestamp (Kibana's
//        range filter), bounded by the rule's lookback (`from`);
//      its join keys per matched stage, read by mapping type
//        (eql/sequence_key_reader.h);
//      its identity (index + bulk _id, else event.id, else the bytes), so a
//        resent event is recognised;
//    and each sequence found becomes a shell alert and building blocks
//    (AlertOutput::SequenceAlerts). max_signals counts sequences.
// Events without a usable timestamp are reported and counted (no_time).
#pragma once
#include <memory>
#include <vector>

#include "engine/rule_unit.h"
#include "eql/sequence_key_reader.h"
#include "eql/sequence_stream.h"
#include "state/record_store.h"

namespace picket::engine {

// The matching library's spec of a sequence or sample query (check it with
// SequenceSpec::Validate before making a SequenceUnit).
eql::SequenceSpec SequenceSpecOf(const eql::Query& q);

class EqlEventUnit : public RuleUnit {
 public:
  using RuleUnit::RuleUnit;
  std::vector<Condition> Conditions(const event::FieldTypes& types) const override;
  void OnMatch(const MatchedEvent& event, std::span<const uint32_t> stages, bool learn_only,
               AlertOutput& out) override;
};

class SequenceUnit : public RuleUnit {
 public:
  // records_start_empty: see StateStores; retention_ms: see
  // eql::StreamOptions; payloads: shared with the other sequence units over
  // `records` (null: the unit's own).
  SequenceUnit(std::shared_ptr<const rules::Rule> rule, state::RecordStore* records,
               std::shared_ptr<const event::FieldTypes> types, bool records_start_empty = false,
               int64_t retention_ms = -2, eql::EventPayloads* payloads = nullptr);

  std::vector<Condition> Conditions(const event::FieldTypes& types) const override;
  void OnMatch(const MatchedEvent& event, std::span<const uint32_t> stages, bool learn_only,
               AlertOutput& out) override;
  void Finish(AlertOutput& out) override;
  std::optional<TimeMs> RecordExpiryThreshold() const override;

  const eql::StreamStats& stream_stats() const { return stream_->stats(); }

 private:
  void Emit(eql::StreamSequence&& sequence, AlertOutput& out);

  std::shared_ptr<const event::FieldTypes> types_;
  std::unique_ptr<eql::SequencePlan> plan_;
  std::unique_ptr<eql::SequenceStream> stream_;
  std::vector<std::vector<eql::JoinKeyField>> keys_;  // per written stage, then until
  size_t stages_ = 0;                                 // written stages (until is stages_)
  bool learn_only_ = false;
};

}  // namespace picket::engine
