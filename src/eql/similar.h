// "Did you mean" suggestions as Elasticsearch makes them for unknown
// columns, functions and pipes: candidates whose Levenshtein similarity
// (1 - distance / longer length, Lucene's LevenshteinDistance) is at least
// 0.5, most similar first.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace picket::eql {

float LevenshteinSimilarity(std::string_view a, std::string_view b);

std::vector<std::string> FindSimilar(std::string_view name,
                                     const std::vector<std::string>& candidates);

// "[a]" for one suggestion, "any of [a, b]" for several.
std::string SimilarList(const std::vector<std::string>& names);

}  // namespace picket::eql
