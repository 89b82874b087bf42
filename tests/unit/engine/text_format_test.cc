// `picket run --format text`: a plain alert is one block; an EQL sequence
// is one block (the shell's header) with its events indented beneath, each
// with its own origin, instead of one ALERT block per building block.
#include "engine/text_format.h"

#include <gtest/gtest.h>

#include "engine/engine_helpers.h"

namespace picket::engine {
namespace {

using testing::Harness;
using testing::MakeRule;
using testing::RuleSpec;

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

RuleSpec Eql(const std::string& query) {
  RuleSpec spec;
  spec.type = "eql";
  spec.query = query;
  spec.timestamp_override = "";
  spec.rule_keys = "note = \"Look at the host.\"\n";
  return spec;
}

std::string Text(const std::vector<Alert>& alerts, bool guide) {
  TextFormatOptions options;
  options.guide = guide;
  std::string out;
  for (const Alert& a : alerts) out += FormatAlertText(a, options);
  return out;
}

const char* kProcess =
    R"({"@timestamp":"2026-03-01T00:00:01Z","event":{"category":["process"],"id":"p1"},)"
    R"("host":{"id":"h1"},"process":{"name":"python3"}})";
const char* kNetwork =
    R"({"@timestamp":"2026-03-01T00:00:03Z","event":{"category":["network"],"id":"n1"},)"
    R"("host":{"id":"h1"},"destination":{"port":4444}})";

TEST(TextFormat, SequencePrintsOneAlertWithItsEventsBeneath) {
  Harness h({MakeRule(
      Eql("sequence by host.id with maxspan=1m [process where process.name == \"python3\"] "
          "[network where destination.port == 4444]"))});
  h.Run(kProcess, false, "logs-endpoint.events.process-default");
  std::vector<Alert> alerts = h.Run(kNetwork, false, "logs-endpoint.events.network-default");
  ASSERT_EQ(alerts.size(), 3u);
  std::string text = Text(alerts, true);
  EXPECT_EQ(Count(text, "ALERT "), 1u) << text;
  EXPECT_NE(text.find("  sequence   2 events:\n"), std::string::npos) << text;
  std::string first =
      "    [1/2] test:1  (index logs-endpoint.events.process-default)  building block " +
      alerts[1].uuid + "\n";
  std::string second =
      "    [2/2] test:2  (index logs-endpoint.events.network-default)  building block " +
      alerts[2].uuid + "\n";
  size_t at_first = text.find(first), at_second = text.find(second);
  ASSERT_NE(at_first, std::string::npos) << text;
  ASSERT_NE(at_second, std::string::npos) << text;
  EXPECT_LT(at_first, at_second);
  // The guide once, after the events; the block ends with one blank line.
  EXPECT_EQ(Count(text, "investigation guide:"), 1u);
  EXPECT_GT(text.find("investigation guide:"), at_second);
  EXPECT_EQ(text.substr(text.size() - 2), "\n\n");
  EXPECT_EQ(Count(text, "\n\n"), 1u) << text;
}

TEST(TextFormat, EventAlertIsOneBlockWithItsOrigin) {
  Harness h({MakeRule(Eql("process where process.name == \"python3\""))});
  std::vector<Alert> alerts = h.Run(kProcess, false, "logs-endpoint.events.process-default");
  ASSERT_EQ(alerts.size(), 1u);
  std::string text = Text(alerts, false);
  EXPECT_EQ(text.rfind("ALERT [", 0), 0u) << text;
  EXPECT_NE(text.find("  event      test:1  (index logs-endpoint.events.process-default)\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("sequence"), std::string::npos);
  EXPECT_EQ(text.find("investigation guide"), std::string::npos);
  EXPECT_EQ(text.substr(text.size() - 2), "\n\n");
}

}  // namespace
}  // namespace picket::engine
