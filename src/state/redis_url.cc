#include "state/redis_url.h"

namespace picket::state {

namespace {

bool PercentDecode(std::string_view in, std::string* out, std::string* error) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    auto hex = [](char c) {
      return c >= '0' && c <= '9'   ? c - '0'
             : c >= 'a' && c <= 'f' ? c - 'a' + 10
             : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                    : -1;
    };
    if (i + 2 >= in.size() || hex(in[i + 1]) < 0 || hex(in[i + 2]) < 0) {
      *error = "bad percent-encoding in the Redis URL's user or password";
      return false;
    }
    out->push_back(static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2])));
    i += 2;
  }
  return true;
}

}  // namespace

bool IsRedisUrl(std::string_view url) {
  return url.rfind("redis://", 0) == 0 || url.rfind("rediss://", 0) == 0;
}

bool ParseRedisUrl(std::string_view url, RedisStoreOptions* options, std::string* error) {
  std::string_view rest;
  if (url.rfind("redis://", 0) == 0) {
    rest = url.substr(8);
    options->cluster.connect.tls.enabled = false;
  } else if (url.rfind("rediss://", 0) == 0) {
    rest = url.substr(9);
    options->cluster.connect.tls.enabled = true;
  } else {
    *error = "a Redis URL starts with redis:// or rediss://, got \"" + std::string(url) + "\"";
    return false;
  }
  size_t slash = rest.find('/');
  if (slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && db != "0") {
      *error =
          "Redis Cluster has only database 0; remove \"/" + std::string(db) + "\" from the URL";
      return false;
    }
    rest = rest.substr(0, slash);
  }
  size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    size_t colon = userinfo.find(':');
    std::string user, password;
    if (!PercentDecode(userinfo.substr(0, colon), &user, error)) return false;
    if (colon != std::string_view::npos &&
        !PercentDecode(userinfo.substr(colon + 1), &password, error))
      return false;
    options->cluster.connect.user = user;
    if (colon != std::string_view::npos) options->cluster.connect.password = password;
  }
  if (!redis::ParseHostPorts(rest, &options->cluster.seeds, error)) {
    *error = "in the Redis URL: " + *error;
    return false;
  }
  return true;
}

}  // namespace picket::state
