// The rule index: how rules are filed (term tuples, required fields, none)
// and that the candidates it gives for an event are a superset of the rules
// that match, with and without the one-walk field collector.
#include "engine/rule_index.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

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

// A tuple starts with its field whose terms the fewest rules share: with
// event.action:exec in every rule, an exec event whose process.name no rule
// names looks into no group at all (by rank, event.action would come first
// and lead every exec event into the rules' group).
TEST(RuleIndex, TuplesStartWithTheirLeastSharedField) {
  std::vector<std::string> queries;
  for (int i = 0; i < 40; ++i)
    queries.push_back(fmt::format("event.action:exec and process.name:p{}", i));
  queries.push_back("process.name:solo");  // process.name is a first field by rank too
  Indexed x = Build(queries);
  auto event = [](std::string action, std::string name) {
    return fmt::format(R"({{"event":{{"action":"{}"}},"process":{{"name":"{}"}}}})", action, name);
  };
  for (bool collect : {false, true}) {
    SCOPED_TRACE(collect);
    uint64_t visits = x.index->group_visits();
    EXPECT_TRUE(CandidatesOf(x, event("exec", "bash"), collect).empty());
    EXPECT_EQ(x.index->group_visits(), visits);
    EXPECT_EQ(CandidatesOf(x, event("exec", "p7"), collect), std::vector<uint32_t>{7});
    EXPECT_TRUE(CandidatesOf(x, event("fork", "p7"), collect).empty());
    EXPECT_EQ(CandidatesOf(x, event("fork", "solo"), collect), std::vector<uint32_t>{40});
  }
}

