#!/usr/bin/env python3
"""Input for the alert-suppression cost figure (docs/engine.md, *Alert
suppression*): the 6 upstream kuery rules with [rule.alert_suppression],
as they are (DIR/with) and with the table removed (DIR/without), each laid
out as ratio_bench.py's --upstream expects (rules/six/, rules_building_block/),
and DIR/events.ndjson: N events that all match them, 500 groups per rule
over one hour of event time.

    /usr/bin/python3 bench/suppression_bench_data.py /tmp/supp_bench
    for v in with without; do /usr/bin/python3 bench/ratio_bench.py --only upstream \\
        --rounds 3 --telemetry /tmp/supp_bench/events.ndjson --upstream /tmp/supp_bench/$v; done
"""
import argparse
import json
import os
import random
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UPSTREAM = os.path.join(ROOT, "..", "shared", "upstream", "detection-rules", "rules")
RULES = [
    "integrations/google_workspace/persistence_google_workspace_role_modified.toml",
    "integrations/google_workspace/persistence_google_workspace_password_policy_modified.toml",
    "integrations/google_workspace/persistence_google_workspace_2sv_policy_disabled.toml",
    "integrations/aws/credential_access_credentials_in_s3_bucket.toml",
    "promotions/m365_defender_alert_external_alerts.toml",
    "promotions/m365_defender_incident_external_alerts.toml",
]
# Per rule: its data set and the fields its query requires.
KINDS = [
    ("google_workspace.admin", {"event.provider": "admin", "event.category": "iam",
                                "event.action": "ADD_PRIVILEGE",
                                "google_workspace.admin.role.name": "admin"}),
    ("google_workspace.admin", {"event.action": "CHANGE_APPLICATION_SETTING",
                                "google_workspace.admin.setting.name":
                                    "Password Management - Minimum password length",
                                "google_workspace.admin.org_unit.name": "eng"}),
    ("google_workspace.login", {"event.action": "2sv_disable"}),
    ("aws.cloudtrail", {"event.provider": "s3.amazonaws.com", "event.action": "GetObject",
                        "event.outcome": "success", "cloud.account.id": "123",
                        "aws.cloudtrail.flattened.request_parameters.key": "b/.aws/credentials"}),
    ("m365_defender.alert", {"event.kind": "alert"}),
    ("m365_defender.incident", {"event.kind": "alert"}),
]


def without_suppression(text):
    out, skip = [], False
    for line in text.splitlines(True):
        if line.startswith("["):
            skip = line.startswith("[rule.alert_suppression")
        if not skip:
            out.append(line)
    return "".join(out)


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + ".%03dZ" % (ms % 1000)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--events", type=int, default=300000)
    args = ap.parse_args()
    for variant in ("with", "without"):
        os.makedirs(os.path.join(args.dir, variant, "rules", "six"), exist_ok=True)
        os.makedirs(os.path.join(args.dir, variant, "rules_building_block"), exist_ok=True)
        for rule in RULES:
            text = open(os.path.join(UPSTREAM, rule)).read()
            if variant == "without":
                text = without_suppression(text)
            open(os.path.join(args.dir, variant, "rules", "six", os.path.basename(rule)),
                 "w").write(text)
    rng = random.Random(7)
    base = 1772323200000
    step = 3600000 // args.events or 1
    with open(os.path.join(args.dir, "events.ndjson"), "w") as f:
        for i in range(args.events):
            t = base + i * step
            dataset, fields = KINDS[i % len(KINDS)]
            g = rng.randrange(500)
            e = {"@timestamp": iso(t), "event.ingested": iso(t),
                 "data_stream": {"type": "logs", "dataset": dataset, "namespace": "default"},
                 "data_stream.dataset": dataset, "user.email": "u%d@x" % g,
                 "source.ip": "10.0.%d.%d" % (g // 250, g % 250),
                 "m365_defender.alert.id": "a%d" % g, "m365_defender.alert.tenant_id": "t",
                 "m365_defender.incident.id": "i%d" % g, "m365_defender.incident.tenant_id": "t",
                 "event.id": str(i), "message": "x" * 200}
            e.update(fields)
            f.write(json.dumps(e) + "\n")


if __name__ == "__main__":
    main()
