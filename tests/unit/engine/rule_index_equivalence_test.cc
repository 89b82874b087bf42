// The rule index changes no alert: random rules (exact terms, keyword
// prefixes and suffixes, anchored and unanchored wildcards, ip addresses and
// blocks, `or` branches, negations, ranges, index patterns) over random
// events (arrays, dotted keys, other spellings of an address, case variants,
// several indices) give, event by event, the same alerts with the index as
// without it (DetectorOptions::use_rule_index = false, what `picket run
// --no-rule-index` sets).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "engine_helpers.h"

namespace picket::engine {
namespace {
using testing::Harness;
using testing::MakeRule;
using testing::RuleSpec;

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  template <size_t N>
  const char* Pick(const char* const (&list)[N]) {
    return list[rng_() % N];
  }
  bool Chance(int percent) { return static_cast<int>(rng_() % 100) < percent; }

  // One conjunct or disjunct of a rule's query.
  std::string Atom() {
    static const char* const kActions[] = {"exec", "fork", "open", "connection_attempted"};
    static const char* const kNames[] = {"sh",  "bash", "curl", "python3",
                                         "py*", "*sh",  "cu*",  "*ur*"};
    static const char* const kDomains[] = {"*.xyz",        "pastebin.*",  "example.com", "*.com",
                                           "*bin*",        "paste*",      "a.b.xyz",     "*.b.xyz",
                                           "example.com*", "*example.com"};
    static const char* const kIps[] = {"10.0.0.1",   "\"fe80::1\"",     "10.1.2.3",
                                       "10.0.0.0/8", "\"10.1.2.3/32\"", "169.254.169.254"};
    static const char* const kOses[] = {"linux", "macos", "windows"};
    switch (rng_() % 9) {
      case 0:
      case 1: {
        std::string list = Pick(kActions);
        for (int i = 0, n = rng_() % 3; i < n; ++i) list += std::string(" or ") + Pick(kActions);
        return "event.action:(" + list + ")";
      }
      case 2:
        return std::string("process.name:") + Pick(kNames);
      case 3: {
        std::string list = Pick(kDomains);
        for (int i = 0, n = rng_() % 3; i < n; ++i) list += std::string(" or ") + Pick(kDomains);
        return "destination.domain:(" + list + ")";
      }
      case 4:
        return std::string(Chance(50) ? "destination.ip:" : "source.ip:") + Pick(kIps);
      case 5:
        return std::string("host.os.type:") + Pick(kOses);
      case 6:
        return fmt::format("process.args_count >= {}", rng_() % 4);
      case 7:
        return "not (" + Atom() + ")";  // KQL takes no `not not x`
      default:
        return "(" + Atom() + " or " + Atom() + ")";
    }
  }

  std::string Query() {
    std::string q = Atom();
    for (int i = 0, n = rng_() % 3; i < n; ++i) q += " and " + Atom();
    return q;
  }

  // A value of one of the fields the atoms test, or of none.
  std::string Event() {
    static const char* const kActions[] = {"exec", "fork", "open", "connection_attempted", "EXEC"};
    static const char* const kNames[] = {"sh", "bash", "curl", "python3", "pypy", "zsh", "Curl"};
    static const char* const kDomains[] = {"evil.xyz",      "xyz",          "pastebin.com",
                                           "example.com",   "a.b.xyz",      "b.xyz",
                                           "x.example.com", "example.comx", "paste.ee"};
    static const char* const kIps[] = {"10.0.0.1", "::ffff:10.0.0.1", "FE80:0:0::1", "10.1.2.3",
                                       "10.9.9.9", "169.254.169.254", "not an ip"};
    static const char* const kOses[] = {"linux", "macos", "windows"};
    auto value = [&](auto& list) {
      if (!Chance(25)) return fmt::format("\"{}\"", Pick(list));
      return fmt::format("[\"{}\",\"{}\"]", Pick(list), Pick(list));
    };
    std::vector<std::string> parts;
    if (Chance(80)) parts.push_back(R"("event":{"action":)" + value(kActions) + "}");
    if (Chance(70)) {
      std::string process = R"("process":{"name":)" + value(kNames);
      if (Chance(50)) process += fmt::format(R"(,"args_count":{})", rng_() % 4);
      parts.push_back(process + "}");
    }
    if (Chance(50)) parts.push_back(R"("destination.domain":)" + value(kDomains));
    if (Chance(40)) parts.push_back(R"("destination":{"ip":)" + value(kIps) + "}");
    if (Chance(40)) parts.push_back(R"("source.ip":)" + value(kIps));
    if (Chance(80)) parts.push_back(fmt::format(R"("host":{{"os":{{"type":"{}"}}}})", Pick(kOses)));
    std::string json = "{";
    for (size_t i = 0; i < parts.size(); ++i) json += (i ? "," : "") + parts[i];
    return json + "}";
  }

