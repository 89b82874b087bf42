// Which index an event belongs to, and whether a rule's index patterns
// cover it.
//
// An event's index is, in order: the index it arrived for (a bulk action),
// else its data stream name `<data_stream.type>-<data_stream.dataset>-
// <data_stream.namespace>` when all three are strings, else the caller's
// default (`--index`). An empty index means "unknown": every rule sees such
// an event (project decision, docs/engine.md).
//
// Index patterns follow Kibana's index-pattern syntax: a rule lists patterns,
// each may itself be a comma list; `*` matches any run of characters; a
// pattern starting with `-` excludes what it matches; a cross-cluster prefix
// (`remote:logs-*`) is matched on the part after the colon. A rule without
// patterns (e.g. one that uses a data view) sees every event.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "event/document.h"
#include "util/wildcard.h"

namespace picket::engine {

// The data stream name of the event, or "" when incomplete.
std::string DataStreamIndex(event::Json doc);
// "type-dataset-namespace" into *out, or "" when a part is empty (the
// detector finds the parts through its per-event field cache).
void JoinDataStreamIndex(std::string_view type, std::string_view dataset, std::string_view ns,
                         std::string* out);

class IndexPatterns {
 public:
  IndexPatterns() = default;
  explicit IndexPatterns(const std::vector<std::string>& patterns);

  // True when the rule should see an event of `index` ("" = unknown: true).
  bool Covers(std::string_view index) const;
  bool match_all() const { return match_all_; }

 private:
  std::vector<WildcardPattern> include_;
  std::vector<WildcardPattern> exclude_;
  bool match_all_ = true;
};

}  // namespace picket::engine
