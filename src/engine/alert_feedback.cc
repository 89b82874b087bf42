#include "engine/alert_feedback.h"

#include <algorithm>

#include "engine/index_name.h"
#include "engine/json_text.h"
#include "util/utf8.h"

namespace picket::engine {

std::string AlertsIndexName(std::string_view space_id) {
  return ".alerts-security.alerts-" + std::string(space_id.empty() ? "default" : space_id);
}

bool ReadsAlerts(const rules::Rule& rule, std::string_view alerts_index) {
  // The alerts index is a hidden alias. Elasticsearch expands a wildcard to
  // hidden indices and aliases only when the pattern itself starts with a
  // dot (IndexNameExpressionResolver), so `*` or `logs-*` never read alerts
  // while `.alerts-security.*` does; exclusions still apply.
  std::vector<std::string> dotted;
  bool includes = false;
  for (const std::string& pattern : rule.index) {
    if (pattern.starts_with('.')) {
      includes = true;
      dotted.push_back(pattern);
    } else if (pattern.starts_with('-')) {
      dotted.push_back(pattern);
    }
  }
  if (!includes) return false;
  return IndexPatterns(dotted).Covers(alerts_index);
}

namespace {
constexpr std::string_view kRuleIdField = "kibana.alert.rule.rule_id";
constexpr std::string_view kRuleNameField = "kibana.alert.rule.name";
constexpr std::string_view kRuleUuidField = "kibana.alert.rule.uuid";

// The rule's value of a term's field, when it is one of the fields every
// alert of the rule has (nullopt: any other field, unknown before the alert).
std::optional<std::string_view> RuleValue(const kql::RequiredTerms& t, const AlertRuleFields& r) {
  if (t.presence || t.ip) return std::nullopt;
  if (t.field == kRuleIdField) return r.rule_id;
  if (t.field == kRuleNameField) return r.name;
  if (t.field == kRuleUuidField) return r.uuid;
  return std::nullopt;
}

// False when the term is on a known field and no alternative holds for its
// value (lowered terms compare the value ASCII-lowered, as the rule index does).
bool TermMayHold(const kql::RequiredTerms& t, const AlertRuleFields& r) {
  std::optional<std::string_view> known = RuleValue(t, r);
  if (!known) return true;
  std::string lowered;
  std::string_view v = *known;
  if (t.lowered) {
    AsciiLowerInto(v, &lowered);
    v = lowered;
  }
  for (const std::string& x : t.values)
    if (v == x) return true;
  for (const std::string& p : t.prefixes)
    if (v.starts_with(p)) return true;
  for (const std::string& s : t.suffixes)
    if (v.ends_with(s)) return true;
  return false;
}

bool AllMayHold(const std::vector<kql::RequiredTerms>& terms, const AlertRuleFields& r) {
  for (const kql::RequiredTerms& t : terms)
    if (!TermMayHold(t, r)) return false;
  return true;
}
}  // namespace

bool MayMatchAlertsOf(const kql::IndexFacts& facts, const AlertRuleFields& rule) {
  if (!AllMayHold(facts.terms, rule)) return false;
  for (const kql::TermBranches& branches : facts.alternatives) {
    bool any = branches.empty();
    for (const std::vector<kql::RequiredTerms>& branch : branches)
      if (AllMayHold(branch, rule)) {
        any = true;
        break;
      }
    if (!any) return false;
  }
  return true;
}

event::FieldTypes AlertRuleFieldTypes(const event::FieldTypes& types) {
  event::FieldTypes out = types;
  std::string error;
  for (std::string_view field : {kRuleIdField, kRuleNameField, kRuleUuidField})
    if (!out.Find(field)) out.Set(field, "keyword", &error);
  return out;
}

FedAlert FeedAlert(const AlertForFeedback& a) {
  FedAlert fed;
  fed.uuid.assign(a.uuid);
  fed.index.assign(a.index);
  fed.rule_uuid.assign(a.rule_uuid);
  fed.depth = a.depth;
  fed.ancestors_json.assign(a.ancestors_json);
  // The rules it descends from: those of the alert it was built on, those
  // its ancestors name (a sequence over alerts descends from several, as
  // Kibana's filterDuplicateSignals reads them), and its own.
  if (a.parent) fed.lineage = a.parent->lineage;
  auto add = [&](std::string_view rule) {
    if (std::find(fed.lineage.begin(), fed.lineage.end(), rule) == fed.lineage.end())
      fed.lineage.emplace_back(rule);
  };
  constexpr std::string_view kRuleKey = "\"rule\":\"";
  for (size_t at = a.ancestors_json.find(kRuleKey); at != std::string_view::npos;
       at = a.ancestors_json.find(kRuleKey, at + 1)) {
    size_t begin = at + kRuleKey.size();
    size_t end = a.ancestors_json.find('"', begin);
    if (end == std::string_view::npos) break;
    add(a.ancestors_json.substr(begin, end - begin));
  }
  add(a.rule_uuid);
  std::string_view json = a.json;
  std::optional<TimeMs> event_time = a.event_time;
  // AlertBuilder writes `{"@timestamp":"<alert time>",` first: swap the
  // value for the source's event time.
  constexpr std::string_view kHead = "{\"@timestamp\":\"";
  size_t value_end = json.starts_with(kHead) ? json.find('"', kHead.size()) : std::string::npos;
  if (event_time && value_end != std::string_view::npos) {
    fed.raw = "{\"@timestamp\":";
    AppendJsonString(&fed.raw, FormatIso8601(*event_time));
    fed.raw.append(json.substr(value_end + 1));
  } else {
    fed.raw.assign(json);
  }
  return fed;
}

std::string AncestorsOnAlert(const FedAlert& source) {
  // The source's own ancestors (an array) with the source appended.
  std::string out;
  std::string_view own = source.ancestors_json;
  if (own.size() >= 2 && own.front() == '[' && own.back() == ']' && own != "[]") {
    out.assign(own.substr(0, own.size() - 1));
    out += ',';
  } else {
    out = "[";
  }
  out += "{";
  AppendJsonKey(&out, "id");
  AppendJsonString(&out, source.uuid);
  out += ",\"type\":\"signal\",";
  AppendJsonKey(&out, "index");
  AppendJsonString(&out, source.index);
  out += ",\"depth\":" + std::to_string(source.depth) + ",";
  AppendJsonKey(&out, "rule");
  AppendJsonString(&out, source.rule_uuid);
  out += "}]";
  return out;
}

}  // namespace picket::engine
