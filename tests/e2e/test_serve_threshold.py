#!/usr/bin/python3
"""End-to-end tests of threshold rules (docs/engine.md, "threshold rules") in
`picket serve` and `picket run --state`:
  * kill -9 of `serve` in the middle of threshold windows, restart, re-send of
    what was not acknowledged (and of the last acknowledged request): every
    group alerts exactly as often, with the same counts and `from`, as without
    the crash (no lost count, no second alert);
  * `run --state` over a file split in two gives the alerts of one run over
    the whole file;
  * with Kibana's threshold suppression (a duration), the same kill -9: one
    alert per group per window, its last copy counting the later crossings.
Prints one line per test and a final "N passed, M failed"; exits 1 on failure.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_support import (BASE_TIME, PICKET, Server, alert_id, iso, resend_after_restart,  # noqa: E402
                           run_tests, ship_and_kill9)

INDEX = "logs-endpoint.events.process-default"
THRESHOLD_RULE = """[metadata]
creation_date = "2026/12/05"
maturity = "production"
updated_date = "2026/12/05"

[rule]
author = ["picket tests"]
description = "Many kills on one host."
from = "now-10m"
index = ["logs-endpoint.events.*"]
language = "kuery"
license = "Elastic License v2"
name = "Kill burst"
risk_score = 21
rule_id = "6f0e3a1b-8c2d-4e5f-9a7b-1c2d3e4f5a6b"
severity = "low"
timestamp_override = "event.ingested"
type = "threshold"
query = 'event.action:kill'