 private:
  std::mt19937 rng_;
};

TEST(RuleIndexEquivalence, RandomRulesAndEventsGiveTheSameAlertsPerEvent) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE(seed);
    Generator gen(seed);
    std::vector<std::shared_ptr<const rules::Rule>> rules;
    std::vector<std::string> queries;
    for (int r = 0; r < 150; ++r) {
      RuleSpec spec;
      spec.rule_id = fmt::format("00000000-0000-0000-0000-{:012}", r);
      spec.type = gen.Chance(80) ? "query" : "new_terms";
      spec.query = gen.Query();
      spec.index = {gen.Chance(50) ? "logs-endpoint.events.*" : "logs-*"};
      queries.push_back(spec.query);
      rules.push_back(MakeRule(spec));
    }
    std::vector<std::string> events;
    for (int e = 0; e < 1500; ++e) events.push_back(gen.Event());
    const char* const kIndices[] = {"logs-endpoint.events.process-default",
                                    "logs-network_traffic.dns-default", ""};

    // Per event: the rule ids and alert ids, in the order they were raised.
    uint64_t candidates[2] = {0, 0};
    auto run = [&](bool use_index) {
      DetectorOptions options = Harness::DefaultOptions();
      options.use_rule_index = use_index;
      options.apply_max_signals = false;  // every alert, so every match is compared
      Harness h(rules, options);
      std::vector<std::vector<std::string>> per_event;
      for (size_t e = 0; e < events.size(); ++e) {
        per_event.emplace_back();
        // new_terms needs a time: every event a second later.
        std::string json = events[e];
        json.insert(json.size() - 1,
                    fmt::format(R"({}"@timestamp":"2026-03-01T00:{:02}:{:02}Z",)"
                                R"("event.ingested":"2026-03-01T01:00:00Z","host.id":"H{}",)"
                                R"("process.executable":"/bin/{}")",
                                json.size() > 2 ? "," : "", e / 60 % 60, e % 60, e % 7, e % 5));
        for (const Alert& a : h.Run(json, false, kIndices[e % 3]))
          per_event.back().push_back(a.rule->rule_id + " " + a.uuid);
      }
      EXPECT_TRUE(h.problems().empty()) << h.problems().front();
      for (const RuleStats& s : h.detector().stats()) candidates[use_index] += s.candidates;
      return per_event;
    };
    auto indexed = run(true);
    auto unindexed = run(false);
    ASSERT_EQ(indexed.size(), unindexed.size());
    size_t alerts = 0, events_with_alerts = 0;
    for (size_t e = 0; e < events.size(); ++e) {
      EXPECT_EQ(indexed[e], unindexed[e]) << "event " << e << ": " << events[e];
      alerts += unindexed[e].size();
      events_with_alerts += !unindexed[e].empty();
    }
    // The comparison covers many matches.
    EXPECT_GT(alerts, 2000u);
    EXPECT_GT(events_with_alerts, 500u);
    // And the index does set rules aside (it is not comparing two full scans).
    EXPECT_LT(candidates[1] * 2, candidates[0]) << candidates[1] << " vs " << candidates[0];
    std::printf(
        "seed %u: %zu alerts, %zu events with alerts, candidates %lu with the index, %lu without\n",
        seed, alerts, events_with_alerts, (unsigned long)candidates[1],
        (unsigned long)candidates[0]);
  }
}

}  // namespace
}  // namespace picket::engine
