// Helpers for engine tests: rules from TOML text, events from JSON text.
#pragma once
#include <simdjson.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/detector.h"
#include "rules/rule.h"

namespace picket::engine::testing {

struct RuleSpec {
  std::string rule_id = "11111111-2222-3333-4444-555555555555";
  std::string name = "Test rule";
  std::string type = "new_terms";
  std::string query = "event.action:exec";
  std::vector<std::string> index = {"logs-endpoint.events.*"};
  std::vector<std::string> fields = {"host.id", "process.executable"};
  std::string window = "now-7d";
  std::string from = "now-9m";
  std::string timestamp_override = "event.ingested";
  std::string rule_keys;    // more `key = value` lines of [rule]
  std::string rule_tables;  // more tables after the rule ([[rule.severity_mapping]], ...)
};

std::string RuleToml(const RuleSpec& spec);
// Loads the rule through rules::LoadRuleText; fails the test on error.
std::shared_ptr<const rules::Rule> MakeRule(const RuleSpec& spec);

// Runs events (JSON texts) through a detector and keeps the alerts.
class Harness {
 public:
  // `records`: a record store the caller keeps (to restart a detector on
  // the same state); null = the harness's own.
  explicit Harness(std::vector<std::shared_ptr<const rules::Rule>> rules,
                   DetectorOptions options = DefaultOptions(),
                   state::RecordStore* records = nullptr);
  static DetectorOptions DefaultOptions();

  // Returns the alerts this event produced.
  std::vector<Alert> Run(const std::string& json, bool learn_only = false,
                         const std::string& index = "");

  Detector& detector() { return *detector_; }
  const std::vector<Alert>& all_alerts() const { return alerts_; }
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::unique_ptr<state::TermStore> store_;
  std::unique_ptr<state::RecordStore> records_;
  std::unique_ptr<Detector> detector_;
  simdjson::dom::parser parser_;
  std::vector<Alert> alerts_;
  std::vector<std::string> problems_;
  int line_ = 0;
};

}  // namespace picket::engine::testing