[rule.threshold]
field = ["host.id"]
value = 5
"""
HOSTS, BATCHES, VALUE = 20, 30, 5


def kill_event(host, batch):
    ms = BASE_TIME + batch * 1000
    return {"@timestamp": iso(ms), "event": {"action": "kill", "category": ["process"],
                                             "id": "k-%s-%d" % (host, batch),
                                             "ingested": iso(ms + 100)},
            "host": {"id": host}, "process": {"pid": 1000 + batch}}


def batches():
    """Batch b holds one event of every host, at second b."""
    return [[kill_event("h%02d" % h, b) for h in range(HOSTS)] for b in range(BATCHES)]


def body(batch):
    lines = []
    for e in batch:
        lines.append(json.dumps({"create": {"_index": INDEX}}))
        lines.append(json.dumps(e))
    return ("\n".join(lines) + "\n").encode()


def expected():
    """Every host alerts at each VALUE-th event: count VALUE, from its first."""
    out = []
    for h in range(HOSTS):
        for first in range(0, BATCHES - VALUE + 1, VALUE):
            out.append(("h%02d" % h, VALUE, iso(BASE_TIME + first * 1000 + 100)))
    return sorted(out)


def summary(alerts):
    return sorted((a["host.id"], a["kibana.alert.threshold_result"]["count"],
                   a["kibana.alert.threshold_result"]["from"]) for a in alerts)


def write_rule(tmp):
    rules = os.path.join(tmp, "rules")
    os.makedirs(rules, exist_ok=True)
    open(os.path.join(rules, "threshold.toml"), "w").write(THRESHOLD_RULE)
    return rules


def test_kill9_mid_window_no_lost_count_no_second_alert(tmp):
    rules = write_rule(tmp)
    all_batches = batches()
    bodies = [body(batch) for batch in batches()]
    s = Server(tmp, "--rules", rules, "--no-max-signals")
    # Seven requests: every host has alerted once and holds two events of
    # its second window.
    acked = ship_and_kill9(s, bodies, 7)
    print("acked before kill -9: %d of %d requests" % (len(acked), len(bodies)))
    s.start()
    try:
        resend_after_restart(s, bodies, acked)
        alerts = s.alerts()
        assert len({alert_id(a) for a in alerts}) == len(alerts), "an alert written twice"
        got, want = summary(alerts), expected()
        assert got == want, "lost or extra threshold alerts: %d vs %d\n%s" % (
            len(got), len(want), sorted(set(got) ^ set(want))[:5])
        assert all(a["kibana.alert.rule.type"] == "threshold" for a in alerts)
        # The restarted server's own counters: nothing dropped by the caps.
        rule = s.stats()["engine_rules"]["6f0e3a1b-8c2d-4e5f-9a7b-1c2d3e4f5a6b"]
        assert rule["dropped_groups"] == 0 and rule["dropped_events"] == 0, rule
    finally:
        s.stop()


def test_run_state_carries_threshold_groups(tmp):
    rules = write_rule(tmp)
    events = [e for batch in batches() for e in batch]
    half = len(events) // 2 + 7  # mid-window for every host
    paths = []
    for name, part in (("all", events), ("first", events[:half]), ("second", events[half:])):
        path = os.path.join(tmp, name + ".ndjson")
        with open(path, "w") as f:
            for e in part:
                f.write(json.dumps(e) + "\n")
        paths.append(path)

    def run(path, *extra):
        out = subprocess.run([PICKET, "run", "-q", "--rules", rules, "--index", INDEX,
                              "--no-max-signals", "--now", "2026-03-02T00:00:00Z", path] +
                             list(extra), capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        return [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
    whole = run(paths[0])
    state = os.path.join(tmp, "state.bin")
    split = run(paths[1], "--state", state) + run(paths[2], "--state", state)
    assert summary(whole) == expected(), summary(whole)[:3]
    assert [alert_id(a) for a in split] == [alert_id(a) for a in whole]


# Kibana's threshold suppression: a duration only; the group is host.id.
SUPPRESSED_RULE = THRESHOLD_RULE + """
[rule.alert_suppression]
duration = {value = 10, unit = "s"}
"""
SUPPRESSION_S = 10


def expected_suppressed():
    """Each host crosses VALUE at every VALUE-th second; a crossing within
    SUPPRESSION_S of the window's first alert is counted into it (edges
    included), a later one opens the next window. One tuple per written
    alert: (host, its group's first second, last second counted, count)."""
    crossings = list(range(VALUE - 1, BATCHES, VALUE))  # seconds 4, 9, ... 29
    windows = []
    for c in crossings:
        if windows and c <= windows[-1][0] + SUPPRESSION_S:
            windows[-1][1] = c
            windows[-1][2] += 1
        else:
            windows.append([c, c, 0])
    out = []
    for h in range(HOSTS):
        for t0, last, count in windows:
            out.append(("h%02d" % h, iso(BASE_TIME + (t0 - VALUE + 1) * 1000 + 100),
                        iso(BASE_TIME + last * 1000 + 100), count))
    return sorted(out)


def test_kill9_mid_suppression_window_of_threshold_alerts(tmp):
    """Threshold alerts of one group inside and across the suppression
    duration, with `serve` killed -9 in the middle of the first windows:
    every group has one alert per window and its last copy counts every
    later crossing of the window once."""
    rules = os.path.join(tmp, "rules")
    os.makedirs(rules, exist_ok=True)
    open(os.path.join(rules, "threshold.toml"), "w").write(SUPPRESSED_RULE)
    bodies = [body(batch) for batch in batches()]
    s = Server(tmp, "--rules", rules, "--no-max-signals")
    # Twelve requests: every host has alerted once (second 4) and had one
    # crossing counted into it (second 9).
    acked = ship_and_kill9(s, bodies, 12)
    s.start()
    try:
        resend_after_restart(s, bodies, acked)
        last = {}
        for a in s.alerts():
            last[alert_id(a)] = a  # a later line of an id supersedes it
        got = sorted((a["host.id"], a["kibana.alert.suppression.start"],
                      a["kibana.alert.suppression.end"], a["kibana.alert.suppression.docs_count"])
                     for a in last.values())
        want = expected_suppressed()
        assert len(want) == 2 * HOSTS and all(w[3] == 2 for w in want), want[:2]
        assert got == want, "threshold suppression differs: %d vs %d\n%s" % (
            len(got), len(want), sorted(set(got) ^ set(want))[:5])
        for a in last.values():
            assert a["kibana.alert.suppression.terms"] == [{"field": "host.id",
                                                            "value": a["host.id"]}], a
    finally:
        s.stop()


TESTS = [test_kill9_mid_window_no_lost_count_no_second_alert,
         test_run_state_carries_threshold_groups,
         test_kill9_mid_suppression_window_of_threshold_alerts]

if __name__ == "__main__":
    sys.exit(run_tests(TESTS))
