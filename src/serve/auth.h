// Optional client authentication, as Elasticsearch does it: an API key
// ("Authorization: ApiKey base64(id:key)", the form Beats, Elastic Agent and
// the official clients send) and/or HTTP basic auth. With neither configured
// every request is allowed. Comparisons are constant-time.
#pragma once
#include <string>
#include <string_view>

namespace picket::serve {

class Authenticator {
 public:
  // "id:key" as created in Elasticsearch; false with *error when malformed.
  bool SetApiKey(std::string_view id_colon_key, std::string* error);
  // "user:password".
  bool SetBasic(std::string_view user_colon_password, std::string* error);

  bool enabled() const { return !api_key_.empty() || !basic_.empty(); }
  // True when the Authorization header value is accepted.
  bool Allows(std::string_view authorization_header) const;

 private:
  std::string api_key_;  // decoded "id:key"
  std::string basic_;    // decoded "user:password"
};

// Standard base64 (with or without padding); false on bad input.
bool Base64Decode(std::string_view in, std::string* out);

}  // namespace picket::serve
