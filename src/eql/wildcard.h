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

 private:
  bool Generic(std::string_view text) const;

  std::string pattern_;
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
