// The alerts of one EQL sequence (or sample), as Kibana writes them
// (rule_types/eql/build_alert_group_from_sequence.ts, wrap_sequences.ts):
//
//  * one building-block alert per event of the sequence, built like a query
//    rule's alert from that event (without severity/risk-score mappings:
//    Kibana builds them with applyOverrides false), plus
//    kibana.alert.building_block_type "default", kibana.alert.group.id (the
//    shell's id) and kibana.alert.group.index (the event's position);
//  * one shell alert: the fields all the events share (Kibana intersects
//    the building blocks, IntersectJsonObjects), the reason built from
//    them, kibana.alert.ancestors = for each event its ancestor then its
//    building block ({type: signal, depth 1, rule}), depth 2,
//    original_time = the alert time (Kibana takes it from the first building
//    block), kibana.alert.group.id = its own id.
//
// A sequence over the alerts index (events that are alerts) gets Kibana's
// ancestry for alerts (buildAncestors): a building block descends from its
// alert's ancestors and the alert (type "signal"), one level deeper; the
// shell from every block's ancestors and the blocks, one level deeper than
// the deepest block.
//
// Missing-event positions are placeholders, as Elasticsearch returns them
// ({"_index": "", "_id": "", "_source": {}, "missing": true}); Kibana builds
// a building block for them too (from an empty source, ancestor id and
// index ""), and so does picket.
//
// Ids are deterministic (alert_id.h): replaying the same sequence gives the
// same alerts. Output order as Kibana's: the shell, then the building blocks.
#pragma once
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/alert_builder.h"

namespace picket::engine {

struct SequenceEvent {
  bool missing = false;
  std::string_view raw;     // the event's JSON object
  std::string_view index;   // its index ("" = unknown)
  std::string_view doc_id;  // its bulk _id, if any
  // EventIdentity of the event (index, _id, hash of the bytes as received;
  // alert_id.h), which its building block's id derives from.
  std::string_view identity;
  // Where the event was read (file:line, or the bulk request's position);
  // its building block reports it. "" for a missing event.
  std::string_view origin;
};

struct SequenceAlert {
  bool shell = false;
  int position = -1;  // building blocks: the event's position
  std::string uuid;
  std::string json;
  std::string reason;
  // Its kibana.alert.ancestors and kibana.alert.depth (for rules over alerts).
  std::string ancestors_json;
  int depth = 1;
};

// `base` carries the rule, rule uuid, alert time and settings; the rest of
// the facts are set here. False with *error when an event is not a JSON
// object (the alerts built so far are discarded).
bool BuildSequenceAlerts(AlertBuilder& builder, const AlertFacts& base,
                         std::span<const SequenceEvent> events, std::vector<SequenceAlert>* alerts,
                         std::string* error);

}  // namespace picket::engine
