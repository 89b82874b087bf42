// The rule index: how rules are filed (term tuples, required fields, none)
// and that the candidates it gives for an event are a superset of the rules
// that match, with and without the one-walk field collector.
#include "engine/rule_index.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "engine_helpers.h"
#include "event/field_collector.h"

namespace picket::engine {
namespace {
using testing::MakeRule;
using testing::RuleSpec;

struct Indexed {
  std::vector<std::shared_ptr<const rules::Rule>> rules;
  std::vector<kql::IndexFacts> facts;
  std::unique_ptr<RuleIndex> index;
};

Indexed Build(const std::vector<std::string>& queries) {
  Indexed out;
  const event::FieldTypes& types = *event::FieldTypes::BuiltIn();
  for (size_t i = 0; i < queries.size(); ++i) {
    RuleSpec spec;
    spec.rule_id = fmt::format("00000000-0000-0000-0000-{:012}", i);
    spec.type = "query";
    spec.query = queries[i];
    out.rules.push_back(MakeRule(spec));
    out.facts.push_back(kql::KqlIndexFacts(*out.rules.back()->ast, types));
  }
  std::vector<IndexEntry> entries;
  for (size_t i = 0; i < queries.size(); ++i)
    entries.push_back({&out.rules[i]->index, &out.facts[i]});
  out.index = std::make_unique<RuleIndex>(entries, types);
  return out;
}

// Candidates for one event; with `collect`, the index's fields come from a
// FieldCollector handed to the context, as the detector does for many rules.
std::vector<uint32_t> CandidatesOf(Indexed& x, const std::string& json, bool collect) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json).value();
  kql::EvalContext context;
  context.NextEvent();
  event::FieldCollector collector;
  std::vector<uint32_t> slot_of_id;
  if (collect) {
    for (const auto& [path, id] : x.index->fields()) {
      uint32_t slot = collector.Add(path);
      if (id >= slot_of_id.size()) slot_of_id.resize(id + 1, 0);
      slot_of_id[id] = slot + 1;
    }
    collector.Collect(doc);
    context.Adopt(&collector, &slot_of_id);
  }
  std::vector<uint32_t> out;
  x.index->Candidates(doc, "logs-endpoint.events.process-default", &context, &out);
  return out;
}

TEST(RuleIndex, FilesRulesUnderTermsRequiredFieldsOrNothing) {
  Indexed x = Build({
      "event.action:exec and host.os.type:linux and process.parent.name:sshd",  // terms
      "ml_is_dga.malicious_probability > 0.98",                                 // field
      "process.name:*python*",                                                  // field
      "not event.action:exec",                                                  // nothing
  });
  EXPECT_EQ(x.index->term_rules(), 1u);
  EXPECT_EQ(x.index->presence_rules(), 2u);
  EXPECT_EQ(x.index->unindexed_rules(), 1u);
}

TEST(RuleIndex, TuplesNarrowCandidatesToEveryFiledField) {
  Indexed x = Build({"event.action:exec and host.os.type:linux and process.parent.name:sshd"});
  for (bool collect : {false, true}) {
    SCOPED_TRACE(collect);
    auto event = [](std::string os, std::string parent) {
      return fmt::format(
          R"({{"event":{{"action":"exec"}},"host":{{"os":{{"type":"{}"}}}},"process":{{"parent":{{"name":"{}"}}}}}})",
          os, parent);
    };
    EXPECT_EQ(CandidatesOf(x, event("linux", "sshd"), collect), std::vector<uint32_t>{0});
    EXPECT_TRUE(CandidatesOf(x, event("macos", "sshd"), collect).empty());
    EXPECT_TRUE(CandidatesOf(x, event("linux", "bash"), collect).empty());
    // Arrays and dotted keys are the same field to the index.
    EXPECT_EQ(CandidatesOf(x,
                           R"({"event.action":["fork","exec"],"host.os.type":"linux",)"
                           R"("process":{"parent.name":"sshd"}})",
                           collect),
              std::vector<uint32_t>{0});
  }
}

