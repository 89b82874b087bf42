#include "serve/auth.h"

namespace picket::serve {

namespace {
int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool HasColonWithBothSides(std::string_view s) {
  size_t colon = s.find(':');
  return colon != std::string_view::npos && colon > 0 && colon + 1 < s.size();
}

// "Scheme credentials" -> credentials when the scheme matches
// (case-insensitively).
bool StripScheme(std::string_view header, std::string_view scheme, std::string_view* rest) {
  if (header.size() <= scheme.size() || header[scheme.size()] != ' ') return false;
  for (size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) !=
        std::tolower(static_cast<unsigned char>(scheme[i])))
      return false;
  *rest = header.substr(scheme.size() + 1);
  while (!rest->empty() && rest->front() == ' ') rest->remove_prefix(1);
  while (!rest->empty() && rest->back() == ' ') rest->remove_suffix(1);
  return true;
}
}  // namespace

bool Base64Decode(std::string_view in, std::string* out) {
  out->clear();
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : in) {
    int v = Base64Value(c);
    if (v < 0) return false;
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  // A single leftover character cannot encode a byte, and the unused low
  // bits must be zero (canonical encoding: one string per credential).
  return bits < 6 && (buffer & ((1u << bits) - 1)) == 0;
}

bool Authenticator::SetApiKey(std::string_view id_colon_key, std::string* error) {
  if (!HasColonWithBothSides(id_colon_key)) {
    *error = "--api-key must be ID:KEY";
    return false;
  }
  api_key_ = std::string(id_colon_key);
  return true;
}

bool Authenticator::SetBasic(std::string_view user_colon_password, std::string* error) {
  if (!HasColonWithBothSides(user_colon_password)) {
    *error = "--basic-auth must be USER:PASSWORD";
    return false;
  }
  basic_ = std::string(user_colon_password);
  return true;
}

bool Authenticator::Allows(std::string_view header) const {
  if (!enabled()) return true;
  std::string_view encoded;
  std::string decoded;
  if (!api_key_.empty() && StripScheme(header, "ApiKey", &encoded))
    return Base64Decode(encoded, &decoded) && ConstantTimeEquals(decoded, api_key_);
  if (!basic_.empty() && StripScheme(header, "Basic", &encoded))
    return Base64Decode(encoded, &decoded) && ConstantTimeEquals(decoded, basic_);
  return false;
}

}  // namespace picket::serve
