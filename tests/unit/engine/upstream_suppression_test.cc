// The six upstream kuery `query` rules that carry [rule.alert_suppression]
// (detection-rules snapshot in ../shared/upstream), run unchanged: several
// events per group inside one window, at its edge, past it, in another
// group, and (doNotSuppress rules) missing a group_by field. Each gives the
// alerts Kibana would: one per group per window, the rest counted.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>

#include "engine/engine_helpers.h"
#include "rules/loader.h"
#include "util/time.h"

namespace picket::engine {
namespace {

namespace fs = std::filesystem;
using testing::Harness;

struct Case {
  const char* path;   // under rules/
  const char* index;  // the data stream the events arrive for
  // Fields that make the query match (dotted keys, JSON values).
  const char* base;
  int64_t duration_ms;
  bool suppress_missing;
};

const Case kCases[] = {
    {"integrations/google_workspace/persistence_google_workspace_role_modified.toml",
     "logs-google_workspace.admin-default",
     R"("data_stream.dataset":"google_workspace.admin","event.provider":"admin",)"
     R"("event.category":"iam","event.action":"ADD_PRIVILEGE","google_workspace.admin.role.name":"admin")",
     130 * 60000, true},
    {"integrations/google_workspace/persistence_google_workspace_password_policy_modified.toml",
     "logs-google_workspace.admin-default",
     R"("data_stream.dataset":"google_workspace.admin","event.action":"CHANGE_APPLICATION_SETTING",)"
     R"("google_workspace.admin.setting.name":"Password Management - Minimum password length",)"
     R"("google_workspace.admin.org_unit.name":"eng")",
     130 * 60000, true},
    {"integrations/google_workspace/persistence_google_workspace_2sv_policy_disabled.toml",
     "logs-google_workspace.login-default",
     R"("data_stream.dataset":"google_workspace.login","event.action":"2sv_disable")", 130 * 60000,
     true},
    {"integrations/aws/credential_access_credentials_in_s3_bucket.toml",
     "logs-aws.cloudtrail-default",
     R"("data_stream.dataset":"aws.cloudtrail","event.provider":"s3.amazonaws.com",)"
     R"("event.action":"GetObject","event.outcome":"success","cloud.account.id":"123",)"
     R"("aws.cloudtrail.flattened.request_parameters.key":"backup/.aws/credentials")",
     5 * 60000, true},
    {"promotions/m365_defender_alert_external_alerts.toml", "logs-m365_defender.alert-default",
     R"("event.kind":"alert","data_stream.dataset":"m365_defender.alert",)"
     R"("m365_defender.alert.tenant_id":"t1")",
     24 * 3600000, false},
    {"promotions/m365_defender_incident_external_alerts.toml",
     "logs-m365_defender.incident-default",
     R"("event.kind":"alert","data_stream.dataset":"m365_defender.incident",)"
     R"("m365_defender.incident.tenant_id":"t1")",
     24 * 3600000, false},
};

// The group_by field this test varies per group (the rule's first), with
// the other group fields fixed in `base` or below.
std::string GroupFields(const rules::Rule& rule, const std::string& group) {
  std::string out;
  for (const std::string& f : rule.alert_suppression->group_by) {
    if (f == "cloud.account.id" || f.ends_with("tenant_id") || f.ends_with("role.name") ||
        f.ends_with("org_unit.name"))
      continue;  // in base
    out += fmt::format(R"(,"{}":"{}")", f, f == rule.alert_suppression->group_by[0] ? group : "x");
  }
  return out;
}

std::string Event(const Case& c, const rules::Rule& rule, TimeMs t, const std::string& group,
                  bool drop_group_fields = false) {
  std::string time = FormatIso8601(t);
  std::string json =
      fmt::format(R"({{"@timestamp":"{}","event.ingested":"{}",{})", time, time, c.base);
  if (!drop_group_fields) json += GroupFields(rule, group);
  // A distinct event each time (its bytes name it).
  json += fmt::format(R"(,"event.id":"{}-{}"}})", group, t);
  return json;
}

TEST(UpstreamSuppression, SixKueryRulesAlertAsKibanaWould) {
  fs::path root = fs::path(PICKET_SHARED_DIR) / "upstream/detection-rules/rules";
  if (!fs::exists(root)) GTEST_SKIP() << "no upstream rules";
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.path);
    rules::RuleSet set =
        rules::LoadRules({(root / c.path).string()}, *event::FieldTypes::BuiltIn(), {});
    ASSERT_TRUE(set.errors.empty());
    ASSERT_EQ(set.rules.size(), 1u);
    std::shared_ptr<const rules::Rule> rule = set.rules[0];
    ASSERT_TRUE(rule->supported());
    ASSERT_TRUE(rule->alert_suppression);
    EXPECT_EQ(rule->alert_suppression->duration_ms, c.duration_ms);
    EXPECT_EQ(rule->alert_suppression->suppress_missing, c.suppress_missing);
    Harness h({rule});
    ASSERT_TRUE(h.detector().warnings().empty());
    TimeMs t0 = 1772323200000;  // 2026-03-01
    int64_t d = c.duration_ms;
    auto run = [&](TimeMs t, const std::string& group, bool drop = false) {
      auto alerts = h.Run(Event(c, *rule, t, group, drop), false, c.index);
      EXPECT_EQ(alerts.size(), 1u) << Event(c, *rule, t, group, drop);
      return alerts.empty() ? Alert{} : alerts[0];
    };
    Alert first = run(t0, "g1");
    EXPECT_FALSE(first.suppression_update);
    EXPECT_TRUE(run(t0 + 60000, "g1").suppression_update);
    EXPECT_FALSE(run(t0 + 60000, "g2").suppression_update);  // another group
    Alert edge = run(t0 + d, "g1");
    EXPECT_TRUE(edge.suppression_update);
    EXPECT_EQ(edge.uuid, first.uuid);
    EXPECT_EQ(edge.suppressed_docs, 2u);
    Alert past = run(t0 + d + 1000, "g1");
    EXPECT_FALSE(past.suppression_update);  // a new window
    EXPECT_TRUE(run(t0 + d + 2000, "g1").suppression_update);
    // Events missing the varied group field.
    Alert m1 = run(t0 + 3000, "", /*drop=*/true);
    Alert m2 = run(t0 + 4000, "", /*drop=*/true);
    EXPECT_FALSE(m1.suppression_update);
    EXPECT_EQ(m2.suppression_update, c.suppress_missing);
    const RuleStats& s = h.detector().stats()[0];
    EXPECT_EQ(s.alerts, c.suppress_missing ? 4u : 5u);
    EXPECT_EQ(s.alert_suppressed, c.suppress_missing ? 4u : 3u);
  }
}

}  // namespace
}  // namespace picket::engine
