#include "util/wildcard.h"

#include <cstring>

namespace picket {

WildcardPattern::WildcardPattern(std::vector<std::string> pieces) : pieces_(std::move(pieces)) {
  if (pieces_.empty()) pieces_.push_back("");
  for (const auto& p : pieces_) min_length_ += p.size();
}

std::vector<std::string> WildcardPattern::SplitAtStars(std::string_view glob) {
  std::vector<std::string> pieces(1);
  for (char c : glob) {
    if (c == '*')
      pieces.emplace_back();
    else
      pieces.back() += c;
  }
  return pieces;
}

WildcardPattern WildcardPattern::FromGlob(std::string_view glob) {
  return WildcardPattern(SplitAtStars(glob));
}

namespace {
// The first occurrence of `needle` (m >= 1 bytes) in `hay`. Field values are
// mostly short: there a first-byte scan and a compare beat memmem's setup.
// Longer texts go to memmem, whose time stays linear in the text whatever
// the text (values come from the events, an attacker's choice).
const char* FindPiece(const char* hay, size_t n, const char* needle, size_t m) {
  constexpr size_t kShortText = 256;
  if (n < m) return nullptr;
  if (n > kShortText) return static_cast<const char*>(memmem(hay, n, needle, m));
  const char* const last = hay + (n - m);  // the last possible start
  for (const char* p = hay; p <= last; ++p) {
    p = static_cast<const char*>(std::memchr(p, needle[0], last - p + 1));
    if (!p) return nullptr;
    if (std::memcmp(p + 1, needle + 1, m - 1) == 0) return p;
  }
  return nullptr;
}
}  // namespace

bool WildcardPattern::Matches(std::string_view text) const {
  if (text.size() < min_length_) return false;
  const size_t n = pieces_.size();
  if (n == 1) return text == pieces_[0];
  // Anchored first and last pieces, then the middle pieces left to right:
  // greedy leftmost search is exact for patterns whose only metachar is `*`.
  const std::string& first = pieces_.front();
  const std::string& last = pieces_.back();
  if (text.compare(0, first.size(), first) != 0) return false;
  if (text.compare(text.size() - last.size(), last.size(), last) != 0) return false;
  size_t pos = first.size();
  const size_t end = text.size() - last.size();
  for (size_t i = 1; i + 1 < n; ++i) {
    const std::string& piece = pieces_[i];
    if (piece.empty()) continue;
    if (pos > end || end - pos < piece.size()) return false;
    const char* hit = FindPiece(text.data() + pos, end - pos, piece.data(), piece.size());
    if (!hit) return false;
    pos = hit - text.data() + piece.size();
  }
  return pos <= end;
}

std::string WildcardPattern::ToString() const {
  std::string out;
  for (size_t i = 0; i < pieces_.size(); ++i) {
    if (i) out += '*';
    for (char c : pieces_[i]) {
      if (c == '*' || c == '\\') out += '\\';
      out += c;
    }
  }
  return out;
}

}  // namespace picket
