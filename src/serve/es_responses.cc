#include "serve/es_responses.h"

#include "engine/json_text.h"

namespace picket::serve {

using engine::AppendJsonKey;
using engine::AppendJsonString;

namespace {
std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "ok";
    case 201:
      return "created";
    case 404:
      return "not_found";
    default:
      return "";
  }
}
}  // namespace

std::string RootInfoBody(std::string_view node_name, std::string_view cluster_name) {
  std::string out = "{\"name\":";
  AppendJsonString(&out, node_name);
  out += ",\"cluster_name\":";
  AppendJsonString(&out, cluster_name);
  out += ",\"cluster_uuid\":\"cGlja2V0LWNsdXN0ZXItMQ\",\"version\":{\"number\":\"";
  out += kEsVersion;
  out +=
      "\",\"build_flavor\":\"default\",\"build_type\":\"picket\",\"build_hash\":\"picket\","
      "\"build_date\":\"2026-01-01T00:00:00.000Z\",\"build_snapshot\":false,"
      "\"lucene_version\":\"9.8.0\",\"minimum_wire_compatibility_version\":\"7.17.0\","
      "\"minimum_index_compatibility_version\":\"7.0.0\"},"
      "\"tagline\":\"You Know, for Search\"}";
  return out;
}

std::string LicenseBody() {
  return "{\"license\":{\"status\":\"active\",\"uid\":\"7069636b-6574-4c69-6365-6e7365000001\","
         "\"type\":\"basic\",\"issue_date\":\"2026-01-01T00:00:00.000Z\","
         "\"issue_date_in_millis\":1767225600000,\"max_nodes\":1000,\"max_resource_units\":null,"
         "\"issued_to\":\"picket\",\"issuer\":\"elasticsearch\",\"start_date_in_millis\":-1}}";
}

std::string XpackBody() {
  return "{\"build\":{\"hash\":\"picket\",\"date\":\"2026-01-01T00:00:00.000Z\"},"
         "\"license\":{\"uid\":\"7069636b-6574-4c69-6365-6e7365000001\",\"type\":\"basic\","
         "\"mode\":\"basic\",\"status\":\"active\"},\"features\":{}}";
}

std::string NodesHttpBody(std::string_view node_name, std::string_view publish_address,
                          uint64_t max_content_length) {
  std::string out =
      "{\"_nodes\":{\"total\":1,\"successful\":1,\"failed\":0},\"cluster_name\":\"picket\","
      "\"nodes\":{\"cGlja2V0LW5vZGUtMQ\":{\"name\":";
  AppendJsonString(&out, node_name);
  out += ",\"version\":\"";
  out += kEsVersion;
  out += "\",\"roles\":[\"data\",\"ingest\",\"master\"],\"http\":{\"bound_address\":[";
  AppendJsonString(&out, publish_address);
  out += "],\"publish_address\":";
  AppendJsonString(&out, publish_address);
  out += ",\"max_content_length_in_bytes\":" + std::to_string(max_content_length) + "}}}}";
  return out;
}

std::string ClusterHealthBody(std::string_view cluster_name) {
  std::string out = "{\"cluster_name\":";
  AppendJsonString(&out, cluster_name);
  out +=
      ",\"status\":\"green\",\"timed_out\":false,\"number_of_nodes\":1,"
      "\"number_of_data_nodes\":1,\"active_primary_shards\":0,\"active_shards\":0,"
      "\"relocating_shards\":0,\"initializing_shards\":0,\"unassigned_shards\":0}";
  return out;
}

std::string ErrorBody(int status, std::string_view type, std::string_view reason) {
  std::string cause = "{\"type\":";
  AppendJsonString(&cause, type);
  cause += ",\"reason\":";
  AppendJsonString(&cause, reason);
  cause += "}";
  std::string out = "{\"error\":{\"root_cause\":[" + cause + "],";
  out.append(cause, 1, cause.size() - 2);  // type and reason again, without braces
  out += "},\"status\":" + std::to_string(status) + "}";
  return out;
}

std::string BulkResponseBody(int64_t took_ms, const std::vector<BulkItem>& items,
                             const std::vector<std::string>& ids) {
  bool errors = false;
  for (const BulkItem& item : items)
    if (item.status >= 400 && item.status != 404) errors = true;
  std::string out;
  out.reserve(64 + items.size() * 200);
  out += "{\"took\":" + std::to_string(took_ms) + ",\"errors\":" + (errors ? "true" : "false") +
         ",\"items\":[";
  for (size_t i = 0; i < items.size(); ++i) {
    const BulkItem& item = items[i];
    if (i) out += ',';
    out += "{\"";
    out += BulkOpName(item.op);
    out += "\":{\"_index\":";
    AppendJsonString(&out, item.index);
    out += ",\"_id\":";
    AppendJsonString(&out, i < ids.size() ? std::string_view(ids[i]) : std::string_view());
    if (item.status < 400 || item.status == 404) {
      out += ",\"_version\":1,\"result\":\"";
      out += ReasonPhrase(item.status);
      out +=
          "\",\"_shards\":{\"total\":1,\"successful\":1,\"failed\":0},"
          "\"_seq_no\":0,\"_primary_term\":1";
    } else {
      out += ",\"error\":{\"type\":";
      AppendJsonString(&out, item.error_type);
      out += ",\"reason\":";
      AppendJsonString(&out, item.error_reason);
      out += "}";
    }
    out += ",\"status\":" + std::to_string(item.status) + "}}";
  }
  out += "]}";
  return out;
}

}  // namespace picket::serve
