// See npy.h.
#include "scan/npy.h"

namespace picket::scan {
namespace {

constexpr std::string_view kMagic("\x93NUMPY", 6);

// True if `code` (one quoted dtype string) is an object type code.
bool IsObjectCode(std::string_view code) {
  if (!code.empty() && (code[0] == '<' || code[0] == '>' || code[0] == '|' || code[0] == '=')) {
    code.remove_prefix(1);
  }
  return code == "O" || code == "O4" || code == "O8" || code == "object";
}

}  // namespace

bool LooksLikeNpy(std::string_view bytes) { return bytes.starts_with(kMagic); }

bool ParseNpyHeader(std::string_view bytes, NpyHeader* out, std::string* error) {
  if (!LooksLikeNpy(bytes) || bytes.size() < 10) {
    *error = "not a .npy file";
    return false;
  }
  out->major = static_cast<uint8_t>(bytes[6]);
  out->minor = static_cast<uint8_t>(bytes[7]);
  uint64_t header_len = 0, start = 0;
  if (out->major == 1) {
    header_len = static_cast<uint8_t>(bytes[8]) | (static_cast<uint8_t>(bytes[9]) << 8);
    start = 10;
  } else if (out->major == 2 || out->major == 3) {
    if (bytes.size() < 12) {
      *error = ".npy header is truncated";
      return false;
    }
    for (int i = 0; i < 4; ++i)
      header_len |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[8 + i])) << (8 * i);
    start = 12;
  } else {
    *error = "unsupported .npy version " + std::to_string(out->major);
    return false;
  }
  if (start + header_len > bytes.size()) {
    *error = ".npy header is truncated";
    return false;
  }
  out->data_offset = start + header_len;
  std::string_view header = bytes.substr(start, header_len);
  size_t key = header.find("'descr'");
  if (key == std::string_view::npos) key = header.find("\"descr\"");
  if (key == std::string_view::npos) {
    *error = ".npy header has no descr";
    return false;
  }
  size_t colon = header.find(':', key);
  if (colon == std::string_view::npos) {
    *error = ".npy header is malformed";
    return false;
  }
  size_t v = header.find_first_not_of(" \t", colon + 1);
  if (v == std::string_view::npos) {
    *error = ".npy header is malformed";
    return false;
  }
  if (header[v] == '\'' || header[v] == '"') {
    size_t end = header.find(header[v], v + 1);
    if (end == std::string_view::npos) {
      *error = ".npy descr is unterminated";
      return false;
    }
    out->descr = std::string(header.substr(v + 1, end - v - 1));
    out->has_object = IsObjectCode(out->descr);
    out->descr_understood = true;
    return true;
  }
  if (header[v] == '[') {
    // Structured dtype: any quoted token that is an object code makes the
    // whole array pickled. Field names equal to "O" err on the safe side.
    int depth = 0;
    size_t i = v;
    for (; i < header.size(); ++i) {
      char c = header[i];
      if (c == '[' || c == '(') ++depth;
      if (c == ']' || c == ')') {
        if (--depth == 0) break;
      }
      if (c == '\'' || c == '"') {
        size_t end = header.find(c, i + 1);
        if (end == std::string_view::npos) break;
        if (IsObjectCode(header.substr(i + 1, end - i - 1))) out->has_object = true;
        i = end;
      }
    }
    out->descr = std::string(header.substr(v, i - v + 1));
    out->descr_understood = depth == 0;
    return true;
  }
  out->descr = std::string(header.substr(v, 32));
  out->descr_understood = false;
  return true;
}

}  // namespace picket::scan
