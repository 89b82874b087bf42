#include "engine/index_name.h"

#include <cstring>

namespace picket::engine {

namespace {
std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

WildcardPattern GlobToPattern(std::string_view glob) {
  std::vector<std::string> pieces;
  size_t start = 0;
  while (true) {
    size_t star = glob.find('*', start);
    if (star == std::string_view::npos) {
      pieces.emplace_back(glob.substr(start));
      break;
    }
    pieces.emplace_back(glob.substr(start, star - start));
    start = star + 1;
  }
  return WildcardPattern(std::move(pieces));
}
}  // namespace

std::string DataStreamIndex(event::Json doc) {
  std::string_view type, dataset, ns;
  event::FirstString(doc, "data_stream.type", &type);
  event::FirstString(doc, "data_stream.dataset", &dataset);
  event::FirstString(doc, "data_stream.namespace", &ns);
  std::string index;
  JoinDataStreamIndex(type, dataset, ns, &index);
  return index;
}

void JoinDataStreamIndex(std::string_view type, std::string_view dataset, std::string_view ns,
                         std::string* out) {
  out->clear();
  if (type.empty() || dataset.empty() || ns.empty()) return;
  // Once per event: one resize and three copies rather than five appends
  // (each with its own capacity check).
  out->resize(type.size() + dataset.size() + ns.size() + 2);
  char* p = out->data();
  std::memcpy(p, type.data(), type.size());
  p += type.size();
  *p++ = '-';
  std::memcpy(p, dataset.data(), dataset.size());
  p += dataset.size();
  *p++ = '-';
  std::memcpy(p, ns.data(), ns.size());
}

IndexPatterns::IndexPatterns(const std::vector<std::string>& patterns) {
  for (const std::string& list : patterns) {
    std::string_view rest = list;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view item = Trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      bool exclude = !item.empty() && item.front() == '-';
      if (exclude) item.remove_prefix(1);
      if (size_t colon = item.find(':'); colon != std::string_view::npos)
        item = item.substr(colon + 1);
      if (item.empty()) continue;
      (exclude ? exclude_ : include_).push_back(GlobToPattern(item));
    }
  }
  match_all_ = include_.empty() && exclude_.empty();
}

bool IndexPatterns::Covers(std::string_view index) const {
  if (match_all_ || index.empty()) return true;
  bool included = false;
  for (const auto& p : include_)
    if (p.Matches(index)) {
      included = true;
      break;
    }
  if (!included) return false;
  for (const auto& p : exclude_)
    if (p.Matches(index)) return false;
  return true;
}

}  // namespace picket::engine
