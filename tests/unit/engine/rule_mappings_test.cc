// severity_mapping and risk_score_mapping as Kibana applies them
// (buildSeverityFromMapping, buildRiskScoreFromMapping).
#include "engine/rule_mappings.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>

namespace picket::engine {
namespace {

rules::Rule RuleWith(std::vector<rules::SeverityMappingEntry> severity,
                     std::vector<rules::RiskScoreMappingEntry> risk = {}) {
  rules::Rule r;
  r.severity = "medium";
  r.risk_score = 47;
  r.severity_mapping = std::move(severity);
  r.risk_score_mapping = std::move(risk);
  return r;
}

rules::SeverityMappingEntry Sev(std::string field, std::string value, std::string severity) {
  return {std::move(field), "equals", std::move(value), std::move(severity)};
}

class Mappings : public ::testing::Test {
 protected:
  std::string_view Severity(const std::string& json, const rules::Rule& rule) {
    return MappedSeverity(parser_.parse(json).value(), rule);
  }
  double Risk(const std::string& json, const rules::Rule& rule) {
    return MappedRiskScore(parser_.parse(json).value(), rule);
  }
  simdjson::dom::parser parser_;
};

TEST_F(Mappings, NoMappingKeepsTheRuleSeverityAndRiskScore) {
  rules::Rule rule = RuleWith({});
  EXPECT_EQ(Severity(R"({"a":"x"})", rule), "medium");
  EXPECT_EQ(Risk(R"({"a":"x"})", rule), 47);
}

TEST_F(Mappings, SeverityMatchAndNoMatch) {
  rules::Rule rule = RuleWith({Sev("okta.risk", "LOW", "low"), Sev("okta.risk", "HIGH", "high")});
  EXPECT_EQ(Severity(R"({"okta":{"risk":"HIGH"}})", rule), "high");
  EXPECT_EQ(Severity(R"({"okta.risk":"LOW"})", rule), "low");          // dotted key
  EXPECT_EQ(Severity(R"({"okta":{"risk":"high"}})", rule), "medium");  // case matters
  EXPECT_EQ(Severity(R"({"okta":{"risk":null}})", rule), "medium");
  EXPECT_EQ(Severity(R"({"other":"HIGH"})", rule), "medium");
}

TEST_F(Mappings, HighestMatchingSeverityWinsWhateverTheOrder) {
  // Kibana sorts the entries low -> critical and keeps the last match.
  rules::Rule rule = RuleWith({Sev("f", "a", "critical"), Sev("f", "a", "low"),
                               Sev("g", "b", "critical"), Sev("f", "a", "high")});
  EXPECT_EQ(Severity(R"({"f":"a"})", rule), "critical");
  EXPECT_EQ(Severity(R"({"f":"a","g":"c"})", rule), "critical");
  rules::Rule no_critical = RuleWith({Sev("f", "a", "high"), Sev("f", "a", "low")});
  EXPECT_EQ(Severity(R"({"f":"a"})", no_critical), "high");
}

TEST_F(Mappings, SeverityArraysOnTheEventMatchAnyValue) {
  rules::Rule rule = RuleWith({Sev("tags", "LOW", "low"), Sev("tags", "CRIT", "critical")});
  EXPECT_EQ(Severity(R"({"tags":["x","LOW"]})", rule), "low");
  EXPECT_EQ(Severity(R"({"tags":["CRIT","LOW"]})", rule), "critical");
  EXPECT_EQ(Severity(R"({"tags":[]})", rule), "medium");
}

TEST_F(Mappings, SeverityComparesSafeIntegersAsTextAndIgnoresOtherTypes) {
  rules::Rule rule = RuleWith({Sev("level", "5", "high"), Sev("flag", "true", "critical")});
  EXPECT_EQ(Severity(R"({"level":5})", rule), "high");
  EXPECT_EQ(Severity(R"({"level":5.0})", rule), "high");  // JavaScript's 5
  EXPECT_EQ(Severity(R"({"level":"5"})", rule), "high");
  EXPECT_EQ(Severity(R"({"level":5.5})", rule), "medium");  // not a safe integer
  EXPECT_EQ(Severity(R"({"flag":true})", rule), "medium");  // booleans never match
  EXPECT_EQ(Severity(R"({"level":{"x":5}})", rule), "medium");
}

TEST_F(Mappings, EventSeverityIsNumeric) {
  // For event.severity Kibana compares numbers: floor(Number(value)) with the
  // event's safe-integer values; strings on the event do not count.
  rules::Rule rule =
      RuleWith({Sev("event.severity", "21", "low"), Sev("event.severity", "73.9", "high")});
  EXPECT_EQ(Severity(R"({"event":{"severity":21}})", rule), "low");
  EXPECT_EQ(Severity(R"({"event":{"severity":73}})", rule), "high");
  EXPECT_EQ(Severity(R"({"event":{"severity":"21"}})", rule), "medium");
  EXPECT_EQ(Severity(R"({"event":{"severity":21.5}})", rule), "medium");
  EXPECT_EQ(Severity(R"({"event":{"severity":[1,21]}})", rule), "low");
}

TEST_F(Mappings, RiskScoreFromTheFirstEntrysField) {
  rules::Rule rule = RuleWith({}, {{"event.risk_score", "equals", ""}, {"other", "equals", ""}});
  EXPECT_EQ(Risk(R"({"event":{"risk_score":88}})", rule), 88);
  EXPECT_EQ(Risk(R"({"event":{"risk_score":73.5}})", rule), 73.5);
  EXPECT_EQ(Risk(R"({"event":{"risk_score":"64"}})", rule), 64);  // Number("64")
  EXPECT_EQ(Risk(R"({"event":{"risk_score":0}})", rule), 0);
  EXPECT_EQ(Risk(R"({"other":90})", rule), 47);  // only the first entry counts
  EXPECT_EQ(Risk(R"({"x":1})", rule), 47);
}

TEST_F(Mappings, InvalidRiskScoresAreIgnored) {
  rules::Rule rule = RuleWith({}, {{"r", "equals", ""}});
  EXPECT_EQ(Risk(R"({"r":101})", rule), 47);
  EXPECT_EQ(Risk(R"({"r":-1})", rule), 47);
  EXPECT_EQ(Risk(R"({"r":"high"})", rule), 47);
  EXPECT_EQ(Risk(R"({"r":true})", rule), 47);
  EXPECT_EQ(Risk(R"({"r":null})", rule), 47);
  EXPECT_EQ(Risk(R"({"r":{"v":50}})", rule), 47);
  EXPECT_EQ(Risk(R"({"r":"1e400"})", rule), 47);  // Infinity
}

TEST_F(Mappings, RiskScoreArraysGiveTheLargestValidValue) {
  rules::Rule rule = RuleWith({}, {{"r", "equals", ""}});
  EXPECT_EQ(Risk(R"({"r":[null,1.5,1,"x"]})", rule), 1.5);
  EXPECT_EQ(Risk(R"({"r":["42","44",43,42]})", rule), 44);
  EXPECT_EQ(Risk(R"({"r":["101",100,99]})", rule), 100);
  EXPECT_EQ(Risk(R"({"r":[]})", rule), 47);
}

TEST(JsNumber, ReadsLikeJavaScript) {
  EXPECT_EQ(JsNumber(""), 0.0);
  EXPECT_EQ(JsNumber("  42 "), 42.0);
  EXPECT_EQ(JsNumber("+7"), 7.0);
  EXPECT_EQ(JsNumber("-0.5"), -0.5);
  EXPECT_EQ(JsNumber(".5"), 0.5);
  EXPECT_EQ(JsNumber("5."), 5.0);
  EXPECT_EQ(JsNumber("1e2"), 100.0);
  EXPECT_EQ(JsNumber("0x1A"), 26.0);
  EXPECT_EQ(JsNumber("0b101"), 5.0);
  EXPECT_EQ(JsNumber("0o17"), 15.0);
  EXPECT_TRUE(std::isinf(*JsNumber("-Infinity")));
  EXPECT_FALSE(JsNumber("abc"));
  EXPECT_FALSE(JsNumber("1e"));
  EXPECT_FALSE(JsNumber("."));
  EXPECT_FALSE(JsNumber("-0x10"));
  EXPECT_FALSE(JsNumber("inf"));
  EXPECT_FALSE(JsNumber("12px"));
}

TEST(RiskScoreJson, IntegersWithoutAFraction) {
  EXPECT_EQ(RiskScoreJson(47), "47");
  EXPECT_EQ(RiskScoreJson(73.5), "73.5");
  EXPECT_EQ(RiskScoreJson(0), "0");
}

}  // namespace
}  // namespace picket::engine
