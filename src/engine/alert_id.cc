#include "engine/alert_id.h"

#include <xxhash.h>

#include <cstdint>
#include <cstdio>
#include <random>

namespace picket::engine {

namespace {
void AppendField(std::string* buffer, std::string_view field) {
  uint64_t n = field.size();
  buffer->append(reinterpret_cast<const char*>(&n), sizeof(n));
  buffer->append(field);
}

std::string Hex128(XXH128_hash_t h) {
  char text[33];
  std::snprintf(text, sizeof(text), "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return std::string(text, 32);
}

// 32 hex digits as a UUID with the given version digit and RFC variant bits.
std::string UuidFromHex(std::string hex, char version) {
  hex[12] = version;
  hex[16] = "89ab"[(hex[16] - '0') & 3];  // RFC variant bits
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

std::string NameUuid(std::string_view kind, std::string_view name) {
  std::string input = "picket-";
  input.append(kind).push_back('\n');
  input.append(name);
  return UuidFromHex(Hex128(XXH3_128bits(input.data(), input.size())), '8');
}
}  // namespace

std::string RuleUuid(std::string_view rule_id) { return NameUuid("rule", rule_id); }

std::string ExecutionUuid(std::string_view seed) {
  if (!seed.empty()) return NameUuid("execution", seed);
  std::random_device random;
  XXH128_hash_t bits;
  bits.high64 = (uint64_t{random()} << 32) | random();
  bits.low64 = (uint64_t{random()} << 32) | random();
  return UuidFromHex(Hex128(bits), '4');
}

std::string EventIdentity(std::string_view index, std::string_view doc_id,
                          std::string_view raw_event) {
  std::string identity;
  AppendField(&identity, index);
  AppendField(&identity, doc_id);
  XXH128_hash_t h = XXH3_128bits(raw_event.data(), raw_event.size());
  identity.append(reinterpret_cast<const char*>(&h), sizeof(h));
  return identity;
}

std::string AlertUuid(std::string_view rule_uuid, std::string_view event_identity,
                      const std::vector<std::string>& new_terms) {
  std::string input;
  AppendField(&input, rule_uuid);
  AppendField(&input, event_identity);
  for (const std::string& term : new_terms) AppendField(&input, term);
  return Hex128(XXH3_128bits(input.data(), input.size()));
}

std::string SequenceBlockUuid(std::string_view rule_uuid,
                              std::span<const std::string> event_identities, size_t index) {
  std::string input;
  AppendField(&input, "eql-sequence-block");
  AppendField(&input, rule_uuid);
  for (const std::string& identity : event_identities) AppendField(&input, identity);
  AppendField(&input, std::to_string(index));
  return Hex128(XXH3_128bits(input.data(), input.size()));
}

std::string SequenceShellUuid(std::string_view rule_uuid,
                              std::span<const std::string> block_uuids) {
  std::string input;
  AppendField(&input, "eql-sequence-shell");
  AppendField(&input, rule_uuid);
  for (const std::string& block : block_uuids) AppendField(&input, block);
  return Hex128(XXH3_128bits(input.data(), input.size()));
}

std::string HashHex128(std::string_view input) {
  return Hex128(XXH3_128bits(input.data(), input.size()));
}

}  // namespace picket::engine

namespace picket::engine {
std::string SourceDocumentId(std::string_view doc_id, std::string_view event_id,
                             std::string_view raw_event) {
  if (!doc_id.empty()) return std::string(doc_id);
  if (!event_id.empty()) return std::string(event_id);
  return "raw:" + Hex128(XXH3_128bits(raw_event.data(), raw_event.size()));
}
}  // namespace picket::engine
