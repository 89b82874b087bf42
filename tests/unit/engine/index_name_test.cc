// Event index derivation and Kibana-style index-pattern matching.
#include "engine/index_name.h"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace picket::engine {
namespace {

TEST(DataStreamIndex, BuiltFromTheThreeFields) {
  simdjson::dom::parser p;
  auto doc = p.parse(std::string(
      R"({"data_stream":{"type":"logs","dataset":"endpoint.events.file","namespace":"default"}})")).value();
  EXPECT_EQ(DataStreamIndex(doc), "logs-endpoint.events.file-default");
  simdjson::dom::parser p2;
  auto dotted = p2.parse(std::string(
      R"({"data_stream.type":"logs","data_stream.dataset":"x","data_stream.namespace":"ns"})")).value();
  EXPECT_EQ(DataStreamIndex(dotted), "logs-x-ns");
}

TEST(DataStreamIndex, IncompleteGivesNone) {
  simdjson::dom::parser p;
  auto doc = p.parse(std::string(R"({"data_stream":{"type":"logs","dataset":"x"}})")).value();
  EXPECT_EQ(DataStreamIndex(doc), "");
}

TEST(IndexPatterns, GlobAndCommaLists) {
  IndexPatterns p({"logs-endpoint.events.file-*", "winlogbeat-*,auditbeat-*"});
  EXPECT_TRUE(p.Covers("logs-endpoint.events.file-default"));
  EXPECT_TRUE(p.Covers("auditbeat-8.1"));
  EXPECT_TRUE(p.Covers("winlogbeat-x"));
  EXPECT_FALSE(p.Covers("logs-endpoint.events.process-default"));
  EXPECT_FALSE(p.Covers("filebeat-1"));
}

TEST(IndexPatterns, ExclusionsWin) {
  IndexPatterns p({"logs-*", "-logs-test*"});
  EXPECT_TRUE(p.Covers("logs-prod"));
  EXPECT_FALSE(p.Covers("logs-test-1"));
}

TEST(IndexPatterns, CrossClusterPrefixIsIgnored) {
  IndexPatterns p({"*:logs-aws*"});
  EXPECT_TRUE(p.Covers("logs-aws.cloudtrail-default"));
  EXPECT_FALSE(p.Covers("logs-gcp-default"));
}

TEST(IndexPatterns, UnknownIndexAndNoPatternsSeeEverything) {
  IndexPatterns p({"logs-endpoint.events.file-*"});
  EXPECT_TRUE(p.Covers(""));
  IndexPatterns none;
  EXPECT_TRUE(none.match_all());
  EXPECT_TRUE(none.Covers("anything"));
}

TEST(IndexPatterns, ExactNameWithoutStar) {
  IndexPatterns p({"my-index"});
  EXPECT_TRUE(p.Covers("my-index"));
  EXPECT_FALSE(p.Covers("my-index-2"));
}

}  // namespace
}  // namespace picket::engine
