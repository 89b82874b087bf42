// The rule model: one Elastic detection-rules TOML file as published
// ([metadata], [rule], [[rule.threat]], [rule.new_terms], ...), with its
// KQL or EQL query parsed and compiled once.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "eql/query.h"
#include "kql/ast.h"
#include "kql/matcher.h"
#include "rules/alert_suppression.h"

namespace picket::rules {

enum class RuleType {
  kQuery,
  kNewTerms,
  kEql,
  kEsql,
  kThreshold,
  kThreatMatch,
  kMachineLearning,
  kSavedQuery,
  kUnknown,
};
RuleType RuleTypeFromName(std::string_view name);

struct AttackRef {
  std::string id;
  std::string name;
  std::string reference;
};
struct Technique : AttackRef {
  std::vector<AttackRef> subtechniques;
};
struct Threat {
  std::string framework;  // "MITRE ATT&CK" or "MITRE ATLAS"
  AttackRef tactic;
  std::vector<Technique> techniques;
};

// One [[rule.severity_mapping]] entry: when the source event's `field` has
// the value `value` (operator "equals", the only one Kibana has), the alert's
// severity becomes `severity`.
struct SeverityMappingEntry {
  std::string field, op, value, severity;
};

// One [[rule.risk_score_mapping]] entry: the alert's risk score is read from
// the source event's `field` (Kibana uses the first entry only).
struct RiskScoreMappingEntry {
  std::string field, op, value;
};

struct SourcePos {
  uint32_t line = 0;  // 1-based; 0 = unknown
  uint32_t column = 0;
};

struct Rule {
  std::string path;  // file path, or "embedded:rules/macos/x.toml"

  // [metadata]
  std::string creation_date, updated_date, maturity;
  std::vector<std::string> integration;

  // [rule]
  std::string rule_id, name, description, severity, type_name, language, query;
  RuleType type = RuleType::kUnknown;
  int risk_score = 0;
  std::vector<std::string> author, index, tags, references, false_positives;
  std::string note, setup, license, building_block_type, timestamp_override;
  std::string from = "now-6m";  // Kibana's default
  std::string interval = "5m";  // Kibana's default
  bool from_set = false, interval_set = false;
  int64_t lookback_ms = 6 * 60 * 1000;  // `from` as a duration
  int64_t interval_ms = 5 * 60 * 1000;
  int max_signals = 100;
  int version = 1;
  std::vector<Threat> threat;
  std::vector<SeverityMappingEntry> severity_mapping;
  std::vector<RiskScoreMappingEntry> risk_score_mapping;

  // new_terms
  std::vector<std::string> new_terms_fields;
  std::string history_window_start;  // "now-7d"
  int64_t history_window_ms = 0;

  // threshold ([rule.threshold], Kibana's threshold parameters): the
  // group-by fields (0 to 5; none = one group of every matching event), the
  // count a group must reach, and optionally the distinct count one field
  // must reach (Kibana reads the first [[rule.threshold.cardinality]] entry).
  struct ThresholdCardinality {
    std::string field;
    int64_t value = 0;
  };
  std::vector<std::string> threshold_fields;
  int64_t threshold_value = 0;
  std::vector<ThresholdCardinality> threshold_cardinality;

  // The [rule] table as Kibana's rule parameters (snake_case JSON, new_terms
  // in API form: new_terms_fields, history_window_start; threshold with
  // `field` always a list), for alerts.
  std::string params_json;
  // The threat array as JSON (Kibana's kibana.alert.rule.threat).
  std::string threat_json;
  // The mappings as JSON arrays ("[]" when the rule has none), for
  // kibana.alert.rule.severity_mapping / .risk_score_mapping.
  std::string severity_mapping_json = "[]";
  std::string risk_score_mapping_json = "[]";

  SourcePos query_pos;  // where the query text starts in the file

  // [rule.alert_suppression], when the rule has one.
  std::optional<AlertSuppression> alert_suppression;

  std::unique_ptr<kql::Node> ast;
  std::unique_ptr<kql::Matcher> matcher;

  // eql rules: the EQL search settings as written (Kibana passes them to
  // _eql/search as event_category_field, tiebreaker_field and
  // timestamp_field; timestamp_override only moves the run's time window),
  // and the query parsed, verified and compiled (eql/query.h) with them.
  std::string event_category_override, tiebreaker_field, timestamp_field;
  std::shared_ptr<const eql::Query> eql;

  // Whether the detection engine runs the rule. An EQL rule loads (its
  // query is verified and compiled) but does not run until the engine's
  // EQL units exist; commands name such rules as not run.
  bool is_eql() const { return type == RuleType::kEql && language == "eql"; }
  bool supported() const {
    return ((type == RuleType::kQuery || type == RuleType::kNewTerms ||
             type == RuleType::kThreshold) &&
            language == "kuery") ||
           (is_eql() && eql);
  }
};

}  // namespace picket::rules
