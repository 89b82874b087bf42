// LegacySignalFields (engine/legacy_signal_fields.h) walks an alert once
// for every alias target; its answer must be the one of asking each target
// on its own with ForEachValue (the reference below), on alerts of every
// shape: flat `kibana.alert.*` keys, nested objects, mixtures, arrays of
// objects, nulls, objects where a leaf is expected, escaped strings.
#include "engine/legacy_signal_fields.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

#include "engine/json_text.h"

namespace picket::engine {
namespace {

// One ForEachValue per alias, as LegacySignalFields did before it walked
// the alert once.
std::string Reference(event::Json alert) {
  std::string out, values;
  for (const auto& [alias, target] : LegacySignalAliases()) {
    values.clear();
    event::ForEachValue(alert, target, [&](event::Json v) {
      if (v.type() == event::JsonType::OBJECT || v.type() == event::JsonType::NULL_VALUE)
        return false;
      values += values.empty() ? "[" : ",";
      values += simdjson::minify(v);
      return false;
    });
    if (values.empty()) continue;
    out += ',';
    AppendJsonKey(&out, alias);
    out += values;
    out += ']';
  }
  return out;
}

std::string Fields(const std::string& json, std::string* reference) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  *reference = Reference(doc);
  return LegacySignalFields(doc);
}

TEST(LegacySignalFields, FlatKeysGiveTheirAliases) {
  std::string ref;
  std::string got =
      Fields(R"({"kibana.alert.rule.name":"Raw \"rule\"","kibana.alert.depth":1,)"
             R"("kibana.alert.workflow_status":"open","kibana.alert.rule.tags":["a","b\u00e9"]})",
             &ref);
  EXPECT_EQ(got, ref);
  EXPECT_EQ(got, R"(,"signal.depth":[1],"signal.rule.name":["Raw \"rule\""],)"
                 R"("signal.rule.tags":["a","bé"],"signal.status":["open"])");
}

TEST(LegacySignalFields, NestedAndMixedShapesAsForEachValue) {
  const char* const kAlerts[] = {
      // nested objects, dotted keys at several levels, the same field twice
      R"({"kibana":{"alert":{"rule":{"name":"n1","tags":["t"]},"depth":2}},)"
      R"("kibana.alert.rule.name":"n2","kibana.alert":{"rule.rule_id":"r"}})",
      // arrays of objects (ancestors), nulls, empty arrays, objects where a
      // leaf is expected, a null inside an array
      R"({"kibana.alert.ancestors":[{"id":"a","depth":0,"type":"event"},)"
      R"({"id":"b","depth":1,"type":"signal","index":null}],)"
      R"("kibana.alert.rule.threat":[{"framework":"MITRE ATT&CK","tactic":{"id":"TA1",)"
      R"("name":"x"},"technique":[{"id":"T1","subtechnique":[{"id":"T1.001"}]}]}],)"
      R"("kibana.alert.rule.note":null,"kibana.alert.rule.references":[],)"
      R"("kibana.alert.rule.description":{"not":"a leaf"},)"
      R"("kibana.alert.rule.false_positives":["x",null,"y"]})",
      // values of every type; keys that share a prefix with targets
      R"({"kibana.alert.rule.enabled":true,"kibana.alert.risk_score":21.5,)"
      R"("kibana.alert.rule.max_signals":-3,"kibana.alert.rule.nameX":"no",)"
      R"("kibana.alert.rul":"no","kibana.alerts":{"rule":{"name":"no"}},"":"x",)"
      R"("kibana.alert.rule.":"empty tail","kibana.alert.severity":"low"})",
      // strings that minify escapes (quote, backslash, control bytes) and
      // ones it copies (non-ASCII, '/', DEL)
      R"({"kibana.alert.rule.query":"a:\"b\" and c\\d\n\t\u0001",)"
      R"("kibana.alert.rule.references":["https://x/y","caf\u00e9 \u007f","",)"
      R"("\u001f"],"kibana.alert.rule.name":"plain"})",
      // no target at all
      R"({"event":{"kind":"event"},"host":{"name":"h"}})",
      "{}",
  };
  for (const char* alert : kAlerts) {
    std::string ref;
    EXPECT_EQ(Fields(alert, &ref), ref) << alert;
  }
  std::string ref;
  EXPECT_EQ(Fields(kAlerts[4], &ref), "");
}

// The collector is reused across calls: values of an earlier alert must not
// leak into a later one.
TEST(LegacySignalFields, NothingCarriedOverBetweenAlerts) {
  std::string ref;
  EXPECT_NE(Fields(R"({"kibana.alert.rule.name":"first","kibana.alert.depth":1})", &ref), "");
  EXPECT_EQ(Fields(R"({"kibana.alert.depth":3})", &ref), R"(,"signal.depth":[3])");
  EXPECT_EQ(ref, R"(,"signal.depth":[3])");
}

}  // namespace
}  // namespace picket::engine
