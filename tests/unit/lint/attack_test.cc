// The bundled ATT&CK table: generated faithfully from the shared MITRE
// extract, and the lookups lint and coverage rely on.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "rules/attack.h"
#include "rules/event_fields.h"

namespace picket::rules {
namespace {

TEST(AttackData, MatchesTheSharedSource) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string path = std::string(PICKET_SHARED_DIR) + "/upstream/attack/enterprise-attack-techniques.json";
  ASSERT_EQ(parser.load(path).get(doc), simdjson::SUCCESS) << path;
  const AttackData& data = AttackData::BuiltIn();

  size_t tactics = 0;
  for (auto t : doc["tactics"].get_array()) {
    ++tactics;
    std::string_view id = t["id"].get_string().value();
    const AttackTactic* tactic = data.FindTactic(id);
    ASSERT_NE(tactic, nullptr) << id;
    EXPECT_EQ(tactic->name, t["name"].get_string().value());
    EXPECT_EQ(tactic->shortname, t["shortname"].get_string().value());
  }
  EXPECT_EQ(data.tactics().size(), tactics);

  size_t techniques = 0;
  for (auto t : doc["techniques"].get_array()) {
    ++techniques;
    std::string_view id = t["id"].get_string().value();
    const AttackTechnique* tech = data.FindTechnique(id);
    ASSERT_NE(tech, nullptr) << id;
    EXPECT_EQ(tech->name, t["name"].get_string().value());
    AttackStatus status = t["revoked"].get_bool().value()      ? AttackStatus::kRevoked
                          : t["deprecated"].get_bool().value() ? AttackStatus::kDeprecated
                                                               : AttackStatus::kActive;
    EXPECT_EQ(tech->status, status) << id;
    size_t n = 0;
    for (auto tactic : t["tactics"].get_array()) {
      EXPECT_TRUE(tech->InTactic(tactic.get_string().value())) << id;
      ++n;
    }
    EXPECT_EQ(tech->tactics.size(), n) << id;
    std::string_view redirect;
    if (doc["revoked_by"][id].get_string().get(redirect) == simdjson::SUCCESS)
      EXPECT_EQ(tech->revoked_by, redirect) << id;
    else
      EXPECT_TRUE(tech->revoked_by.empty()) << id;
  }
  EXPECT_EQ(data.techniques().size(), techniques);
  // The header records the version named in the source line.
  std::string_view source = doc["source"].get_string().value();
  ASSERT_EQ(data.version().rfind("ATT&CK v", 0), 0u) << data.version();
  std::string number = data.version().substr(0, data.version().find(' ', 8));
  EXPECT_NE(source.find(number), std::string_view::npos) << number;
}

TEST(AttackData, Lookups) {
  const AttackData& data = AttackData::BuiltIn();
  const AttackTechnique* launch_agent = data.FindTechnique("T1543.001");
  ASSERT_NE(launch_agent, nullptr);
  EXPECT_TRUE(launch_agent->is_subtechnique());
  EXPECT_EQ(launch_agent->parent_id(), "T1543");
  EXPECT_TRUE(launch_agent->InTactic("persistence"));
  EXPECT_EQ(data.FindTechnique("T9999"), nullptr);
  EXPECT_EQ(data.FindTacticByName("Credential Access")->id, "TA0006");
  EXPECT_EQ(AttackData::TechniqueUrl("T1059.004"), "https://attack.mitre.org/techniques/T1059/004/");
  EXPECT_EQ(AttackData::TacticUrl("TA0002"), "https://attack.mitre.org/tactics/TA0002/");
}

TEST(AttackData, ParseRejectsMalformedRows) {
  std::string error;
  EXPECT_FALSE(AttackData::Parse("tactic\tTA0001\tInitial Access\n", &error));
  EXPECT_NE(error.find("line 1"), std::string::npos);
  EXPECT_FALSE(AttackData::Parse(
      "tactic\tTA0001\tInitial Access\tinitial-access\ntechnique\tT1\tX\tinitial-access\tgone\t\n",
      &error));
  EXPECT_NE(error.find("line 2"), std::string::npos);
  auto ok = AttackData::Parse(
      "# version: ATT&CK v1 Enterprise\ntactic\tTA0001\tInitial Access\tinitial-access\n"
      "technique\tT1\tX\tinitial-access\trevoked\tT2\n",
      &error);
  ASSERT_TRUE(ok) << error;
  EXPECT_EQ(ok->version(), "ATT&CK v1 Enterprise");
  EXPECT_EQ(ok->FindTechnique("T1")->revoked_by, "T2");
}

TEST(EventFields, ExpandsBraceGroups) {
  EXPECT_EQ(ExpandFieldSpec("process.{name,pid}"),
            (std::vector<std::string>{"process.name", "process.pid"}));
  EXPECT_EQ(ExpandFieldSpec("message"), (std::vector<std::string>{"message"}));
}

TEST(EventFields, LaunchDaemonCarriesPersistenceNotFilePath) {
  const auto& catalog = EventFieldCatalog::BuiltIn();
  const auto* fields = catalog.Fields("endpoint.events.file", "macos", "launch_daemon");
  ASSERT_NE(fields, nullptr);
  EXPECT_TRUE(fields->count("Persistence.path"));
  EXPECT_FALSE(fields->count("file.path"));
  EXPECT_TRUE(fields->count("host.id"));  // from the shared file envelope
  const auto* open = catalog.Fields("endpoint.events.file", "macos", "open");
  ASSERT_NE(open, nullptr);
  EXPECT_TRUE(open->count("file.path"));
  const auto* exec = catalog.Fields("endpoint.events.process", "macos", "exec");
  ASSERT_NE(exec, nullptr);
  EXPECT_TRUE(exec->count("process.parent.executable"));
  EXPECT_FALSE(exec->count("process.parent.args"));
  // Undocumented kinds give no answer rather than an empty set.
  EXPECT_EQ(catalog.Fields("endpoint.events.file", "windows", "creation"), nullptr);
}

}  // namespace
}  // namespace picket::rules
