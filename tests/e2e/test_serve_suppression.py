#!/usr/bin/env python3
"""`picket serve` with a suppressed rule ([rule.alert_suppression]), killed
with SIGKILL in the middle of the suppression windows: after the restart and
the shipper's re-sending (of what was not acknowledged, and of the last
acknowledged request, which it cannot know was committed), every group has
exactly one alert and its last written copy counts every other event of the
group once (no lost count, no second alert, no double count)."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_support import (BASE_TIME, Server, alert_id, bulk_body, file_open_event,  # noqa: E402
                           resend_after_restart, run_tests, ship_and_kill9)

RULE = """[metadata]
creation_date = "2026/03/01"
maturity = "production"
updated_date = "2026/03/01"

[rule]
author = ["picket"]
description = "Python opens a file; one alert per host per hour."
from = "now-9m"
index = ["logs-endpoint.events.*"]
language = "kuery"
license = "Elastic License v2"
name = "Python file open, suppressed per host"
risk_score = 21
rule_id = "bbbbbbbb-1111-2222-3333-444444444444"
severity = "low"
tags = ["OS: macOS"]
timestamp_override = "event.ingested"
type = "query"
query = '''
event.action:open and process.name:python3
'''

[rule.alert_suppression]
group_by = ["host.name"]
duration = {value = 1, unit = "h"}
missing_fields_strategy = "suppress"
"""

HOSTS = 7


def test_kill9_mid_window_no_lost_count_no_second_alert(tmp):
    rules = os.path.join(tmp, "rules")
    os.makedirs(rules)
    open(os.path.join(rules, "suppressed.toml"), "w").write(RULE)
    # 40 requests of 21 events, all within one hour of event time.
    batches = [[file_open_event("s%d" % (i % HOSTS), "/s/%d/%d" % (b, i),
                                BASE_TIME + b * 1000 + i, b * 100 + i) for i in range(21)]
               for b in range(40)]
    per_host = {}
    for batch in batches:
        for e in batch:
            per_host[e["host"]["name"]] = per_host.get(e["host"]["name"], 0) + 1
    s = Server(tmp, "--rules", rules, "--no-max-signals")
    bodies = [bulk_body(b) for b in batches]
    acked = ship_and_kill9(s, bodies, 12)
    s.start()
    try:
        resend_after_restart(s, bodies, acked)
        last = {}  # the last written copy of each alert
        for a in s.alerts():
            last[alert_id(a)] = a
        by_host = {}
        for a in last.values():
            by_host.setdefault(a["host"]["name"], []).append(a)
        assert sorted(by_host) == sorted(per_host), sorted(by_host)
        for host, alerts in by_host.items():
            assert len(alerts) == 1, (host, "a second alert", len(alerts))
            a = alerts[0]
            assert a["kibana.alert.suppression.terms"] == [{"field": "host.name", "value": [host]}]
            assert a["kibana.alert.suppression.docs_count"] == per_host[host] - 1, (
                host, a["kibana.alert.suppression.docs_count"], per_host[host] - 1)
    finally:
        s.stop()


def test_run_state_carries_the_window(tmp):
    """`picket run --state` keeps the open windows: a second run over later
    events of the same hour counts them into the first run's alert."""
    import subprocess
    from serve_support import PICKET
    rules = os.path.join(tmp, "rules")
    os.makedirs(rules)
    open(os.path.join(rules, "suppressed.toml"), "w").write(RULE)
    state = os.path.join(tmp, "state.bin")
    outs = []
    for part in range(2):
        events = os.path.join(tmp, "events%d.ndjson" % part)
        with open(events, "w") as f:
            for i in range(3):
                e = file_open_event("h", "/r/%d/%d" % (part, i), BASE_TIME + part * 60000 + i,
                                    part * 10 + i)
                f.write(json.dumps(e) + "\n")
        out = subprocess.run([PICKET, "run", "--rules", rules, "--state", state,
                              events, "--now", "2026-03-02T00:00:00Z", "--format", "ndjson",
                              "--quiet"], capture_output=True, text=True, check=True).stdout
        outs.append([json.loads(l) for l in out.splitlines() if l.strip()])
    first_ids = {alert_id(a) for a in outs[0]}
    assert len(first_ids) == 1, first_ids
    # One copy with the newest count (run writes the newest per alert).
    assert [alert_id(a) for a in outs[1]] == list(first_ids)
    assert [a["kibana.alert.suppression.docs_count"] for a in outs[1]] == [5]


def test_forward_overwrites_with_the_newest_count(tmp):
    """--forward-url sends suppressed alerts with `index` under their id, so
    Elasticsearch keeps the newest count."""
    check_forward(tmp, RULE)


# The same rule as a threshold rule with Kibana's threshold suppression (a
# duration only; the group is the threshold field): value 1, so each event
# is a crossing counted into the first alert.
THRESHOLD_RULE = (RULE.replace('type = "query"', 'type = "threshold"')
                  .replace('group_by = ["host.name"]\n', "")
                  .replace('missing_fields_strategy = "suppress"\n', "")
                  + '\n[rule.threshold]\nfield = ["host.name"]\nvalue = 1\n')


def test_forward_overwrites_threshold_alerts_with_the_newest_count(tmp):
    """Threshold alerts with suppression fields take the same path."""
    assert 'type = "threshold"' in THRESHOLD_RULE and "group_by" not in THRESHOLD_RULE
    check_forward(tmp, THRESHOLD_RULE)


def check_forward(tmp, rule):
    import http.server
    import threading
    got = []  # (action, _id, document)

    class FakeElasticsearch(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            lines = [l for l in body.split("\n") if l.strip()]
            items = []
            for action_line, doc_line in zip(lines[0::2], lines[1::2]):
                (op, meta), = json.loads(action_line).items()
                got.append((op, meta["_id"], json.loads(doc_line)))
                items.append({op: {"_id": meta["_id"], "status": 200 if op == "index" else 201}})
            answer = json.dumps({"errors": False, "items": items}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass
    es = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeElasticsearch)
    threading.Thread(target=es.serve_forever, daemon=True).start()
    rules = os.path.join(tmp, "rules")
    os.makedirs(rules)
    open(os.path.join(rules, "suppressed.toml"), "w").write(rule)
    s = Server(tmp, "--rules", rules, "--forward-url", "http://127.0.0.1:%d" % es.server_port)
    try:
        for i in range(3):  # one request each: three lines in the alert log
            events = [file_open_event("fw", "/fw/%d" % i, BASE_TIME + i * 1000, i)]
            assert s.bulk(bulk_body(events))[0] == 200
        deadline = time.time() + 20
        while time.time() < deadline and len(got) < 3:
            time.sleep(0.05)
        assert [op for op, _, _ in got] == ["index"] * 3, got
        assert len({i for _, i, _ in got}) == 1
        assert [d["kibana.alert.suppression.docs_count"] for _, _, d in got] == [0, 1, 2]
    finally:
        s.stop()
        es.shutdown()


if __name__ == "__main__":
    sys.exit(run_tests([test_kill9_mid_window_no_lost_count_no_second_alert,
                        test_run_state_carries_the_window,
                        test_forward_overwrites_with_the_newest_count,
                        test_forward_overwrites_threshold_alerts_with_the_newest_count]))
