#include "rules/rule_schema.h"

#include <string_view>

namespace picket::rules {
namespace {

enum class Want {
  kString,
  kInteger,
  kBoolean,
  kStringList,          // array of strings
  kStringOrStringList,  // metadata.integration has both forms upstream
  kTable,
  kTableList,  // array of tables ([[...]])
  kList,       // array of anything (filters, exceptions_list)
};

struct KeySpec {
  std::string_view key;
  Want want;
};

// [metadata], after detection-rules' schema.
constexpr KeySpec kMetadata[] = {
    {"creation_date", Want::kString},
    {"updated_date", Want::kString},
    {"deprecation_date", Want::kString},
    {"maturity", Want::kString},
    {"min_stack_version", Want::kString},
    {"min_stack_comments", Want::kString},
    {"integration", Want::kStringOrStringList},
    {"comments", Want::kString},
    {"query_schema_validation", Want::kBoolean},
    {"bypass_bbr_timing", Want::kBoolean},
    {"promotion", Want::kBoolean},
};

// [rule], after Kibana's rule schema (common, query, new_terms, eql,
// threshold, threat_match and ML parameters).
constexpr KeySpec kRule[] = {
    {"rule_id", Want::kString},
    {"name", Want::kString},
    {"description", Want::kString},
    {"type", Want::kString},
    {"language", Want::kString},
    {"query", Want::kString},
    {"severity", Want::kString},
    {"risk_score", Want::kInteger},
    {"max_signals", Want::kInteger},
    {"version", Want::kInteger},
    {"from", Want::kString},
    {"to", Want::kString},
    {"interval", Want::kString},
    {"index", Want::kStringList},
    {"data_view_id", Want::kString},
    {"author", Want::kStringList},
    {"tags", Want::kStringList},
    {"references", Want::kStringList},
    {"false_positives", Want::kStringList},
    {"license", Want::kString},
    {"note", Want::kString},
    {"setup", Want::kString},
    {"building_block_type", Want::kString},
    {"timestamp_override", Want::kString},
    {"timestamp_override_fallback_disabled", Want::kBoolean},
    {"rule_name_override", Want::kString},
    {"timeline_id", Want::kString},
    {"timeline_title", Want::kString},
    {"output_index", Want::kString},
    {"namespace", Want::kString},
    {"enabled", Want::kBoolean},
    {"event_category_override", Want::kString},
    {"tiebreaker_field", Want::kString},
    {"history_window_start", Want::kString},  // API form of new_terms
    {"new_terms_fields", Want::kStringList},  // API form of new_terms
    {"new_terms", Want::kTable},
    {"threat", Want::kTableList},
    {"severity_mapping", Want::kTableList},
    {"risk_score_mapping", Want::kTableList},
    {"required_fields", Want::kTableList},
    {"related_integrations", Want::kTableList},
    {"threshold", Want::kTable},
    {"alert_suppression", Want::kTable},
    {"investigation_fields", Want::kTable},
    {"filters", Want::kList},
    {"exceptions_list", Want::kList},
    {"threat_query", Want::kString},
    {"threat_language", Want::kString},
    {"threat_index", Want::kStringList},
    {"threat_indicator_path", Want::kString},
    {"threat_mapping", Want::kTableList},
    {"anomaly_threshold", Want::kInteger},
};

constexpr KeySpec kNewTerms[] = {
    {"field", Want::kString},
    {"value", Want::kStringList},
    {"history_window_start", Want::kTableList},
};
constexpr KeySpec kThreshold[] = {
    {"field", Want::kStringOrStringList},
    {"value", Want::kInteger},
    {"cardinality", Want::kTableList},
};
constexpr KeySpec kThresholdCardinality[] = {{"field", Want::kString}, {"value", Want::kInteger}};
constexpr KeySpec kFieldValue[] = {{"field", Want::kString}, {"value", Want::kString}};
constexpr KeySpec kThreat[] = {
    {"framework", Want::kString}, {"tactic", Want::kTable}, {"technique", Want::kTableList}};
constexpr KeySpec kAttackRef[] = {
    {"id", Want::kString}, {"name", Want::kString}, {"reference", Want::kString}};
constexpr KeySpec kTechnique[] = {{"id", Want::kString},
                                  {"name", Want::kString},
                                  {"reference", Want::kString},
                                  {"subtechnique", Want::kTableList}};

std::string_view TypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date/time";
    default:
      return "nothing";
  }
}

std::string_view WantName(Want w) {
  switch (w) {
    case Want::kString:
      return "a string";
    case Want::kInteger:
      return "an integer";
    case Want::kBoolean:
      return "a boolean (true or false)";
    case Want::kStringList:
      return "an array of strings";
    case Want::kStringOrStringList:
      return "a string or an array of strings";
    case Want::kTable:
      return "a table";
    case Want::kTableList:
      return "an array of tables";
    case Want::kList:
      return "an array";
  }
  return "";
}

