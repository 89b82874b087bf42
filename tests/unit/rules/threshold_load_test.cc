// [rule.threshold] in the rule model: the TOML forms upstream uses (field as
// a string or a list, 0 to 5 fields, [[rule.threshold.cardinality]]), the
// API form in the rule parameters, and every schema problem as a load error
// at file:line:column.
#include <gtest/gtest.h>

#include "rules/loader.h"

namespace picket::rules {
namespace {

std::string ThresholdText(const std::string& table) {
  return "[rule]\nrule_id = \"t\"\nname = \"n\"\ntype = \"threshold\"\nlanguage = \"kuery\"\n"
         "index = [\"logs-*\"]\nfrom = \"now-9m\"\nquery = 'event.action:kill'\n\n" +
         table;
}

std::shared_ptr<Rule> Load(const std::string& text, std::vector<LoadIssue>* errors) {
  std::vector<LoadIssue> warnings;
  return LoadRuleText(text, "t.toml", *event::FieldTypes::BuiltIn(), {}, errors, &warnings);
}

TEST(ThresholdRule, LoadsTheUpstreamForms) {
  std::vector<LoadIssue> errors;
  auto r = Load(ThresholdText("[rule.threshold]\nfield = \"host.id\"\nvalue = 20\n"
                              "[[rule.threshold.cardinality]]\nfield = \"user.name\"\nvalue = 3\n"),
                &errors);
  ASSERT_NE(r, nullptr) << errors[0].ToString();
  EXPECT_TRUE(r->supported());
  EXPECT_EQ(r->threshold_fields, std::vector<std::string>{"host.id"});
  EXPECT_EQ(r->threshold_value, 20);
  ASSERT_EQ(r->threshold_cardinality.size(), 1u);
  EXPECT_EQ(r->threshold_cardinality[0].field, "user.name");
  EXPECT_EQ(r->threshold_cardinality[0].value, 3);
  // Kibana's API form: field always a list.
  EXPECT_NE(
      r->params_json.find(
          R"("threshold":{"cardinality":[{"field":"user.name","value":3}],"field":["host.id"],"value":20})"),
      std::string::npos)
      << r->params_json;

  auto none = Load(ThresholdText("[rule.threshold]\nfield = []\nvalue = 30\n"), &errors);
  ASSERT_NE(none, nullptr);
  EXPECT_TRUE(none->threshold_fields.empty());
  auto absent = Load(ThresholdText("[rule.threshold]\nvalue = 30\n"), &errors);
  ASSERT_NE(absent, nullptr);
  EXPECT_TRUE(absent->threshold_fields.empty());
}

struct Bad {
  std::string table;
  std::string message;
  uint32_t line, column;
};

// Test names show the expected message, not the struct's bytes.
void PrintTo(const Bad& b, std::ostream* os) { *os << '"' << b.message << '"'; }

class ThresholdSchema : public ::testing::TestWithParam<Bad> {};

TEST_P(ThresholdSchema, IsALocatedLoadError) {
  const Bad& b = GetParam();
  std::vector<LoadIssue> errors;
  EXPECT_EQ(Load(ThresholdText(b.table), &errors), nullptr);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find(b.message), std::string::npos) << errors[0].ToString();
  EXPECT_EQ(errors[0].line, b.line) << errors[0].ToString();
  EXPECT_EQ(errors[0].column, b.column) << errors[0].ToString();
}

// The table starts on line 10 of ThresholdText.
INSTANTIATE_TEST_SUITE_P(
    Loader, ThresholdSchema,
    ::testing::Values(
        Bad{"", "without [rule.threshold]", 1, 1},
        Bad{"[rule.threshold]\nfield = [\"a\",\"b\",\"c\",\"d\",\"e\",\"f\"]\nvalue = 1\n",
            "at most 5", 11, 9},
        Bad{"[rule.threshold]\nfield = [\"a\"]\nvalue = 0\n", "below 1", 12, 9},
        Bad{"[rule.threshold]\nfield = [\"a\"]\n", "has no value", 10, 1},
        Bad{"[rule.threshold]\nfield = [\"a\", \"\"]\nvalue = 2\n", "empty threshold field", 11, 9},
        Bad{"[rule.threshold]\nfield = 5\nvalue = 2\n",
            "rule.threshold.field must be a string or an array of strings", 11, 9},
        Bad{"[rule.threshold]\nvalue = \"2\"\n", "rule.threshold.value must be an integer", 11, 9},
        Bad{"[rule.threshold]\nvalue = 2\n[[rule.threshold.cardinality]]\nfield = \"u\"\n",
            "needs a `field` and a `value`", 12, 1},
        Bad{"[rule.threshold]\nvalue = 2\n[[rule.threshold.cardinality]]\nfield = \"u\"\n"
            "value = \"3\"\n",
            "rule.threshold.cardinality.value must be an integer", 14, 9},
        Bad{"[rule.threshold]\nvalue = 2\n[[rule.threshold.cardinality]]\nfield = \"u\"\n"
            "value = -1\n",
            "below 0", 14, 9}));

}  // namespace
}  // namespace picket::rules
