#!/usr/bin/env python3
"""Rules over alerts through `picket run`: the bundled macOS rules alert on
the demo telemetry, and a rule reading `.alerts-security.*` on
kibana.alert.rule.threat.tactic.id fires from those alerts in the same run
(event alerts and EQL sequence shells), one level deeper than its source and
with Kibana's ancestry, at its source's event time."""
import json
import os
import subprocess
import sys
import tempfile

PICKET = os.environ.get("PICKET", "build/picket")

OVER_ALERTS = """[metadata]
creation_date = "2026/03/01"
maturity = "production"
updated_date = "2026/03/01"

[rule]
author = ["picket"]
description = "An execution-tactic alert on a host."
from = "now-9m"
index = [".alerts-security.*"]
language = "kuery"
license = "Elastic License v2"
name = "Execution alert seen"
risk_score = 21
rule_id = "cccccccc-1111-2222-3333-444444444444"
severity = "low"
type = "query"
query = '''
kibana.alert.rule.threat.tactic.id:TA0002 and not kibana.alert.building_block_type:*
'''
"""


def main():
    with tempfile.TemporaryDirectory() as tmp:
        open(os.path.join(tmp, "over.toml"), "w").write(OVER_ALERTS)
        out = subprocess.run([PICKET, "run", "--rules", "rules/macos", "--rules", tmp,
                              "data/demo/events.ndjson", "--now", "2026-03-02T00:00:00Z",
                              "--format", "ndjson", "--quiet"],
                             capture_output=True, text=True, check=True).stdout
    alerts = [json.loads(l) for l in out.splitlines() if l.strip()]
    by_uuid = {a["kibana.alert.uuid"]: a for a in alerts}
    over = [a for a in alerts if a["kibana.alert.rule.name"] == "Execution alert seen"]
    # Every alert of an execution-tactic rule but building blocks (the
    # query excludes them): event alerts and EQL sequence shells, which are
    # in Kibana's alerts index like any other alert.
    execution = [a for a in alerts if a["kibana.alert.rule.name"] != "Execution alert seen"
                 and "kibana.alert.building_block_type" not in a
                 and any(t["tactic"]["id"] == "TA0002" for t in a["kibana.alert.rule.threat"])]
    assert execution, "the demo has no execution alert"
    assert any("kibana.alert.group.id" in a for a in execution), "the demo has no execution sequence"
    assert len(over) == len(execution), (len(over), len(execution))
    for a in over:
        ancestors = a["kibana.alert.ancestors"]
        parent = by_uuid[ancestors[-1]["id"]]
        assert a["kibana.alert.depth"] == parent["kibana.alert.depth"] + 1
        # The parent's ancestors, then the parent as a signal.
        assert ancestors[:-1] == parent["kibana.alert.ancestors"], ancestors
        assert ancestors[-1]["type"] == "signal"
        assert ancestors[-1]["rule"] == parent["kibana.alert.rule.uuid"]
        assert ancestors[-1]["index"] == ".alerts-security.alerts-default"
        assert ancestors[-1]["depth"] == parent["kibana.alert.depth"]
        if "kibana.alert.group.id" in parent:  # a sequence's shell (depth 2)
            assert a["kibana.alert.depth"] == 3
            continue
        assert a["kibana.alert.depth"] == 2
        assert [x["type"] for x in ancestors] == ["event", "signal"], ancestors
        # Its time is its source's event time, by the source rule's timestamp
        # field (these rules: event.ingested).
        assert a["kibana.alert.original_time"][:19] == parent["event"]["ingested"][:19], (
            a["kibana.alert.original_time"], parent["event"]["ingested"])
    print("PASS rules over alerts: %d alerts, %d on alerts" % (len(alerts), len(over)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
