#!/usr/bin/python3
"""The benchmark telemetry generator (bench/gen_telemetry.py) and its attack episodes.

* Same arguments, same bytes; without attack episodes (--attack-rate 0, or no upstream snapshot) the
  bytes are the same either way.
* bench/eql_satisfy.py: solutions meet the query they were drawn for (wildcards, lists, `not`,
  several wildcards on one field, startsWith, cidrMatch, `!= null`), and an impossible query has none.
* With the upstream snapshot, a sequence rule's episode is one event per stage sharing the `by` key,
  and `picket run` with that rule raises a sequence alert over it.
"""
import json
import os
import pathlib
import random
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import eql_satisfy as es  # noqa: E402
import eql_episodes  # noqa: E402
import telemetry_model as tm  # noqa: E402

PICKET = os.environ.get("PICKET", str(ROOT / "build/picket"))
SHARED = pathlib.Path(os.environ.get("PICKET_SHARED", ROOT.parent / "shared"))
UPSTREAM = SHARED / "upstream/detection-rules"
failures = []


def check(name, ok, detail=""):
    print("%s %s %s" % ("ok  " if ok else "FAIL", name, detail))
    if not ok:
        failures.append(name)


def generate(tmp, name, *extra):
    out = os.path.join(tmp, name)
    subprocess.run(["/usr/bin/python3", str(ROOT / "bench/gen_telemetry.py"), "--events", "3000", "--hosts",
                    "50", "--seed", "4", "--out", out] + list(extra), check=True, capture_output=True)
    return pathlib.Path(out).read_bytes()


def solved(query):
    q = es.parse(query)
    return es.solve(q.stages[0].cond, random.Random(5))


def test_satisfier():
    s = solved('process where process.name : ("curl*", "wget") and not process.parent.name : "bash" '
               'and process.args : "-o" and process.args : "http*"')
    check("satisfy: list and wildcard", es.value_matches(s.fields["process.name"], "wild", "curl*", True) or
          s.fields["process.name"] == "wget", str(s.fields))
    check("satisfy: multi-valued field collects each value",
          "-o" in s.fields["process.args"] and any(a.startswith("http") for a in s.fields["process.args"]),
          str(s.fields["process.args"]))
    check("satisfy: `not` kept as a forbidden atom",
          s.forbidden("process.parent.name", "BASH") and not s.forbidden("process.parent.name", "zsh"))
    s = solved('process where process.command_line : "*drive.google.com*" and '
               'process.command_line : "*export=download*"')
    v = s.fields["process.command_line"]
    check("satisfy: wildcards on one field merged", "drive.google.com" in v and "export=download" in v, v)
    s = solved('network where startsWith(dns.question.name, "api.") and cidrMatch(destination.ip, "10.0.0.0/8") '
               'and source.ip != null and not cidrmatch(source.ip, "198.51.100.0/24")')
    check("satisfy: functions", s.fields["dns.question.name"].startswith("api.") and
          s.fields["destination.ip"].startswith("10.") and
          not es.value_matches(s.fields["source.ip"], "cidr", "198.51.100.0/24", False), str(s.fields))
    s = solved('any where startsWith(winlog.event_data.ObjectDN, "DC=*,") and '
               'stringContains(aws.cloudtrail.request_parameters, "attributeType=CREATE") and '
               'stringContains(aws.cloudtrail.request_parameters, "add=")')
    p = s.fields["aws.cloudtrail.request_parameters"]
    check("satisfy: startsWith takes '*' literally", s.fields["winlog.event_data.ObjectDN"].startswith("DC=*,"),
          s.fields["winlog.event_data.ObjectDN"])
    check("satisfy: stringContains on one field merged", "attributeType=CREATE" in p and "add=" in p, p)
    check("satisfy: impossible query has no solution",
          solved('process where process.name == "a" and process.name == "b"') is None)
    q = es.parse('sequence by host.id with maxspan=1m [process where true] by process.entity_id '
                 '[network where true] by process.entity_id with runs=2 until [process where false]')
    check("parse: sequence shape", q.kind == "sequence" and q.by == ["host.id"] and q.maxspan_s == 60 and
          [s.runs for s in q.stages] == [1, 2] and q.stages[1].by == ["process.entity_id"] and
          q.until is not None)


def test_generator(tmp):
    a = generate(tmp, "a.ndjson")
    b = generate(tmp, "b.ndjson")
    check("generator: same arguments, same bytes", a == b)
    none = generate(tmp, "none.ndjson", "--attack-rate", "0")
    no_snapshot = generate(tmp, "nosnap.ndjson", "--upstream", os.path.join(tmp, "missing"))
    check("generator: no attacks either way, same bytes", none == no_snapshot)
    if UPSTREAM.is_dir():
        check("generator: attack episodes change the telemetry", a != none)
        check("generator: every line is one JSON object",
              all(isinstance(json.loads(line), dict) for line in a.splitlines()))


def test_sequence_episode(tmp):
    if not UPSTREAM.is_dir():
        print("skip: no upstream snapshot under %s" % SHARED)
        return
    rule = next(p for p in sorted(UPSTREAM.glob("rules/**/*.toml"))
                if "_deprecated" not in str(p) and 'language = "eql"' in p.read_text()
                and "sequence by host.id with maxspan" in p.read_text() and "until" not in p.read_text()
                and "![" not in p.read_text())
    hosts = [tm.Host("h-%d" % i, os_type, "alice") for i, os_type in enumerate(["macos", "linux", "windows"])]
    ep = eql_episodes.UpstreamEpisodes(random.Random(9), tm.Defend(), hosts, str(UPSTREAM))
    plan = next(p for p in ep.plans if p.path == str(rule))
    docs = []
    for _ in range(5):  # a draw can be unsatisfiable; a few tries
        docs = ep._episode(plan, 1780000000.0)
        if docs:
            break
    positive = [s for s in plan.query.stages if not s.missing]
    check("episode: one event per stage run", len(docs) == sum(s.runs for s in positive),
          "%s: %d events" % (rule.name, len(docs)))
    check("episode: events share host.id", len({d["host"]["id"] for d in docs}) == 1)
    events = os.path.join(tmp, "episode.ndjson")
    with open(events, "w") as f:
        for d in docs:
            f.write(json.dumps(d) + "\n")
    out = subprocess.run([PICKET, "run", "--format", "ndjson", "-q", events, "--rules", str(rule)],
                         capture_output=True, text=True)
    alerts = [json.loads(line) for line in out.stdout.splitlines()]
    shells = [a for a in alerts if "kibana.alert.building_block_type" not in a]
    check("episode: the rule raises its sequence alert", len(shells) == 1,
          "%s: %d alerts, stderr %s" % (rule.name, len(alerts), out.stderr[-300:]))


def main():
    with tempfile.TemporaryDirectory(prefix="picket_bench_telemetry_") as tmp:
        test_satisfier()
        test_generator(tmp)
        test_sequence_episode(tmp)
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
