// libFuzzer target: the RESP reply parser (src/redis/resp.h) on arbitrary
// bytes, as a hostile or broken server could send them. Checks that it never
// crashes, never reads past the input, that a reply parsed from a stream is
// parsed the same from exactly its own bytes, and that every proper prefix of
// a complete reply asks for more bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "redis/resp.h"

namespace {

bool Same(const picket::redis::Reply& a, const picket::redis::Reply& b) {
  if (a.type != b.type || a.str != b.str || a.integer != b.integer ||
      a.elements.size() != b.elements.size())
    return false;
  for (size_t i = 0; i < a.elements.size(); ++i)
    if (!Same(a.elements[i], b.elements[i])) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using picket::redis::ParseReply;
  using picket::redis::ParseStatus;
  using picket::redis::Reply;
  picket::redis::ReplyLimits limits;
  limits.max_string_bytes = 1 << 16;
  limits.max_elements = 1 << 12;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (int replies = 0; replies < 64 && !input.empty(); ++replies) {
    Reply reply;
    size_t used = 0;
    std::string error;
    ParseStatus status = ParseReply(input, limits, &reply, &used, &error);
    if (status != ParseStatus::kDone) {
      if (status == ParseStatus::kError && error.empty()) std::abort();
      break;
    }
    if (used == 0 || used > input.size()) std::abort();
    Reply again;
    size_t used_again = 0;
    if (ParseReply(input.substr(0, used), limits, &again, &used_again, &error) !=
            ParseStatus::kDone ||
        used_again != used || !Same(reply, again))
      std::abort();
    if (used < 512)
      for (size_t cut = 0; cut < used; ++cut) {
        Reply part;
        size_t n = 0;
        if (ParseReply(input.substr(0, cut), limits, &part, &n, &error) != ParseStatus::kNeedMore)
          std::abort();
      }
    input.remove_prefix(used);
  }
  return 0;
}