bool AllOf(const toml::array& a, toml::node_type t) {
  for (const auto& e : a)
    if (e.type() != t) return false;
  return true;
}

// The first element of `a` that is not of type t, or null.
const toml::node* FirstNot(const toml::array& a, toml::node_type t) {
  for (const auto& e : a)
    if (e.type() != t) return &e;
  return nullptr;
}

class Checker {
 public:
  std::vector<KeyTypeProblem> problems;

  template <size_t N>
  void Table(const toml::table& t, const std::string& path, const KeySpec (&specs)[N]) {
    for (const KeySpec& spec : specs)
      if (const toml::node* n = t.get(spec.key))
        Value(*n, path + "." + std::string(spec.key), spec.want);
  }

  void Value(const toml::node& n, const std::string& key, Want want) {
    const toml::array* a = n.as_array();
    bool ok = false;
    const toml::node* at = &n;
    switch (want) {
      case Want::kString:
        ok = n.is_string();
        break;
      case Want::kInteger:
        ok = n.is_integer();
        break;
      case Want::kBoolean:
        ok = n.is_boolean();
        break;
      case Want::kTable:
        ok = n.is_table();
        break;
      case Want::kList:
        ok = a != nullptr;
        break;
      case Want::kStringOrStringList:
        if (n.is_string()) {
          ok = true;
          break;
        }
        [[fallthrough]];
      case Want::kStringList:
        ok = a && AllOf(*a, toml::node_type::string);
        if (a && !ok) return Element(*FirstNot(*a, toml::node_type::string), key, "a string");
        break;
      case Want::kTableList:
        ok = a && AllOf(*a, toml::node_type::table);
        if (a && !ok) return Element(*FirstNot(*a, toml::node_type::table), key, "a table");
        break;
    }
    if (!ok)
      problems.push_back(
          {at, key,
           key + " must be " + std::string(WantName(want)) + ", not " + std::string(TypeName(n))});
  }

 private:
  void Element(const toml::node& e, const std::string& key, std::string_view want) {
    problems.push_back({&e, key,
                        "every element of " + key + " must be " + std::string(want) + ", not " +
                            std::string(TypeName(e))});
  }
};

}  // namespace

std::vector<KeyTypeProblem> CheckKeyTypes(const toml::table& root) {
  Checker c;
  if (const toml::node* m = root.get("metadata")) {
    if (const toml::table* t = m->as_table())
      c.Table(*t, "metadata", kMetadata);
    else
      c.Value(*m, "metadata", Want::kTable);
  }
  const toml::node* r = root.get("rule");
  if (!r) return std::move(c.problems);
  const toml::table* rule = r->as_table();
  if (!rule) {
    c.Value(*r, "rule", Want::kTable);
    return std::move(c.problems);
  }
  size_t before = c.problems.size();
  c.Table(*rule, "rule", kRule);
  // Look inside the nested tables only when they have the right shape.
  auto well_typed = [&](std::string_view key) {
    for (size_t i = before; i < c.problems.size(); ++i)
      if (c.problems[i].key == "rule." + std::string(key)) return false;
    return rule->get(key) != nullptr;
  };
  if (well_typed("new_terms")) {
    const toml::table& nt = *rule->get("new_terms")->as_table();
    c.Table(nt, "rule.new_terms", kNewTerms);
    if (const toml::array* starts = nt["history_window_start"].as_array())
      for (const auto& s : *starts)
        if (const toml::table* st = s.as_table())
          c.Table(*st, "rule.new_terms.history_window_start", kFieldValue);
  }
  if (well_typed("threshold")) {
    const toml::table& th = *rule->get("threshold")->as_table();
    size_t th_before = c.problems.size();
    c.Table(th, "rule.threshold", kThreshold);
    if (c.problems.size() == th_before)
      if (const toml::array* entries = th["cardinality"].as_array())
        for (const auto& e : *entries)
          c.Table(*e.as_table(), "rule.threshold.cardinality", kThresholdCardinality);
  }
  if (well_typed("threat")) {
    for (const auto& entry : *rule->get("threat")->as_array()) {
      const toml::table& threat = *entry.as_table();
      size_t t_before = c.problems.size();
      c.Table(threat, "rule.threat", kThreat);
      if (c.problems.size() != t_before) continue;
      if (const toml::table* tactic = threat["tactic"].as_table())
        c.Table(*tactic, "rule.threat.tactic", kAttackRef);
      if (const toml::array* techniques = threat["technique"].as_array())
        for (const auto& te : *techniques) {
          const toml::table& tech = *te.as_table();
          size_t te_before = c.problems.size();
          c.Table(tech, "rule.threat.technique", kTechnique);
          if (c.problems.size() != te_before) continue;
          if (const toml::array* subs = tech["subtechnique"].as_array())
            for (const auto& s : *subs)
              c.Table(*s.as_table(), "rule.threat.technique.subtechnique", kAttackRef);
        }
    }
  }
  return std::move(c.problems);
}

}  // namespace picket::rules
