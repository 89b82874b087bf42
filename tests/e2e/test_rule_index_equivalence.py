#!/usr/bin/python3
"""`picket run --no-rule-index` writes exactly the alerts `picket run` writes.

Contract: runs with /usr/bin/python3 and the stdlib; PICKET names the binary, PICKET_SHARED the
shared data. Two cases, each run twice (with the rule index and with --no-rule-index, fixed
--now, --no-max-signals) and compared byte for byte:
  * random query rules written as TOML files (exact keyword terms, prefixes and suffixes,
    unanchored wildcards, ip addresses and blocks, `or` branches, `not`, ranges) over random events
    (arrays, dotted keys, other spellings of an address, case variants);
  * every upstream kuery rule over bench/gen_telemetry.py telemetry of every OS (skipped when
    the shared upstream snapshot is absent).
Each case must raise many alerts, from many rules, so the comparison is not of two empty files.
Prints 'N passed, M failed'; exits non-zero on any failure.
"""

import json
import os
import pathlib
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_checks import check, finish  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
PICKET = os.environ.get("PICKET", str(ROOT / "build/picket"))
SHARED = pathlib.Path(os.environ.get("PICKET_SHARED", str(ROOT / "../shared")))


ACTIONS = ["exec", "fork", "open", "connection_attempted"]
NAMES = ["sh", "bash", "curl", "python3", "py*", "*sh", "cu*", "*ur*"]
DOMAINS = ["*.xyz", "pastebin.*", "example.com", "*.com", "*bin*", "paste*", "a.b.xyz", "*.b.xyz",
           "example.com*", "*example.com"]
IPS = ["10.0.0.1", '"fe80::1"', "10.1.2.3", "10.0.0.0/8", '"10.1.2.3/32"', "169.254.169.254"]
OSES = ["linux", "macos", "windows"]


def atom(rng):
    kind = rng.randrange(9)
    if kind in (0, 1):
        return "event.action:(%s)" % " or ".join(rng.choice(ACTIONS) for _ in range(rng.randint(1, 3)))
    if kind == 2:
        return "process.name:" + rng.choice(NAMES)
    if kind == 3:
        return "destination.domain:(%s)" % " or ".join(
            rng.choice(DOMAINS) for _ in range(rng.randint(1, 3)))
    if kind == 4:
        return rng.choice(["destination.ip:", "source.ip:"]) + rng.choice(IPS)
    if kind == 5:
        return "host.os.type:" + rng.choice(OSES)
    if kind == 6:
        return "process.args_count >= %d" % rng.randrange(4)
    if kind == 7:
        return "not (%s)" % atom(rng)
    return "(%s or %s)" % (atom(rng), atom(rng))


def rule_toml(i, query, index):
    return """[metadata]
creation_date = "2026/01/01"
maturity = "production"
updated_date = "2026/01/01"

[rule]
author = ["picket tests"]
description = "Random rule %d."
from = "now-9m"
index = ["%s"]
language = "kuery"
license = "Elastic License v2"
name = "Random rule %d"
risk_score = 21
rule_id = "00000000-0000-0000-0000-%012d"
severity = "low"
type = "query"
query = '''
%s
'''
""" % (i, index, i, i, query)