// Plans are found by index name (the last few without hashing); events of
// more indices than that, interleaved, each meet their own index's rules.
TEST(RuleIndex, InterleavedIndicesMeetTheirOwnRules) {
  const event::FieldTypes& types = *event::FieldTypes::BuiltIn();
  constexpr int kIndices = 20;
  std::vector<std::shared_ptr<const rules::Rule>> rules;
  std::vector<kql::IndexFacts> facts;
  for (int i = 0; i < kIndices; ++i) {
    RuleSpec spec;
    spec.rule_id = fmt::format("00000000-0000-0000-0000-{:012}", i);
    spec.type = "query";
    spec.query = "event.action:exec";
    spec.index = {fmt::format("logs-s{}-*", i)};
    rules.push_back(MakeRule(spec));
    facts.push_back(kql::KqlIndexFacts(*rules.back()->ast, types));
  }
  std::vector<IndexEntry> entries;
  for (int i = 0; i < kIndices; ++i) entries.push_back({&rules[i]->index, &facts[i]});
  RuleIndex index(entries, types);
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(std::string(R"({"event":{"action":"exec"}})")).value();
  std::mt19937 random(7);
  std::vector<uint32_t> out;
  for (int n = 0; n < 500; ++n) {
    const uint32_t i = random() % (kIndices + 2);  // 2 names of no rule
    kql::EvalContext context;
    context.NextEvent();
    index.Candidates(doc, fmt::format("logs-s{}-default", i), &context, &out);
    if (i < kIndices)
      EXPECT_EQ(out, std::vector<uint32_t>{i}) << n;
    else
      EXPECT_TRUE(out.empty()) << n;
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

// ip fields: rules are filed by address, which events may write in any
// form an address parses from.
TEST(RuleIndex, IpTermsFileRulesByAddress) {
  Indexed x = Build({
      "event.category:network and (destination.ip:169.254.169.254 or "
      "destination.address:169.254.169.254) and destination.port:80",
      "source.ip:(\"fe80::1\" or 10.1.2.3)",
  });
  EXPECT_EQ(x.index->term_rules(), 2u);
  for (bool collect : {false, true}) {
    SCOPED_TRACE(collect);
    auto ip = [&](const char* field, const char* address) {
      return CandidatesOf(
          x, fmt::format(R"({{"event":{{"category":["network"]}},"{}":"{}"}})", field, address),
          collect);
    };
    using C = std::vector<uint32_t>;
    EXPECT_EQ(ip("destination.ip", "169.254.169.254"), C{0});
    EXPECT_EQ(ip("destination.ip", "::ffff:169.254.169.254"), C{0});
    EXPECT_EQ(ip("destination.address", "169.254.169.254"), C{0});
    EXPECT_EQ(ip("destination.ip", "169.254.169.253"), C{});
    EXPECT_EQ(ip("destination.ip", "not an address"), C{});
    EXPECT_EQ(ip("source.ip", "FE80:0:0::1"), C{1});
    EXPECT_EQ(ip("source.ip", "10.1.2.3"), C{1});
    EXPECT_EQ(ip("source.ip", "10.1.2.4"), C{});
  }
}

// Keyword wildcards anchored at one end file rules by prefix or suffix.
TEST(RuleIndex, PrefixAndSuffixTermsFileRules) {
  Indexed x = Build({
      "host.os.type:macos and destination.domain:(*.xyz or *.top or pastebin.* or paste.ee)",
      "host.os.type:macos and destination.domain:(*.xyz or *dropbox*)",  // not anchored
  });
  EXPECT_EQ(x.index->term_rules(), 2u);
  for (bool collect : {false, true}) {
    SCOPED_TRACE(collect);
    auto domain = [&](const char* d) {
      return CandidatesOf(
          x,
          fmt::format(R"({{"host":{{"os":{{"type":"macos"}}}},"destination":{{"domain":"{}"}}}})",
                      d),
          collect);
    };
    using C = std::vector<uint32_t>;
    EXPECT_EQ(domain("evil.xyz"), (C{0, 1}));
    EXPECT_EQ(domain("a.b.top"), (C{0, 1}));
    EXPECT_EQ(domain("pastebin.com"), (C{0, 1}));
    EXPECT_EQ(domain("paste.ee"), (C{0, 1}));
    EXPECT_EQ(domain("xyz"), C{1});  // *.xyz needs the dot
    EXPECT_EQ(domain("example.com"), C{1});
  }
}

// Random domains against rules of exact, prefix and suffix alternatives:
// every rule that matches is a candidate, and the index does prune.
TEST(RuleIndex, AffixCandidatesIncludeEveryMatchingRule) {
  const char* parts[] = {"a", "ab", "b", ".", "x", "xy", "com", ".com", "c"};
  std::mt19937 rng(42);
  auto piece = [&] {
    std::string out;
    for (int i = 0, n = 1 + rng() % 3; i < n; ++i) out += parts[rng() % std::size(parts)];
    return out;
  };
  std::vector<std::string> queries;
  for (int r = 0; r < 60; ++r) {
    std::string list;
    for (int i = 0, n = 1 + rng() % 4; i < n; ++i) {
      std::string p = piece();
      switch (rng() % 3) {
        case 0:
          p += "*";
          break;
        case 1:
          p = "*" + p;
          break;
        default:
          break;
      }
      list += (i ? " or " : "") + p;
    }
    queries.push_back("destination.domain:(" + list + ")" +
                      (rng() % 2 ? " and host.os.type:macos" : ""));
  }
  Indexed x = Build(queries);
  EXPECT_EQ(x.index->term_rules(), queries.size());
  size_t matched = 0, candidates_total = 0;
  for (int e = 0; e < 400; ++e) {
    std::string json =
        fmt::format(R"({{"host":{{"os":{{"type":"{}"}}}},"destination":{{"domain":["{}","{}"]}}}})",
                    rng() % 2 ? "macos" : "linux", piece(), piece());
    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(json).value();
    for (bool collect : {false, true}) {
      std::vector<uint32_t> candidates = CandidatesOf(x, json, collect);
      candidates_total += candidates.size();
      for (uint32_t r = 0; r < x.rules.size(); ++r) {
        if (!x.rules[r]->matcher->Matches(doc)) continue;
        ++matched;
        EXPECT_TRUE(std::count(candidates.begin(), candidates.end(), r))
            << queries[r] << " on " << json;
      }
    }
  }
  EXPECT_GT(matched, 200u);
  EXPECT_LT(candidates_total, 800 * queries.size() / 2);
}

// Many rules (the detector then collects the index's fields in one walk):
// every rule that matches an event is among its candidates.
// Candidates of a rule index built from facts directly (no query), for an
// event with one process.name value.
std::vector<uint32_t> CandidatesFor(RuleIndex& index, const std::string& name) {
  simdjson::dom::parser parser;
  std::string json = "{\"process\":{\"name\":\"" + name + "\"}}";
  simdjson::dom::element doc = parser.parse(json).value();
  kql::EvalContext context;
  context.NextEvent();
  std::vector<uint32_t> out;
  index.Candidates(doc, "", &context, &out);
  return out;
}

// EQL's case-insensitive tests give lowered terms (kql::RequiredTerms
// ::lowered): the index compares them with the event's value ASCII-lowered.
TEST(RuleIndex, LoweredTermsMeetValuesInAnyAsciiCase) {
  kql::IndexFacts facts;
  kql::RequiredTerms t;
  t.field = "process.name";
  t.lowered = true;
  t.values = {"cmd.exe"};
  t.prefixes = {"python"};
  t.suffixes = {".scr"};
  facts.terms.push_back(t);
  std::vector<IndexEntry> entries{{nullptr, &facts}};
  RuleIndex index(entries, *event::FieldTypes::BuiltIn());
  EXPECT_EQ(index.term_rules(), 1u);
  for (const char* name : {"cmd.exe", "CMD.exe", "Python3.11", "PYTHON", "evil.SCR"})
    EXPECT_EQ(CandidatesFor(index, name), std::vector<uint32_t>{0}) << name;
  for (const char* name : {"bash", "cmd.exe2", "pytho", "scr", "\u00c9cmd.exe"})
    EXPECT_EQ(CandidatesFor(index, name), std::vector<uint32_t>{}) << name;
}

// Fields with affixes of many lengths pass each length through a bit
// filter before the lookup: the filter never drops an affix that is there.
TEST(RuleIndex, AffixesOfManyLengthsAreAllFound) {
  std::mt19937 rng(7);
  auto random_text = [&](size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += static_cast<char>('a' + rng() % 26);
    return s;
  };
  std::vector<kql::IndexFacts> facts(300);
  std::vector<std::string> affixes;
  std::vector<IndexEntry> entries;
  for (size_t i = 0; i < facts.size(); ++i) {
    kql::RequiredTerms t;
    t.field = "process.name";
    affixes.push_back(random_text(1 + rng() % 40));
    (i % 2 ? t.suffixes : t.prefixes).push_back(affixes.back());
    facts[i].terms.push_back(t);
  }
  for (const auto& f : facts) entries.push_back({nullptr, &f});
  RuleIndex index(entries, *event::FieldTypes::BuiltIn());
  for (uint32_t i = 0; i < affixes.size(); ++i) {
    std::string name = i % 2 ? "0" + affixes[i] : affixes[i] + "0";
    auto found = CandidatesFor(index, name);
    EXPECT_TRUE(std::find(found.begin(), found.end(), i) != found.end()) << name;
  }
}

// `process where ((problemchild.prediction == 1 and ...) or blocklist_label
// == 1) and process.parent.executable != null`: no term in the or's
// branches, but a rare field in each, which is filed as a "has a value"
// term of its branch with the common terms.
TEST(RuleIndex, FieldAlternativesFileUnderEachBranchesField) {
  kql::IndexFacts facts;
  facts.terms.push_back({"event.category", {"process"}});
  facts.fields = {"event.category", "process.parent.executable"};
  facts.field_alternatives = {
      {{"problemchild.prediction", "problemchild.prediction_probability"}, {"blocklist_label"}}};
  std::vector<IndexEntry> entries{{nullptr, &facts}};
  RuleIndex index(entries, *event::FieldTypes::BuiltIn());
  EXPECT_EQ(index.term_rules(), 1u);
  auto candidates = [&](const std::string& json) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(json).value();
    kql::EvalContext context;
    context.NextEvent();
    std::vector<uint32_t> out;
    index.Candidates(doc, "", &context, &out);
    return out;
  };
  using C = std::vector<uint32_t>;
  EXPECT_EQ(
      candidates(R"({"event":{"category":"process"},"process":{"parent":{"executable":"a"}}})"),
      C{});
  EXPECT_EQ(candidates(R"({"event":{"category":"process"},"problemchild":{"prediction":1}})"),
            C{0});
  EXPECT_EQ(candidates(R"({"event":{"category":"process"},"blocklist_label":[0, 1]})"), C{0});
  EXPECT_EQ(candidates(R"({"event":{"category":"file"},"blocklist_label":1})"), C{});
}

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
            // And the index prunes: of the 37 rules, an event meets the one
            // filed under its action and OS, the `sh*` one of its action and
            // OS if its name starts with sh, the four (one per action) filed
            // under its OS alone, and the unindexed `not` rule.
            EXPECT_EQ(candidates.size(), std::string_view(name) == "sh" ? 7u : 6u) << json;
          }
        }
  EXPECT_GT(checked, 100);
}

}  // namespace
}  // namespace picket::engine
