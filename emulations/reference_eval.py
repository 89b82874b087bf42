"""Independent oracle for the three macOS new_terms rules: re-derives the alerts a fixture should raise.

Contract
--------
`evaluate(rule_path, events, baseline=[]) -> list[list[str]]` returns the `kibana.alert.new_terms` value of
every alert, in event order, using picket's documented semantics:
  * index routing: `data_stream.type-dataset-namespace` must match one of the rule's `index` patterns
    (an event with an incomplete data_stream is seen by every rule);
  * time = `event.ingested` if present, else `@timestamp` (the rules' timestamp_override);
  * a term combination is new when no earlier-or-simultaneous matching event carried it within
    [t - window, t] (closed at both ends); baseline events only seed that state;
  * arrays in new-terms fields expand to their cartesian product; a missing/null/[] field yields no term.
The KQL queries are NOT parsed here: each rule_id maps to a hand-written Python predicate equal to the
rule's query on keyword fields (case-sensitive, wildcards full-match). This is deliberate — the oracle
must not share code with the engine it checks. `python3 reference_eval.py` re-checks every manifest
under emulations/ and data/demo/expected.json, exiting non-zero on any disagreement.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import pathlib
import re
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from telemetry_model import index_of, parse_iso  # noqa: E402


def values(doc: dict, dotted: str) -> list:
    """All leaf values at a dotted path, flattening arrays at every level (ES multi-value semantics)."""
    cur = [doc]
    for part in dotted.split("."):
        nxt = []
        for c in cur:
            if isinstance(c, list):
                c_items = c
            else:
                c_items = [c]
            for item in c_items:
                if isinstance(item, dict) and part in item:
                    v = item[part]
                    nxt.extend(v if isinstance(v, list) else [v])
        cur = nxt
    out = []
    for v in cur:
        if isinstance(v, list):
            out.extend(v)
        elif v is not None:
            out.append(v)
    return [v for v in out if v is not None]


def has(doc: dict, field: str, value: str) -> bool:
    return value in values(doc, field)


def like(doc: dict, field: str, pattern: str) -> bool:
    """KQL unquoted wildcard on a keyword field: full match, case-sensitive, '*' only."""
    rx = re.compile("^" + ".*".join(map(re.escape, pattern.split("*"))) + "$", re.S)
    return any(isinstance(v, str) and rx.match(v) for v in values(doc, field))


SHELLS = ("bash", "dash", "sh", "tcsh", "csh", "zsh", "ksh", "fish")

PREDICATES = {
    # execution_python_shell_spawn_first_occurrence
    "92a36c98-b24a-4bf7-aac7-1eac71fa39cf": lambda d: (
        has(d, "event.category", "process") and has(d, "host.os.type", "macos")
        and has(d, "event.type", "start") and has(d, "event.action", "exec")
        and like(d, "process.parent.name", "python*")
        and any(has(d, "process.name", s) for s in SHELLS) and has(d, "process.args", "-c")
        and not any(like(d, "process.command_line", p) for p in ("*pip*", "*conda*", "*brew*", "*jupyter*"))),
    # credential_access_python_sensitive_file_access_first_occurrence
    "03b150d9-9280-4eb8-9906-38cfb6184666": lambda d: (
        has(d, "event.category", "file") and has(d, "host.os.type", "macos")
        and has(d, "event.action", "open") and like(d, "process.name", "python*")),
    # persistence_python_launch_agent_or_daemon_creation_first_occurrence
    "25368123-b7b8-4344-9fd4-df28051b4c6e": lambda d: (
        has(d, "host.os.type", "macos") and has(d, "event.action", "launch_daemon")
        and like(d, "process.name", "python*")),
}

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def load_rule(rule_path: pathlib.Path) -> dict:
    r = tomllib.loads(rule_path.read_text())["rule"]
    m = re.fullmatch(r"now-(\d+)([smhdw])", r["new_terms"]["history_window_start"][0]["value"])
    return {"id": r["rule_id"], "index": r["index"], "fields": r["new_terms"]["value"],
            "window": int(m.group(1)) * _UNITS[m.group(2)], "pred": PREDICATES[r["rule_id"]]}


def event_time(doc: dict) -> float:
    ts = values(doc, "event.ingested") or values(doc, "@timestamp")
    return parse_iso(ts[0])


def in_scope(rule: dict, doc: dict) -> bool:
    idx = index_of(doc)
    return idx is None or any(fnmatch.fnmatchcase(idx, p) for p in rule["index"])


def terms_of(rule: dict, doc: dict) -> list[tuple]:
    cols = [[v if isinstance(v, str) else json.dumps(v) for v in values(doc, f)] for f in rule["fields"]]
    return [] if any(not c for c in cols) else [tuple(t) for t in itertools.product(*cols)]


def evaluate(rule_path, events, baseline=()) -> list[list[str]]:
    rule = load_rule(pathlib.Path(rule_path))
    sightings: dict[tuple, list[float]] = {}
    alerts = []
    for phase, docs in (("baseline", baseline), ("events", events)):
        for doc in docs:
            if not (in_scope(rule, doc) and rule["pred"](doc)):
                continue
            t = event_time(doc)
            for term in dict.fromkeys(terms_of(rule, doc)):
                seen = sightings.setdefault(term, [])
                if phase == "events" and not any(t - rule["window"] <= s <= t for s in seen):
                    alerts.append(list(term))
                seen.append(t)
    return alerts


def read_ndjson(path: pathlib.Path) -> list[dict]:
    out = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        doc = json.loads(line)
        if not isinstance(doc, dict):
            raise ValueError("%s:%d is not a JSON object" % (path, n))
        out.append(doc)
    return out


def check_cases(rule_path: pathlib.Path, base: pathlib.Path, cases: list[dict]) -> list[str]:
    problems = []
    for case in cases:
        events = read_ndjson(base / case["events"])
        baseline = read_ndjson(base / case["baseline"]) if case.get("baseline") else []
        got = evaluate(rule_path, events, baseline)
        want = case["expect"]["terms"]
        if got != want or case["expect"]["alerts"] != len(want):
            problems.append("%s [%s]: expected %s, oracle says %s" % (rule_path.name, case["name"], want, got))
    return problems


def knows(rule_path: pathlib.Path) -> bool:
    """The oracle covers the three new_terms rules only; the EQL rules' manifests state "lines", checked by the
    C++ emulation runner (src/engine/emulation_runner.h)."""
    return tomllib.loads(rule_path.read_text())["rule"]["rule_id"] in PREDICATES


def main() -> int:
    problems, checked = [], 0
    for manifest in sorted((ROOT / "emulations").glob("*/manifest.json")):
        m = json.loads(manifest.read_text())
        if knows(ROOT / m["rule"]):
            problems += check_cases(ROOT / m["rule"], manifest.parent, m["cases"])
            checked += len(m["cases"])
    demo = ROOT / "data" / "demo" / "expected.json"
    if demo.exists():
        for entry in json.loads(demo.read_text())["rules"]:
            if knows(ROOT / entry["rule"]):
                problems += check_cases(ROOT / entry["rule"], demo.parent, entry["cases"])
                checked += len(entry["cases"])
    for p in problems:
        print("MISMATCH", p)
    print("%d passed, %d failed" % (checked - len(problems), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