def random_event(rng, n):
    def value(choices):
        if rng.random() < 0.25:
            return [rng.choice(choices), rng.choice(choices)]
        return rng.choice(choices)

    event = {"@timestamp": "2026-03-01T00:%02d:%02dZ" % (n // 60 % 60, n % 60),
             "host": {"id": "H%d" % (n % 7), "os": {"type": rng.choice(OSES)}}}
    if rng.random() < 0.5:
        event["data_stream"] = {"type": "logs", "dataset": "endpoint.events.process",
                                "namespace": "default"}
    if rng.random() < 0.8:
        event["event"] = {"action": value(ACTIONS + ["EXEC"])}
    if rng.random() < 0.7:
        event["process"] = {"name": value(["sh", "bash", "curl", "python3", "pypy", "zsh", "Curl"])}
        if rng.random() < 0.5:
            event["process"]["args_count"] = rng.randrange(4)
    if rng.random() < 0.5:
        event["destination.domain"] = value(["evil.xyz", "xyz", "pastebin.com", "example.com",
                                             "a.b.xyz", "b.xyz", "x.example.com", "example.comx",
                                             "paste.ee"])
    ips = ["10.0.0.1", "::ffff:10.0.0.1", "FE80:0:0::1", "10.1.2.3", "10.9.9.9",
           "169.254.169.254", "not an ip"]
    if rng.random() < 0.4:
        event["destination"] = {"ip": value(ips)}
    if rng.random() < 0.4:
        event["source.ip"] = value(ips)
    return event


def run_both(tmp, name, args):
    """Runs picket with and without the rule index; returns the two outputs and exit codes."""
    outputs = []
    for extra in ([], ["--no-rule-index"]):
        out = os.path.join(tmp, "%s%s.ndjson" % (name, "_no_index" if extra else ""))
        proc = subprocess.run([PICKET, "run", "-q", "--format", "ndjson", "--now",
                               "2026-03-02T00:00:00Z", "--no-max-signals", "-o", out] + extra + args,
                              capture_output=True, text=True)
        check("%s%s exit 0" % (name, " --no-rule-index" if extra else ""), proc.returncode == 0,
              proc.stderr[-2000:])
        outputs.append(pathlib.Path(out).read_bytes() if os.path.exists(out) else b"")
    return outputs


def alert_rules(output):
    lines = output.splitlines()
    return len(lines), len({json.loads(line)["kibana.alert.rule.uuid"] for line in lines})


def main():
    with tempfile.TemporaryDirectory() as tmp:
        rng = random.Random(7)
        rules_dir = os.path.join(tmp, "rules")
        os.mkdir(rules_dir)
        for i in range(120):
            query = " and ".join(atom(rng) for _ in range(rng.randint(1, 3)))
            index = rng.choice(["logs-endpoint.events.*", "logs-*", "*"])
            pathlib.Path(rules_dir, "r%03d.toml" % i).write_text(rule_toml(i, query, index))
        events = os.path.join(tmp, "events.ndjson")
        with open(events, "w") as f:
            for n in range(3000):
                f.write(json.dumps(random_event(rng, n)) + "\n")
        with_index, without = run_both(tmp, "random", [events, "--rules", rules_dir])
        alerts, rules = alert_rules(with_index)
        print("random rules: %d alerts from %d rules" % (alerts, rules))
        check("random rules: same alerts", with_index == without,
              "%d vs %d lines" % (with_index.count(b"\n"), without.count(b"\n")))
        check("random rules: many alerts from many rules", alerts > 5000 and rules > 80,
              "%d alerts from %d rules" % (alerts, rules))

        upstream = SHARED / "upstream/detection-rules"
        if not (upstream / "rules").is_dir():
            print("upstream case skipped: no %s" % upstream)
        else:
            telemetry = os.path.join(tmp, "telemetry.ndjson")
            subprocess.run(["/usr/bin/python3", str(ROOT / "bench/gen_telemetry.py"), "--events",
                            "20000", "--hosts", "300", "--seed", "11", "--malicious-rate", "0.05",
                            "--os-mix", "0.4,0.3,0.3", "--out", telemetry],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            args = [telemetry]
            for entry in sorted((upstream / "rules").iterdir()):
                if entry.is_dir() and entry.name != "_deprecated":
                    args += ["--rules", str(entry)]
            args += ["--rules", str(upstream / "rules_building_block")]
            with_index, without = run_both(tmp, "upstream", args)
            alerts, rules = alert_rules(with_index)
            print("upstream rules: %d alerts from %d rules" % (alerts, rules))
            check("upstream rules: same alerts", with_index == without,
                  "%d vs %d lines" % (with_index.count(b"\n"), without.count(b"\n")))
            check("upstream rules: alerts from several rules", alerts > 500 and rules >= 5,
                  "%d alerts from %d rules" % (alerts, rules))
    return finish()


if __name__ == "__main__":
    sys.exit(main())
