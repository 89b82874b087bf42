#include "engine_helpers.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "rules/loader.h"
#include "state/memory_record_store.h"
#include "state/memory_store.h"

namespace picket::engine::testing {

namespace {
std::string TomlList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", \"" : "\"") + items[i] + "\"";
  return out + "]";
}
}  // namespace

std::string RuleToml(const RuleSpec& s) {
  std::string toml = fmt::format(R"([metadata]
creation_date = "2026/01/01"
integration = ["endpoint"]
maturity = "production"
updated_date = "2026/01/01"

[rule]
author = ["picket tests"]
description = "A rule for tests."
from = "{}"
index = {}
language = "{}"
license = "Elastic License v2"
name = "{}"
risk_score = 47
rule_id = "{}"
severity = "medium"
tags = ["OS: macOS"]
type = "{}"
query = '''
{}
'''
)",
                                 s.from, TomlList(s.index), s.type == "eql" ? "eql" : "kuery",
                                 s.name, s.rule_id, s.type, s.query);
  if (!s.timestamp_override.empty())
    toml += fmt::format("timestamp_override = \"{}\"\n", s.timestamp_override);
  toml += s.rule_keys;
  if (s.type == "new_terms")
    toml += fmt::format(R"(
[rule.new_terms]
field = "new_terms_fields"
value = {}
[[rule.new_terms.history_window_start]]
field = "history_window_start"
value = "{}"
)",
                        TomlList(s.fields), s.window);
  return toml + s.rule_tables;
}

std::shared_ptr<const rules::Rule> MakeRule(const RuleSpec& spec) {
  std::vector<rules::LoadIssue> errors, warnings;
  auto rule = rules::LoadRuleText(RuleToml(spec), "test:" + spec.name,
                                  *event::FieldTypes::BuiltIn(), {}, &errors, &warnings);
  for (const auto& e : errors) ADD_FAILURE() << e.ToString();
  return rule;
}

DetectorOptions Harness::DefaultOptions() {
  DetectorOptions options;
  options.alert_time = 1780000000000;
  return options;
}

Harness::Harness(std::vector<std::shared_ptr<const rules::Rule>> rules, DetectorOptions options,
                 state::RecordStore* records)
    : store_(std::make_unique<state::MemoryTermStore>()),
      records_(records ? nullptr : std::make_unique<state::MemoryRecordStore>()),
      detector_(std::make_unique<Detector>(
          std::move(rules), StateStores{store_.get(), records ? records : records_.get()},
          std::move(options))) {
  detector_->set_problem_sink(
      [this](const rules::Rule&, std::string_view origin, std::string_view problem) {
        problems_.push_back(fmt::format("{}: {}", origin, problem));
      });
}

std::vector<Alert> Harness::Run(const std::string& json, bool learn_only,
                                const std::string& index) {
  std::vector<Alert> produced;
  simdjson::dom::element doc;
  auto error = parser_.parse(json).get(doc);
  EXPECT_EQ(error, simdjson::SUCCESS) << json;
  if (error) return produced;
  EventRef ref;
  ref.doc = doc;
  ref.raw = json;
  ref.index = index;
  ref.source = "test";
  ref.line = ++line_;
  detector_->Process(ref, learn_only, [&](const Alert& a) { produced.push_back(a); });
  alerts_.insert(alerts_.end(), produced.begin(), produced.end());
  return produced;
}

}  // namespace picket::engine::testing
