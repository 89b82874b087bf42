// Which fields Elastic Defend documents for each kind of event
// (data/event_fields.tsv): keyed by event.dataset, host.os.type and
// event.action. A rule whose new_terms field is missing from the events its
// query selects can never alert, because Kibana makes no new-terms bucket for
// a document without that field; `picket lint` uses this table to say so.
//
// The table is deliberately partial: Fields() returns null for any event
// kind it does not document, and callers must then make no claim.
#pragma once
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace picket::rules {

class EventFieldCatalog {
 public:
  static const EventFieldCatalog& BuiltIn();
  static std::optional<EventFieldCatalog> Parse(std::string_view text, std::string* error);

  // The documented fields of events (dataset, os, action), or null.
  const std::set<std::string>* Fields(std::string_view dataset, std::string_view os,
                                      std::string_view action) const;
  // Whether any documented event kind carries `field` (for "is this a real
  // Defend field" questions).
  bool AnyHas(std::string_view field) const;
  // The documented actions of (dataset, os), sorted.
  std::vector<std::string> Actions(std::string_view dataset, std::string_view os) const;

 private:
  // (dataset, os, action) -> fields; "*" rows are folded into every action.
  std::map<std::tuple<std::string, std::string, std::string>, std::set<std::string>> kinds_;
  std::set<std::string> all_fields_;
};

// "process.{name,pid}" -> {"process.name", "process.pid"}; one brace group.
std::vector<std::string> ExpandFieldSpec(std::string_view spec);

}  // namespace picket::rules