// `common and (A or B)`: filed under common + A and common + B.
TEST(RuleIndex, OrBranchesWithTermsAreFiledEach) {
  Indexed x = Build({"event.action:exec and (process.name:curl or process.parent.name:sshd)"});
  EXPECT_EQ(x.index->term_rules(), 1u);
  for (bool collect : {false, true}) {
    SCOPED_TRACE(collect);
    auto event = [](std::string action, std::string name, std::string parent) {
      return fmt::format(
          R"({{"event":{{"action":"{}"}},"process":{{"name":"{}","parent":{{"name":"{}"}}}}}})",
          action, name, parent);
    };
    EXPECT_EQ(CandidatesOf(x, event("exec", "curl", "bash"), collect), std::vector<uint32_t>{0});
    EXPECT_EQ(CandidatesOf(x, event("exec", "ls", "sshd"), collect), std::vector<uint32_t>{0});
    EXPECT_TRUE(CandidatesOf(x, event("exec", "ls", "bash"), collect).empty());
    EXPECT_TRUE(CandidatesOf(x, event("fork", "curl", "sshd"), collect).empty());
  }
  // A branch without terms: the common terms only.
  Indexed y = Build({"event.action:exec and (process.name:curl or process.args:*x*)"});
  EXPECT_EQ(CandidatesOf(y, R"({"event":{"action":"exec"},"process":{"name":"ls"}})", false),
            std::vector<uint32_t>{0});
}

TEST(RuleIndex, RequiredFieldRulesMeetOnlyEventsWithTheField) {
  Indexed x = Build({"ml_is_dga.malicious_probability > 0.98"});
  for (bool collect : {false, true}) {
    SCOPED_TRACE(collect);
    EXPECT_TRUE(CandidatesOf(x, R"({"event":{"action":"exec"}})", collect).empty());
    EXPECT_TRUE(
        CandidatesOf(x, R"({"ml_is_dga":{"malicious_probability":null}})", collect).empty());
    EXPECT_EQ(CandidatesOf(x, R"({"ml_is_dga":{"malicious_probability":0.5}})", collect),
              std::vector<uint32_t>{0});
  }
}

// Many rules (the detector then collects the index's fields in one walk):
// every rule that matches an event is among its candidates.
TEST(RuleIndex, CandidatesIncludeEveryMatchingRule) {
  std::vector<std::string> queries;
  const char* actions[] = {"exec", "fork", "open", "creation"};
  const char* oses[] = {"linux", "macos", "windows"};
  for (const char* a : actions)
    for (const char* os : oses) {
      queries.push_back(fmt::format("event.action:{} and host.os.type:{}", a, os));
      queries.push_back(
          fmt::format("event.action:{} and host.os.type:{} and process.name:sh*", a, os));
      queries.push_back(fmt::format("host.os.type:{} and process.args_count >= 2", os));
    }
  queries.push_back("not process.name:sh");
  Indexed x = Build(queries);
  int checked = 0;
  for (const char* a : actions)
    for (const char* os : oses)
      for (const char* name : {"sh", "bash"})
        for (int args : {1, 3}) {
          std::string json = fmt::format(
              R"({{"event":{{"action":"{}"}},"host":{{"os":{{"type":"{}"}}}},"process":{{"name":"{}","args_count":{}}}}})",
              a, os, name, args);
          simdjson::dom::parser parser;
          simdjson::dom::element doc = parser.parse(json).value();
          for (bool collect : {false, true}) {
            std::vector<uint32_t> candidates = CandidatesOf(x, json, collect);
            for (uint32_t r = 0; r < x.rules.size(); ++r) {
              if (!x.rules[r]->matcher->Matches(doc)) continue;
              ++checked;
              EXPECT_TRUE(std::count(candidates.begin(), candidates.end(), r))
                  << queries[r] << " on " << json;
            }
            // And the index prunes: of the 37 rules, an event meets the two
            // filed under its action and OS, the four (one per action)
            // filed under its OS alone, and the unindexed `not` rule.
            EXPECT_EQ(candidates.size(), 7u) << json;
          }
        }
  EXPECT_GT(checked, 100);
}

}  // namespace
}  // namespace picket::engine
