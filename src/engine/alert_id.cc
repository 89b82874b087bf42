#include "engine/alert_id.h"

#include <xxhash.h>

#include <cstdint>
#include <cstdio>

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
}  // namespace

std::string RuleUuid(std::string_view rule_id) {
  std::string input = "picket-rule\n";
  input.append(rule_id);
  std::string hex = Hex128(XXH3_128bits(input.data(), input.size()));
  hex[12] = '8';                                     // version 8
  hex[16] = "89ab"[(hex[16] - '0') & 3];             // RFC variant bits
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

std::string EventIdentity(std::string_view index, std::string_view doc_id, std::string_view event_id,
                          std::string_view raw_event) {
  std::string identity;
  AppendField(&identity, index);
  if (!doc_id.empty()) {
    identity.append("_id");
    AppendField(&identity, doc_id);
  } else if (!event_id.empty()) {
    identity.append("event.id");
    AppendField(&identity, event_id);
  } else {
    identity.append("raw");
    XXH128_hash_t h = XXH3_128bits(raw_event.data(), raw_event.size());
    identity.append(reinterpret_cast<const char*>(&h), sizeof(h));
  }
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

}  // namespace picket::engine

namespace picket::engine {
std::string SourceDocumentId(std::string_view doc_id, std::string_view event_id,
                             std::string_view raw_event) {
  if (!doc_id.empty()) return std::string(doc_id);
  if (!event_id.empty()) return std::string(event_id);
  return "raw:" + Hex128(XXH3_128bits(raw_event.data(), raw_event.size()));
}
}  // namespace picket::engine
