#include "eql/similar.h"

#include <algorithm>

namespace picket::eql {

float LevenshteinSimilarity(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return a.size() == b.size() ? 1.0f : 0.0f;
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
    }
    std::swap(prev, cur);
  }
  return 1.0f -
         static_cast<float>(prev[b.size()]) / static_cast<float>(std::max(a.size(), b.size()));
}

std::vector<std::string> FindSimilar(std::string_view name,
                                     const std::vector<std::string>& candidates) {
  std::vector<std::pair<float, const std::string*>> scored;
  for (const auto& c : candidates) {
    float s = LevenshteinSimilarity(name, c);
    if (s >= 0.5f) scored.emplace_back(s, &c);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& x, const auto& y) { return x.first > y.first; });
  std::vector<std::string> out;
  for (const auto& [score, c] : scored) out.push_back(*c);
  return out;
}

std::string SimilarList(const std::vector<std::string>& names) {
  if (names.size() == 1) return "[" + names[0] + "]";
  std::string out = "any of [";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ", ";
    out += names[i];
  }
  return out + "]";
}

}  // namespace picket::eql
