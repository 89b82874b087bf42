// The `--state` URL of `picket serve` for Redis (docs/redis.md):
//
//   redis://[USER[:PASSWORD]@]HOST:PORT[,HOST:PORT...][/]
//   rediss://...   the same over TLS
//
// Several HOST:PORT are seeds: any one that answers gives the cluster's
// slot map. USER and PASSWORD may be percent-encoded (%40 for '@'); a
// password on the command line is visible to other local users, so serve
// also reads it from a file or the environment (docs/redis.md, "Access").
// Database numbers other than 0 are refused: Redis Cluster has only 0.
#pragma once
#include <string>
#include <string_view>

#include "state/redis_term_store.h"

namespace picket::state {

// True when `url` names Redis (redis:// or rediss://).
bool IsRedisUrl(std::string_view url);

// Fills options->cluster.seeds, .connect.tls.enabled, .connect.user and
// .connect.password from `url`; false with *error when it is malformed.
bool ParseRedisUrl(std::string_view url, RedisStoreOptions* options, std::string* error);

}  // namespace picket::state
