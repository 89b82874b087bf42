#include "kql/keyword_set.h"

#include <algorithm>

namespace picket::kql {

void KeywordSet::ByLength::Add(std::string_view s) {
  strings.Insert(s);
  uint32_t n = static_cast<uint32_t>(s.size());
  auto at = std::lower_bound(lengths.begin(), lengths.end(), n);
  if (at == lengths.end() || *at != n) lengths.insert(at, n);
}

bool KeywordSet::Add(const Predicate& p) {
  if (p.kind == Predicate::kKeywordEq) {
    exact_.Insert(p.text);
  } else if (p.kind == Predicate::kKeywordWildcard) {
    const std::vector<std::string>& pieces = p.pattern.pieces();
    // Two pieces around one star: {"", "x"} is *x, {"x", ""} is x*.
    if (pieces.size() != 2 || pieces[0].empty() == pieces[1].empty()) return false;
    if (pieces[0].empty())
      suffixes_.Add(pieces[1]);
    else
      prefixes_.Add(pieces[0]);
  } else {
    return false;
  }
  ++size_;
  return true;
}

bool KeywordSet::Matches(std::string_view term) const {
  if (exact_.size() <= kFewTerms) {
    for (uint32_t i = 0; i < exact_.size(); ++i)
      if (std::string_view(exact_.at(i)) == term) return true;
  } else if (exact_.Contains(term)) {
    return true;
  }
  for (uint32_t n : prefixes_.lengths) {
    if (n > term.size()) break;
    if (prefixes_.strings.Contains(term.substr(0, n))) return true;
  }
  for (uint32_t n : suffixes_.lengths) {
    if (n > term.size()) break;
    if (suffixes_.strings.Contains(term.substr(term.size() - n))) return true;
  }
  return false;
}

}  // namespace picket::kql
