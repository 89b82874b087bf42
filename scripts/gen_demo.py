#!/usr/bin/python3
"""Generates the demo telemetry embedded in picket: data/demo/events.ndjson and data/demo/expected.json.

Contract
--------
* Ten days (2026-03-02 .. 2026-03-11 UTC) of ordinary activity on four macOS laptops and two Linux
  servers, Elastic Defend-shaped (bench/telemetry_model.py), sorted by event.ingested. Deterministic:
  fixed seed, no clock; re-running rewrites identical bytes.
* Scripted on top of the random background:
    day 1  mbp-dana-04: a boto3 script (Homebrew python3) reads ~/.aws/credentials once — benign, but a
           cold-start first sighting, so the credential rule alerts on it;
    day 9  mbp-dana-04: `python3 load.py model.pt` unpickles a malicious model: sh -c "curl ... | sh",
           opens ~/.ssh/id_rsa and ~/.aws/credentials, writes ~/Library/LaunchAgents/com.apple.mlcache.plist.
  The background itself contains pip, jupyter and brew shells, python subprocesses without a shell,
  non-python reads of credential files and brew-services plists: none of them may alert.
* expected.json lists, per rule, the alerts picket must raise on events.ndjson (manifest format); it is
  derived from the scripted events above and then re-checked by emulations/reference_eval.py, which also
  proves the background adds no alert of its own. The script fails if the two disagree or the output
  exceeds the size budget.
Usage: /usr/bin/python3 scripts/gen_demo.py
"""

from __future__ import annotations

import calendar
import json
import pathlib
import random
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "emulations"))
import telemetry_model as tm  # noqa: E402
import reference_eval  # noqa: E402

SEED = 20260302
DAY = 86400.0
START = float(calendar.timegm((2026, 3, 2, 0, 0, 0)))
DAYS = 10
EPISODES_PER_HOST_DAY = 17
SIZE_BUDGET = 3_000_000
OUT = ROOT / "data" / "demo"

RULES = {
    "execution_python_shell_spawn_first_occurrence": ["host.id", "process.parent.executable"],
    "credential_access_python_sensitive_file_access_first_occurrence": ["host.id", "file.path"],
    "persistence_python_launch_agent_or_daemon_creation_first_occurrence": ["host.id", "file.path"],
}

HOSTS = [
    tm.Host("mbp-alice-01", "macos", "alice", variant=0),
    tm.Host("mbp-bob-02", "macos", "bob", variant=1),
    tm.Host("imac-lab-03", "macos", "carol", variant=2),
    tm.Host("mbp-dana-04", "macos", "dana", variant=0),
    tm.Host("gpu-train-01", "linux", "ubuntu", variant=0),
    tm.Host("ci-runner-02", "linux", "ubuntu", variant=1),
]
VICTIM = HOSTS[3]


def get(doc, dotted):
    for p in dotted.split("."):
        doc = doc.get(p) if isinstance(doc, dict) else None
    return doc


def background(work: tm.Workload, rng: random.Random) -> list[dict]:
    docs = []
    for day in range(DAYS):
        for h in HOSTS:
            n = EPISODES_PER_HOST_DAY if h.os_type == "macos" else EPISODES_PER_HOST_DAY // 2
            for _ in range(n):
                # Working hours for laptops (07:00-19:00 UTC), round the clock for servers.
                span = (7 * 3600, 19 * 3600) if h.os_type == "macos" else (0, 86400)
                t = START + day * DAY + span[0] + rng.random() * (span[1] - span[0])
                docs += work.episode(h, t)
    return docs


def scripted(work: tm.Workload, d: tm.Defend) -> tuple[list[dict], list[dict]]:
    """Returns (all scripted docs, the subset that must alert)."""
    # Day 1, 10:12 UTC: benign boto3 script reading AWS credentials.
    t1 = START + 0 * DAY + 10 * 3600 + 12 * 60
    py = tm.Proc(VICTIM, 31337, "/opt/homebrew/bin/python3", ["/opt/homebrew/bin/python3", "sync_s3.py"],
                 start=t1 - 1, cwd=VICTIM.home + "/src/reports", sig=tm.sig_adhoc("python3.12"),
                 parent=work.shell(VICTIM, t1))
    benign = [d.process(py, t1 - 1, t1 + 1), d.file(py, t1, t1 + 2, "open", VICTIM.home + "/.aws/credentials",
                                                     size=116)]
    # Day 9, 14:03 UTC: the malicious model load.
    t9 = START + 8 * DAY + 14 * 3600 + 3 * 60
    attack = work.malicious_model_load(VICTIM, t9, label="com.apple.mlcache")
    docs = benign + attack
    # The payload's shell, its two credential reads and its plist are the events meant to alert.
    rule_hits = [benign[1]] + [x for x in attack if x["event"]["action"] in ("open", "launch_daemon")
                               or (x["event"]["action"] == "exec" and x["process"]["name"] == "sh")]
    return docs, rule_hits


def main() -> int:
    rng = random.Random(SEED)
    d = tm.Defend(stream_tag="demo", lean=True)
    work = tm.Workload(rng, d)
    docs = background(work, rng)
    extra, hits = scripted(work, d)
    docs += extra
    docs.sort(key=reference_eval.event_time)  # stable: ties keep generation order
    OUT.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(x, separators=(",", ":"), ensure_ascii=False) + "\n" for x in docs)
    (OUT / "events.ndjson").write_text(text, encoding="utf-8")

    hit_ids = {id(x) for x in hits}
    expected = {"rules": []}
    for stem, fields in RULES.items():
        rule = reference_eval.load_rule(ROOT / "rules" / "macos" / (stem + ".toml"))
        terms = [[get(x, f) for f in fields] for x in docs
                 if id(x) in hit_ids and reference_eval.in_scope(rule, x) and rule["pred"](x)]
        expected["rules"].append({
            "rule": "rules/macos/%s.toml" % stem, "rule_id": rule["id"],
            "cases": [{"name": "demo", "events": "events.ndjson", "baseline": None,
                       "expect": {"alerts": len(terms), "terms": terms},
                       "description": "Full ten-day demo stream, no baseline: the day-1 benign credential read "
                                      "(cold start) and the day-9 malicious model load on mbp-dana-04."}]})
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")

    problems = []
    for entry in expected["rules"]:
        problems += reference_eval.check_cases(ROOT / entry["rule"], OUT, entry["cases"])
    size = len(text.encode())
    print("%d events, %d bytes (%.0f bytes/event)" % (len(docs), size, size / len(docs)))
    for entry in expected["rules"]:
        print("  %-75s %d alerts" % (entry["rule"], entry["cases"][0]["expect"]["alerts"]))
    for p in problems:
        print("ORACLE DISAGREES:", p)
    if size > SIZE_BUDGET:
        print("over the %d-byte budget" % SIZE_BUDGET)
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
