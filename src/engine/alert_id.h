// Deterministic identifiers, so that replaying the same events gives the
// same ids and a store writing alerts with `create` deduplicates them (as
// Kibana does with its objectHash ids).
//
//   RuleUuid(rule_id): a UUID (RFC 9562 version 8, name-based) derived from
//     the rule_id, standing in for Kibana's rule saved-object id.
//   EventIdentity: what names the source event: its index, the _id the
//     shipper gave it (bulk ingest; "" when none), and always the XXH3-128
//     hash of its exact bytes as received. Two different events never share
//     an identity, even under the same _index/_id or event.id (a shipper may
//     reuse an _id, and Elasticsearch's `index` then keeps only the last
//     copy, while picket has already evaluated each one); the same bytes
//     re-sent under the same _id (a replay) keep theirs. Callers pass the
//     bytes as received, before picket adds anything (event.ingested).
//   AlertUuid: 32 hex digits of XXH3-128 over rule uuid, event identity and
//     the new terms (each length-prefixed, so no two inputs collide by
//     concatenation).
#pragma once
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace picket::engine {

std::string RuleUuid(std::string_view rule_id);

// kibana.alert.rule.execution.uuid for one picket run (picket has no
// scheduled executions): a random UUID (version 4) when `seed` is empty,
// else a name-based one (version 8) derived from the seed, so that a run
// with a fixed clock (`--now`) writes the same execution uuid every time.
std::string ExecutionUuid(std::string_view seed = {});

std::string EventIdentity(std::string_view index, std::string_view doc_id,
                          std::string_view raw_event);

std::string AlertUuid(std::string_view rule_uuid, std::string_view event_identity,
                      const std::vector<std::string>& new_terms);

// The alerts of an EQL sequence (Kibana: generateBuildingBlockIds and
// generateAlertId, which hash the ancestors and the rule). Building block i:
// 32 hex digits of XXH3-128 over the rule uuid, the identities of all the
// sequence's events in order and i, so that an event in two sequences gets
// a building block in each. Shell: over the rule uuid and the building
// blocks' ids.
std::string SequenceBlockUuid(std::string_view rule_uuid,
                              std::span<const std::string> event_identities, size_t index);
std::string SequenceShellUuid(std::string_view rule_uuid, std::span<const std::string> block_uuids);

// 32 hex digits of XXH3-128 over `input` (ids other files derive, e.g.
// threshold_alert.h).
std::string HashHex128(std::string_view input);

}  // namespace picket::engine

namespace picket::engine {
// The id an alert's ancestor entry names: the document _id when known, else
// event.id, else "raw:" + hex XXH3-128 of the line.
std::string SourceDocumentId(std::string_view doc_id, std::string_view event_id,
                             std::string_view raw_event);
}  // namespace picket::engine
