// The JSON bodies picket answers with where it imitates Elasticsearch: the
// handshake endpoints shippers call before sending (version, licence, node
// info) and the error and `_bulk` response formats. Pure functions, so the
// shapes are unit-tested without a server.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "serve/bulk_request.h"

namespace picket::serve {

// The Elasticsearch version picket claims to be; 8.x makes every current
// client and shipper use the modern API paths.
inline constexpr std::string_view kEsVersion = "8.11.0";

std::string RootInfoBody(std::string_view node_name, std::string_view cluster_name);
// An active basic licence, which Beats' licence check requires.
std::string LicenseBody();
std::string XpackBody();
// One node whose publish address is `publish_address` ("127.0.0.1:9200").
std::string NodesHttpBody(std::string_view node_name, std::string_view publish_address,
                          uint64_t max_content_length);
std::string ClusterHealthBody(std::string_view cluster_name);

// {"error":{"root_cause":[{type,reason}],"type":..,"reason":..},"status":N}
std::string ErrorBody(int status, std::string_view type, std::string_view reason);

// The `_bulk` response: one item per action, in order. `ids` holds each
// item's _id (the action's or the one picket assigned). `took_ms` is the
// request's processing time.
std::string BulkResponseBody(int64_t took_ms, const std::vector<BulkItem>& items,
                             const std::vector<std::string>& ids);

}  // namespace picket::serve
