#include "engine/new_terms.h"

#include <algorithm>

namespace picket::engine {

bool CollectTermValues(event::Json doc, const std::vector<std::string>& fields,
                       const event::FieldTypes* types,
                       std::vector<std::vector<std::string>>* values) {
  values->resize(fields.size());
  std::string term;
  for (size_t i = 0; i < fields.size(); ++i) {
    std::vector<std::string>& out = (*values)[i];
    out.clear();
    uint32_t ignore_above = 0;
    if (types)
      if (const event::FieldInfo* info = types->Find(fields[i])) ignore_above = info->ignore_above;
    event::ForEachValue(doc, fields[i], [&](event::Json value) {
      term.clear();
      if (!event::ScalarToKeyword(value, &term)) return false;  // object: no term
      if (ignore_above && value.is_string() && term.size() > ignore_above) return false;
      if (std::find(out.begin(), out.end(), term) == out.end()) out.push_back(term);
      return false;
    });
    if (out.empty()) return false;
  }
  return !fields.empty();
}

size_t CombinationCount(const std::vector<std::vector<std::string>>& values) {
  size_t n = 1;
  for (const auto& v : values) {
    if (v.empty()) return 0;
    n = n > SIZE_MAX / v.size() ? SIZE_MAX : n * v.size();
  }
  return n;
}

size_t ForEachCombination(const std::vector<std::vector<std::string>>& values, size_t limit,
                          const std::function<void(const std::vector<std::string_view>&)>& visit) {
  if (values.empty()) return 0;
  for (const auto& v : values)
    if (v.empty()) return 0;
  std::vector<size_t> position(values.size(), 0);
  std::vector<std::string_view> combination(values.size());
  size_t visited = 0;
  while (visited < limit) {
    for (size_t i = 0; i < values.size(); ++i) combination[i] = values[i][position[i]];
    visit(combination);
    ++visited;
    // Odometer: the last field varies fastest, like composite aggregation order.
    size_t i = values.size();
    while (i > 0) {
      --i;
      if (++position[i] < values[i].size()) break;
      position[i] = 0;
      if (i == 0) return visited;
    }
  }
  return visited;
}

void BuildTermKey(std::string_view rule_key, const std::vector<std::string_view>& combination,
                  std::string* key) {
  key->clear();
  auto append = [key](std::string_view s) {
    uint32_t n = static_cast<uint32_t>(s.size());
    key->append(reinterpret_cast<const char*>(&n), sizeof(n));
    key->append(s);
  };
  append(rule_key);
  for (std::string_view v : combination) append(v);
}

}  // namespace picket::engine
