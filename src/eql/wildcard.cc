#include "eql/wildcard.h"

#include "eql/utf8.h"

namespace picket::eql {
namespace {

bool IsLineTerminator(uint32_t cp) {
  return cp == '\n' || cp == '\r' || cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

thread_local std::string tl_lowered;

}  // namespace

EqlWildcard::EqlWildcard(std::string_view pattern, bool case_insensitive, bool script)
    : pattern_(pattern), ci_(case_insensitive), script_(script) {
  bool has_one = false;
  for (size_t i = 0; i < pattern.size();) {
    uint32_t cp = NextCodePoint(pattern, &i);
    if (cp == '*') {
      cps_.push_back(kStar);
      alt_.push_back(kStar);
      has_wildcards_ = true;
    } else if (cp == '?') {
      cps_.push_back(kOne);
      alt_.push_back(kOne);
      has_wildcards_ = has_one = true;
    } else {
      cps_.push_back(cp);
      alt_.push_back(ci_ ? AlternateCase(cp) : cp);
    }
  }
  // `*` and `?` are ASCII, never inside a multi-byte sequence.
  const size_t first = pattern.find_first_of("*?");
  const size_t last = pattern.find_last_of("*?");
  head_ = pattern.substr(0, first);
  tail_ = first == std::string_view::npos ? head_ : pattern.substr(last + 1);
  bool ascii = IsAscii(pattern);
  fast_ = !has_one && !script_ && (!ci_ || ascii);
  if (fast_) {
    std::string text(pattern);
    if (ci_) AsciiLowerInto(pattern, &text);
    star_ = WildcardPattern(WildcardPattern::SplitAtStars(text));
  }
}

EqlWildcard EqlWildcard::FromPieces(const std::vector<std::string>& pieces, bool case_insensitive) {
  EqlWildcard w;
  w.ci_ = case_insensitive;
  bool ascii = true;
  for (size_t k = 0; k < pieces.size(); ++k) {
    if (k) {
      w.cps_.push_back(kStar);
      w.alt_.push_back(kStar);
      w.has_wildcards_ = true;
      w.pattern_ += '*';
    }
    w.pattern_ += pieces[k];
    ascii = ascii && IsAscii(pieces[k]);
    for (size_t i = 0; i < pieces[k].size();) {
      uint32_t cp = NextCodePoint(pieces[k], &i);
      w.cps_.push_back(cp);
      w.alt_.push_back(case_insensitive ? AlternateCase(cp) : cp);
    }
  }
  if (!pieces.empty()) {
    w.head_ = pieces.front();
    w.tail_ = pieces.back();
  }
  w.fast_ = !case_insensitive || ascii;
  if (w.fast_) {
    std::vector<std::string> folded = pieces;
    if (case_insensitive)
      for (auto& p : folded) AsciiLowerInto(std::string(p), &p);
    w.star_ = WildcardPattern(std::move(folded));
  }
  return w;
}

bool EqlWildcard::AnchoredLiteral(std::string* out, bool* prefix) const {
  auto usable = [&](const std::string& literal) {
    if (literal.empty()) return false;
    if (ci_) return IsAscii(literal);
    for (size_t i = 0; i < literal.size();)
      if (NextCodePoint(literal, &i) == 0xFFFD) return false;
    return true;
  };
  const bool head = usable(head_), tail = usable(tail_);
  if (!head && !tail) return false;
  *prefix = head && (!tail || head_.size() >= tail_.size());
  AsciiLowerInto(*prefix ? head_ : tail_, out);
  return true;
}

bool EqlWildcard::MatchesLowered(std::string_view lowered) const {
  return fast_ ? star_.Matches(lowered) : Generic(lowered);
}

bool EqlWildcard::Matches(std::string_view text) const {
  if (fast_) {
    if (!ci_) return star_.Matches(text);
    AsciiLowerInto(text, &tl_lowered);
    return star_.Matches(tl_lowered);
  }
  return Generic(text);
}

// Two-pointer matching with backtracking to the last star: linear for
// patterns with one star, O(text * pattern) at worst.
bool EqlWildcard::Generic(std::string_view text) const {
  size_t pi = 0, ti = 0;
  size_t star_pi = SIZE_MAX, star_ti = 0;
  auto same = [&](size_t k, uint32_t c) {
    return cps_[k] == kOne ? !(script_ && IsLineTerminator(c)) : (cps_[k] == c || alt_[k] == c);
  };
  while (ti < text.size()) {
    size_t next = ti;
    uint32_t c = NextCodePoint(text, &next);
    if (pi < cps_.size() && cps_[pi] != kStar && same(pi, c)) {
      ++pi;
      ti = next;
    } else if (pi < cps_.size() && cps_[pi] == kStar) {
      star_pi = pi++;
      star_ti = ti;
    } else if (star_pi != SIZE_MAX) {
      // The star absorbs one more character (unless it cannot: a line
      // terminator in a script pattern).
      size_t after = star_ti;
      uint32_t absorbed = NextCodePoint(text, &after);
      if (script_ && IsLineTerminator(absorbed)) return false;
      pi = star_pi + 1;
      star_ti = after;
      ti = after;
    } else {
      return false;
    }
  }
  while (pi < cps_.size() && cps_[pi] == kStar) ++pi;
  return pi == cps_.size();
}

}  // namespace picket::eql
