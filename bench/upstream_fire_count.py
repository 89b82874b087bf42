#!/usr/bin/python3
"""How many upstream rules fire over a telemetry file, by kind (query, new_terms, EQL event query,
EQL sequence, EQL sample).

  /usr/bin/python3 bench/upstream_fire_count.py FILE [FILE...] [--picket build/picket]
      [--upstream ../shared/upstream/detection-rules]

For each FILE: `picket run FILE` with every upstream rule (the rule directories ratio_bench.py loads:
rules/* except _deprecated, and rules_building_block); a rule fires when it writes at least one alert.
The kind of each rule comes from its TOML (type, language, and for EQL the first word of the query).
Prints one line per file: fired / loaded per kind, alerts, seconds.
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import upstream_rules  # noqa: E402
import ratio_bench  # noqa: E402 (the rule directories and paths, shared with the other benchmarks)

KINDS = ("query", "new_terms", "eql event", "eql sequence", "eql sample")


def rule_kinds(upstream):
    """rule_id -> kind, for every rule picket runs (the supported types)."""
    kinds = {}
    for path in upstream_rules.rule_files(upstream):
        rule = upstream_rules.load_rule(path)
        kind = rule.get("type")
        if rule.get("language") == "eql":
            first = rule.get("query", "").split(None, 1)[0].lower()
            kind = "eql " + (first if first in ("sequence", "sample") else "event")
        if kind in KINDS:
            kinds[rule["rule_id"]] = kind
    return kinds


def count(picket, upstream, path, kinds):
    cmd = [picket, "run", "--quiet", "--format", "ndjson", path] + ratio_bench.snapshot_rule_args(upstream)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    fired, alerts = set(), 0
    for line in proc.stdout:
        alert = json.loads(line)
        fired.add(alert["kibana.alert.rule.rule_id"])
        alerts += 1
    if proc.wait() not in (0, 1):
        sys.exit("upstream_fire_count: %s exited %d" % (" ".join(cmd[:4]), proc.returncode))
    secs = time.perf_counter() - start
    loaded = {k: sum(1 for v in kinds.values() if v == k) for k in KINDS}
    hit = {k: sum(1 for r in fired if kinds.get(r) == k) for k in KINDS}
    return loaded, hit, alerts, secs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--picket", default=os.path.join(ratio_bench.ROOT, "build/picket"))
    ap.add_argument("--upstream", default=os.path.join(ratio_bench.SHARED, "upstream/detection-rules"))
    ap.add_argument("--json", help="also write the figures here")
    args = ap.parse_args()
    kinds = rule_kinds(args.upstream)
    result = {}
    for path in args.files:
        loaded, hit, alerts, secs = count(args.picket, args.upstream, path, kinds)
        print("%s: %s; %d alerts, %.1f s" % (path, ", ".join(
            "%s %d/%d" % (k, hit[k], loaded[k]) for k in KINDS), alerts, secs))
        result[path] = {"fired": hit, "loaded": loaded, "alerts": alerts}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
