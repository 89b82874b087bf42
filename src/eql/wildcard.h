// EQL wildcard patterns (`:`, like, like~): `*` is any run of characters,
// `?` exactly one character (a code point); every other character,
// backslash included, is itself. Matching is of the whole value.
//
// Two flavours, as Elasticsearch has two engines:
//   * query (a field compared directly, a Lucene wildcard query): `*` and
//     `?` match any code point; case-insensitive matching accepts, for each
//     pattern code point, itself or its other case (Lucene's automaton);
//   * script (a computed value, a Java regex built from the pattern): `*`
//     and `?` do not match line terminators (\n \r \u0085 \u2028 \u2029).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/wildcard.h"

namespace picket::eql {

class EqlWildcard {
 public:
  EqlWildcard() = default;
  EqlWildcard(std::string_view pattern, bool case_insensitive, bool script = false);
  // Literal pieces joined by `*` wildcards; `*` and `?` inside a piece are
  // ordinary characters (startsWith: {"abc", ""}; stringContains: {"", "abc", ""}).
  static EqlWildcard FromPieces(const std::vector<std::string>& pieces, bool case_insensitive);

  bool Matches(std::string_view text) const;

  bool has_wildcards() const { return has_wildcards_; }
  bool case_insensitive() const { return ci_; }
  // The pattern as written.
  const std::string& pattern() const { return pattern_; }
  // Whether Matches() needs an ASCII-lowered text (see MatchesLowered).
  bool wants_lowered() const { return fast_ && ci_; }
  // Matches() for a text already passed through AsciiLowerInto (callers
  // testing many patterns on one value fold it once).
  bool MatchesLowered(std::string_view lowered) const;

  // What every match starts or ends with, for the rule index: the literal
  // text before the first wildcard (`*prefix = true`) or after the last one
  // (false), whichever is longer, ASCII-lowered, so that every matching
  // text, ASCII-lowered, starts (ends) with *out; the whole pattern when it
  // has no wildcard. False when no such text can be stated byte for byte:
  // no literal end (`*x*`), or a case-insensitive literal with non-ASCII
  // text (its other case may be other bytes, even ASCII: U+212A K), or
  // U+FFFD (which matches invalid bytes of the text).
  bool AnchoredLiteral(std::string* out, bool* prefix) const;

 private:
  bool Generic(std::string_view text) const;

  std::string pattern_;
  // The literal text before the first and after the last wildcard (both
  // the whole pattern without wildcards), as bytes.
  std::string head_, tail_;
  bool ci_ = false;
  bool script_ = false;
  bool has_wildcards_ = false;
  // Fast path: no `?`, and either case-sensitive or an ASCII pattern (then
  // the lowered pieces match the lowered text byte for byte).
  bool fast_ = false;
  WildcardPattern star_;
  // Generic path: code points, with kStar / kOne for the wildcards.
  static constexpr uint32_t kStar = 0xFFFFFFFF, kOne = 0xFFFFFFFE;
  std::vector<uint32_t> cps_;
  std::vector<uint32_t> alt_;  // the other case of each pattern code point
};

}  // namespace picket::eql
