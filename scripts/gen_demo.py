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
           opens ~/.ssh/id_rsa and ~/.aws/credentials, writes ~/Library/LaunchAgents/com.apple.mlcache.plist,
           loads a native payload it dropped in ~/Library/Caches (ctypes), starts
           `python3 ~/Library/Caches/com.apple.mlcache/agent.py` which connects to a public address on port
           8443, and grants itself screen recording by writing the user's TCC.db with sqlite3.
  The background itself contains pip, jupyter and brew shells, python subprocesses without a shell,
  non-python reads of credential files and brew-services plists: none of them may alert.
* expected.json lists, for every bundled rule, the alerts picket must raise on events.ndjson (manifest
  format; "terms" for the new_terms rules, "lines" of events.ndjson for the EQL rules, zero for the rules
  the demo must not trip). The new_terms expectations are re-checked by emulations/reference_eval.py, which
  also proves the background adds no alert of its own; the EQL ones are the script's statements, checked
  against the engine by the C++ tests and `picket test`. The script fails if the oracle disagrees or the
  output exceeds the size budget.
Usage: /usr/bin/python3 scripts/gen_demo.py [--out DIR]   (default: data/demo; tests compare a fresh copy)
"""

from __future__ import annotations

import calendar
import json
import pathlib
import random
import sys
import tomllib

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
# The payload's second-stage server. Made up; outside the documentation ranges (203.0.113.0/24 and the
# like), which the non-standard-port rule ignores, and outside private space.
C2_AGENT = "45.9.148.77"


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
    followup, eql_hits = payload_followup(d, attack, t9)
    plist = next(x for x in attack if x["event"]["action"] == "launch_daemon")
    eql_hits["persistence_suspicious_launch_agent_or_launch_daemon"] = [[plist]]
    docs = benign + attack + followup
    # The payload's shell, its two credential reads and its plist are the events meant to alert.
    rule_hits = [benign[1]] + [x for x in attack if x["event"]["action"] in ("open", "launch_daemon")
                               or (x["event"]["action"] == "exec" and x["process"]["name"] == "sh")]
    return docs, rule_hits, eql_hits


def payload_followup(d: tm.Defend, attack: list[dict], t9: float) -> tuple[list[dict], dict]:
    """What the unpickled payload does after its first shell, as the EQL rules see it. Returns the documents
    and, per EQL rule stem, its detections (each the list of its events in order). Fixed pids and ingest
    delays: the random stream of the background is not touched."""
    loader_doc = attack[0]  # the python3 load.py model.pt exec
    lp = loader_doc["process"]
    loader = tm.Proc(VICTIM, lp["pid"], lp["executable"], lp["args"], start=t9, cwd=lp["working_directory"],
                     sig=tm.sig_adhoc("python3.12"), parent=tm.Proc(VICTIM, lp["parent"]["pid"],
                                                                    lp["parent"]["executable"]))
    assert loader.entity_id == lp["entity_id"]
    cache = VICTIM.home + "/Library/Caches/com.apple.mlcache"
    t = t9 + 2.3
    lib = d.library(loader, t, t + 2, cache + "/mlcache")  # ctypes.CDLL on the dropped Mach-O
    agent = tm.Proc(VICTIM, 66601, loader.executable, [loader.executable, cache + "/agent.py"], start=t9 + 2.5,
                    cwd=cache, sig=loader.sig, parent=loader)
    agent_exec = d.process(agent, t9 + 2.5, t9 + 4.5)
    agent_net = d.network(agent, t9 + 14, t9 + 16, C2_AGENT, 8443, src_port=51822)
    tcc_db = VICTIM.home + "/Library/Application Support/com.apple.TCC/TCC.db"
    sqlite = tm.Proc(VICTIM, 66633, "/usr/bin/sqlite3", ["/usr/bin/sqlite3", tcc_db,
                     "INSERT OR REPLACE INTO access VALUES('kTCCServiceScreenCapture','com.apple.mlcache',1,2,4,1,"
                     "NULL,NULL,0,'UNUSED',NULL,0,1773151400)"], start=t9 + 3, cwd=cache,
                     sig=tm.sig_apple("sqlite3"), parent=loader)
    tcc = d.process(sqlite, t9 + 3, t9 + 5)
    hits = {
        "execution_unusual_library_load_via_python": [[lib]],
        "command_and_control_script_interpreter_connection_to_non_standard_port": [[agent_exec, agent_net]],
        "defense_evasion_privacy_controls_tcc_database_modification": [[tcc]],
    }
    return [lib, agent_exec, tcc, agent_net], hits


def main() -> int:
    global OUT
    if len(sys.argv) == 3 and sys.argv[1] == "--out":
        OUT = pathlib.Path(sys.argv[2])
    elif len(sys.argv) != 1:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    rng = random.Random(SEED)
    d = tm.Defend(stream_tag="demo", lean=True)
    work = tm.Workload(rng, d)
    docs = background(work, rng)
    extra, hits, eql_hits = scripted(work, d)
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
    line_of = {id(x): n for n, x in enumerate(docs, 1)}
    for path in sorted((ROOT / "rules" / "macos").glob("*.toml")):
        if path.stem in RULES:
            continue
        rule = tomllib.loads(path.read_text())["rule"]
        detections = sorted(([line_of[id(x)] for x in det] for det in eql_hits.get(path.stem, [])),
                            key=lambda lines: lines[-1])
        sequence = rule["query"].lstrip().startswith("sequence")
        alerts = sum(len(lines) + 1 if sequence else 1 for lines in detections)
        expected["rules"].append({
            "rule": "rules/macos/%s.toml" % path.stem, "rule_id": rule["rule_id"],
            "cases": [{"name": "demo", "events": "events.ndjson", "baseline": None,
                       "expect": {"alerts": alerts, "lines": detections},
                       "description": "Full ten-day demo stream: the day-9 malicious model load's follow-up "
                                      "steps only; the background must not trip the rule."}]})
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")

    problems = []
    for entry in expected["rules"]:
        if pathlib.Path(entry["rule"]).stem in RULES:  # the oracle knows the new_terms rules only
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
