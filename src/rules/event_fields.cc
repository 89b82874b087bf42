#include "rules/event_fields.h"

#include <cstdio>
#include <cstdlib>
#include <tuple>

#include "util/embedded.h"
#include "util/text_lines.h"

namespace picket::rules {
namespace {


}  // namespace

std::vector<std::string> ExpandFieldSpec(std::string_view spec) {
  size_t open = spec.find('{');
  size_t close = spec.find('}');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open)
    return {std::string(spec)};
  std::string prefix(spec.substr(0, open));
  std::string suffix(spec.substr(close + 1));
  std::vector<std::string> out;
  for (std::string_view part : Split(spec.substr(open + 1, close - open - 1), ','))
    if (!part.empty()) out.push_back(prefix + std::string(part) + suffix);
  return out;
}

std::optional<EventFieldCatalog> EventFieldCatalog::Parse(std::string_view text,
                                                          std::string* error) {
  EventFieldCatalog catalog;
  // Rows for action "*" apply to every action of their (dataset, os); they
  // are kept aside and merged once all named actions are known.
  std::map<std::pair<std::string, std::string>, std::set<std::string>> shared;
  std::string failure;
  ForEachDataLine(text, [&](size_t line_no, std::string_view line) {
    auto cols = Split(line, '\t');
    if (cols.size() != 4) {
      failure = "line " + std::to_string(line_no) + ": expected 4 tab-separated columns";
      return false;
    }
    auto fields = ExpandFieldSpec(cols[3]);
    for (const auto& f : fields) catalog.all_fields_.insert(f);
    std::string dataset(cols[0]), os(cols[1]);
    if (cols[2] == "*") {
      shared[{dataset, os}].insert(fields.begin(), fields.end());
      return true;
    }
    for (std::string_view action : Split(cols[2], ','))
      catalog.kinds_[{dataset, os, std::string(action)}].insert(fields.begin(), fields.end());
    return true;
  });
  if (!failure.empty()) {
    if (error) *error = failure;
    return std::nullopt;
  }
  for (auto& [key, fields] : catalog.kinds_) {
    auto it = shared.find({std::get<0>(key), std::get<1>(key)});
    if (it != shared.end()) fields.insert(it->second.begin(), it->second.end());
  }
  return catalog;
}

const EventFieldCatalog& EventFieldCatalog::BuiltIn() {
  static const EventFieldCatalog* catalog = [] {
    std::string error;
    auto parsed = Parse(EmbeddedFile("data/event_fields.tsv"), &error);
    if (!parsed) {
      std::fprintf(stderr, "picket: bundled data/event_fields.tsv is unusable: %s\n", error.c_str());
      std::abort();
    }
    return new EventFieldCatalog(std::move(*parsed));
  }();
  return *catalog;
}

const std::set<std::string>* EventFieldCatalog::Fields(std::string_view dataset, std::string_view os,
                                                       std::string_view action) const {
  auto it = kinds_.find({std::string(dataset), std::string(os), std::string(action)});
  return it == kinds_.end() ? nullptr : &it->second;
}

bool EventFieldCatalog::AnyHas(std::string_view field) const {
  return all_fields_.count(std::string(field)) > 0;
}

std::vector<std::string> EventFieldCatalog::Actions(std::string_view dataset,
                                                    std::string_view os) const {
  std::vector<std::string> out;
  for (const auto& [key, fields] : kinds_)
    if (std::get<0>(key) == dataset && std::get<1>(key) == os) out.push_back(std::get<2>(key));
  return out;
}

}  // namespace picket::rules
