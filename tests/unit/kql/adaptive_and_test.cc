// AdaptiveAnd (kql/adaptive_and.h) tries a query's top-level `and` parts in
// the order that rejects events soonest; its answer must be the compiled
// query's on every event, while it samples, after it reorders and after it
// samples again. The events cover the cases where a part's order could
// matter if parts were not pure: missing fields, arrays, escaped strings,
// objects, `not` parts, wildcards and nested queries.
#include "kql/adaptive_and.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "kql/parser.h"

namespace picket::kql {
namespace {

const std::vector<std::string>& Events() {
  static const std::vector<std::string> events = {
      R"({"event":{"category":["process"],"type":["start"],"action":"exec"},)"
      R"("host":{"os":{"type":"macos"}},"process":{"name":"bash","args":["bash","-c","id"],)"
      R"("parent":{"name":"python3.11"},"command_line":"bash -c id"}})",
      // the same event with pip in its command line (the `not` part fails)
      R"({"event":{"category":["process"],"type":["start"],"action":"exec"},)"
      R"("host":{"os":{"type":"macos"}},"process":{"name":"bash","args":["-c"],)"
      R"("parent":{"name":"python3"},"command_line":"pip install x"}})",
      // dotted keys and mixtures instead of nested objects
      R"({"event.category":"process","event":{"type":"start","action":"exec"},)"
      R"("host.os.type":"macos","process.name":"zsh","process":{"args":"-c",)"
      R"("parent.name":"python"}})",
      // escaped strings: "b\u0061sh" is bash; "\"-c\"" is not -c
      R"({"event":{"category":"process","type":"start","action":"exec"},)"
      R"("host":{"os":{"type":"macos"}},"process":{"name":"b\u0061sh","args":"\"-c\"",)"
      R"("parent":{"name":"python"}}})",
      // missing fields, nulls, empty arrays, objects where values are expected
      R"({"event":{"category":null,"type":[],"action":{"x":1}},"host":{}})",
      R"({"process":{"name":["sh",null,"fish"],"args":[["-c"]],"parent":[{"name":"python2"}]},)"
      R"("event":{"category":["network","process"],"type":"start","action":"exec"},)"
      R"("host":{"os":{"type":["linux","macos"]}}})",
      R"({"event":{"category":"network"},"host":{"os":{"type":"windows"}}})",
      "{}",
  };
  return events;
}

const char* const kQueries[] = {
    // the seed's shell query
    "event.category:process and host.os.type:macos and event.type:start and event.action:exec "
    "and process.parent.name:python* and process.name:(bash or dash or sh or tcsh or csh or zsh "
    "or ksh or fish) and process.args:\"-c\" and not process.command_line:(*pip* or *conda*)",
    "not event.category:network and host.os.type:*",
    "process:{ name:bash and args:\"-c\" } and event.action:exec",
    "(event.type:start or event.type:end) and not process.name:fish and host.os.type:macos",
};

TEST(AdaptiveAnd, SameAnswerAsTheCompiledQueryInEveryPhase) {
  simdjson::dom::parser parser;
  std::vector<simdjson::padded_string> padded;
  for (const auto& e : Events()) padded.emplace_back(e);
  for (const char* query : kQueries) {
    auto parsed = Parse(query);
    ASSERT_TRUE(parsed.ok()) << query;
    const auto& types = *event::FieldTypes::BuiltIn();
    CompileResult whole = Compile(*parsed.root, types);
    ASSERT_TRUE(whole.ok()) << query;
    auto parts = CompileConjuncts(*parsed.root, types);
    ASSERT_GE(parts.size(), 2u) << query;
    // A sample of 3 events and a period of 7: every phase is crossed many
    // times over the rounds below.
    AdaptiveAnd adaptive(std::move(parts), 3, 7);
    int matched = 0;
    for (int round = 0; round < 20; ++round) {
      for (auto& p : padded) {
        simdjson::dom::element doc = parser.parse(p).value();
        bool expected = whole.matcher->Matches(doc);
        matched += expected;
        EXPECT_EQ(adaptive.Matches(doc, nullptr), expected) << query << "\n" << p;
      }
    }
    EXPECT_GT(matched, 0) << query;  // the events exercise both answers
  }
}

TEST(AdaptiveAnd, TriesTheRarestPartFirstAfterItsSample) {
  auto parsed = Parse("host.os.type:* and event.category:network and not event.action:exec");
  ASSERT_TRUE(parsed.ok());
  auto parts = CompileConjuncts(*parsed.root, *event::FieldTypes::BuiltIn());
  ASSERT_EQ(parts.size(), 3u);
  AdaptiveAnd adaptive(std::move(parts), static_cast<uint32_t>(Events().size()), 1000);
  EXPECT_EQ(adaptive.order(), (std::vector<uint32_t>{0, 1, 2}));  // as written at first
  simdjson::dom::parser parser;
  for (const auto& e : Events()) {
    simdjson::padded_string p(e);
    adaptive.Matches(parser.parse(p).value(), nullptr);
  }
  // event.category:network holds for 2 of the events, the `not` for 3,
  // host.os.type:* for 6.
  EXPECT_EQ(adaptive.order(), (std::vector<uint32_t>{1, 2, 0}));
}

TEST(AdaptiveAnd, OnlyTopLevelAndsOfTwoOrMorePartsAreSplit) {
  const auto& types = *event::FieldTypes::BuiltIn();
  for (const char* query : {"a:1", "a:1 or b:2", "not (a:1 and b:2)", "a:{ b:1 and c:2 }"}) {
    auto parsed = Parse(query);
    ASSERT_TRUE(parsed.ok()) << query;
    EXPECT_TRUE(CompileConjuncts(*parsed.root, types).empty()) << query;
  }
  auto parsed = Parse("a:1 and (b:2 or c:3) and not d:4");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(CompileConjuncts(*parsed.root, types).size(), 3u);
}

}  // namespace
}  // namespace picket::kql
