// Full-match wildcard patterns where `*` means any run of characters
// (including none and including newlines). There is no single-character
// wildcard: KQL's `?` is a literal. Matching is byte-wise and case-sensitive,
// as Elasticsearch's wildcard query on keyword fields.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace picket {

class WildcardPattern {
 public:
  WildcardPattern() = default;
  // `pieces` are the literal runs between stars; a pattern with n pieces has
  // n-1 stars. {"", "foo", ""} is *foo*.
  explicit WildcardPattern(std::vector<std::string> pieces);
  // A pattern whose every `*` is a wildcard (field-name patterns such as
  // "file.hash.*", which have no escapes).
  static WildcardPattern FromGlob(std::string_view glob);
  static std::vector<std::string> SplitAtStars(std::string_view glob);

  bool Matches(std::string_view text) const;
  const std::vector<std::string>& pieces() const { return pieces_; }
  // Text form with `*` for stars and `\*`, `\\` for literal ones.
  std::string ToString() const;
  // Shortest text the pattern can match (sum of the literal pieces).
  size_t min_length() const { return min_length_; }

 private:
  std::vector<std::string> pieces_;
  size_t min_length_ = 0;
};

}  // namespace picket
