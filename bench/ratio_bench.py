#!/usr/bin/python3
"""Speed of `picket hunt` and `picket run` as ratios to ../shared/tools/parse_only.cpp.

  /usr/bin/python3 bench/ratio_bench.py [--events 330000] [--hosts 3000] [--telemetry FILE]
      [--rounds 3] [--picket build/picket] [--upstream DIR] [--only hunt,bundled,upstream]
      [--no-taskset] [--json FILE]

One command, one telemetry file, one run. The method is the one in
../shared/tools/README.md, with wall-clock times of the commands as a user runs them:
* parse_only: ../shared/tools/parse_only.cpp compiled as its README says (g++ -O3, one
  thread) into build/bench/parse_only_st; its MB/s (best of its 3 in-process passes) is
  the baseline.
* hunt: `picket hunt --count QUERY FILE` with the bundled shell-spawn rule's query;
  ratio = file MB / wall time / parse_only MB/s.
* run: `picket run FILE --rules R` with the 3 bundled rules and with every upstream kuery
  rule (DIR/rules/* except _deprecated, and DIR/rules_building_block); t_load is the wall
  time of the same command over an empty file; ratio = file MB / (t_events - t_load) /
  parse_only MB/s. The upstream t_load is also the rule loading time of the snapshot.
* compile (--only compile): `picket run` over an empty file with one rule whose query is
  process.name:(v0 or ... vN), N = 10k, 20k, 100k, minus the same with N = 1: KQL parse and
  compile of a long value list (linear since issue 16 item 15).
Every command runs once per round, the rounds alternate all commands (on a shared VM the
speed drifts), pinned to one core with `taskset -c 0`. The headline is best of the
rounds for each time; the range is the ratio of each round against the baseline of the
same round. CPU time (user + sys) and peak RSS of each command are printed too, and the
"cpu ratio": the same ratio in CPU seconds (picket's whole command, minus the empty-file run's
CPU for run) against one parse_only pass (CPU of --runs 3 minus --runs 1, halved). Wall ratios
swing with the VM's load; the CPU ratio is the one that repeats on a busy machine.
Telemetry comes from bench/gen_telemetry.py, cached under build/bench-data.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import upstream_rules

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
SHELL_SPAWN_RULE = os.path.join(ROOT, "rules/macos/execution_python_shell_spawn_first_occurrence.toml")
TARGETS = {"hunt": 0.70, "bundled": 0.60, "upstream": 0.30}
PARTS = ("hunt", "bundled", "upstream", "compile")
COMPILE_TERMS = (1, 10000, 20000, 100000)


def value_list_rule(path, terms):
    """A query rule whose query is process.name:(v0 or v1 ... ) with `terms` values."""
    values = " or ".join("v%d" % i for i in range(terms))
    with open(path, "w") as f:
        f.write('[metadata]\ncreation_date = "2026/01/01"\nupdated_date = "2026/01/01"\n\n'
                '[rule]\nauthor = ["bench"]\ndescription = "value list"\nname = "value list"\n'
                'risk_score = 21\nrule_id = "00000000-0000-0000-0000-%012d"\nseverity = "low"\n'
                'type = "query"\nlanguage = "kuery"\nquery = \'\'\'process.name:(%s)\'\'\'\n'
                % (terms, values))


def rule_query(path):
    text = open(path, encoding="utf-8").read()
    m = re.search(r"^query = '''\n(.*?)'''", text, re.S | re.M)
    if not m:
        sys.exit("ratio_bench: no query in %s" % path)
    return m.group(1).strip()


def ensure_telemetry(args):
    if args.telemetry:
        return args.telemetry
    data_dir = os.path.join(ROOT, "build/bench-data")
    os.makedirs(data_dir, exist_ok=True)
    # Named by the generator's own bytes too: a changed generator makes new telemetry.
    digest = hashlib.sha1()
    for name in ("gen_telemetry.py", "telemetry_model.py", "eql_episodes.py", "eql_satisfy.py"):
        with open(os.path.join(ROOT, "bench", name), "rb") as f:
            digest.update(f.read())
    path = os.path.join(data_dir, "telemetry-%d-%d-%s.ndjson" % (args.events, args.hosts,
                                                                 digest.hexdigest()[:8]))
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench/gen_telemetry.py"), "--events",
                        str(args.events), "--hosts", str(args.hosts), "--seed", "1", "--out", path],
                       check=True)
    return path


def ensure_parse_only():
    src = os.path.join(SHARED, "tools/parse_only.cpp")
    if not os.path.exists(src):
        sys.exit("ratio_bench: %s not found (the baseline program)" % src)
    exe = os.path.join(ROOT, "build/bench/parse_only_st")
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
        os.makedirs(os.path.dirname(exe), exist_ok=True)
        # Exactly as ../shared/tools/README.md says: one thread, -O3.
        subprocess.run(["g++", "-std=c++17", "-O3", "-DNDEBUG", src, "-o", exe, "-lsimdjson"], check=True)
    return exe


def snapshot_rule_args(upstream):
    """--rules for the whole upstream snapshot (rules/ minus _deprecated/, and
    rules_building_block/): every rule type picket runs, for eql_bench.py."""
    args = []
    rules = os.path.join(upstream, "rules")
    for name in sorted(os.listdir(rules)):
        path = os.path.join(rules, name)
        if os.path.isdir(path) and name != "_deprecated":
            args += ["--rules", path]
    args += ["--rules", os.path.join(upstream, "rules_building_block")]
    return args


def upstream_rule_args(upstream):
    """--rules for every upstream kuery query and new_terms rule (rules/ minus
    _deprecated/ and rules_building_block/): issue 15's upstream figure is the
    kuery ruleset's; eql_bench.py measures the whole set with EQL. The files
    are linked into one directory under build/bench-data (names prefixed by
    their folder, which keeps them unique)."""
    out = os.path.join(ROOT, "build", "bench-data", "upstream-kuery")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    for path in upstream_rules.rule_files(upstream):
        rule = upstream_rules.load_rule(path)
        if rule.get("language") != "kuery" or rule.get("type") not in ("query", "new_terms"):
            continue
        prefix = os.path.relpath(os.path.dirname(path), upstream).replace(os.sep, "__")
        os.symlink(os.path.abspath(path), os.path.join(out, prefix + "__" + os.path.basename(path)))
    return ["--rules", out]


class Timed:
    def __init__(self, wall, cpu, rss_kb, stdout, lines):
        self.wall, self.cpu, self.rss_kb, self.stdout, self.lines = wall, cpu, rss_kb, stdout, lines


def run_timed(cmd, pin, out_path):
    """Wall time, CPU time and peak RSS of one command (stdout to out_path). Of the output only
    the first 4 KiB (`stdout`: a figure or a count) and the number of lines are kept: a forked
    child starts with this process's RSS, which ru_maxrss (kept across exec) would report as the
    command's peak if this process held large outputs."""
    if pin:
        cmd = ["taskset", "-c", "0"] + cmd
    with open(out_path, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        sys.exit("%s: %s exited %d" % (os.path.basename(sys.argv[0]), " ".join(cmd), proc.returncode))
    lines, head = 0, b""
    with open(out_path, "rb") as f:
        while True:
            block = f.read(1 << 20)
            if not block:
                break
            if not head:
                head = block[:4096]
            lines += block.count(b"\n")
    return Timed(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, head, lines)


def prepare_work(telemetry, prefix):
    """A scratch directory with an empty event file and an output file; the telemetry is read
    once so that every command finds it in the page cache. Returns (work, empty, out)."""
    work = tempfile.mkdtemp(prefix=prefix)
    empty = os.path.join(work, "empty.ndjson")
    open(empty, "w").close()
    with open(telemetry, "rb") as f:
        while f.read(1 << 24):
            pass
    return work, empty, os.path.join(work, "stdout")


def run_rounds(commands, rounds, pin, out):
    """Each command once per round, rounds alternating all commands; parse_only's figure is
    read into `mb_s`. Returns one {name: Timed} per round."""
    result = []
    for r in range(rounds):
        figures = {}
        for name, cmd in commands.items():
            t = run_timed(cmd, pin, out)
            if name.startswith("parse_only"):
                m = re.search(rb"parse_only_mb_s=([0-9.]+)", t.stdout)
                if not m:
                    sys.exit("parse_only printed no figure")
                t.mb_s = float(m.group(1))
            figures[name] = t
        result.append(figures)
        print("round %d/%d done" % (r + 1, rounds), file=sys.stderr)
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=330000)
    ap.add_argument("--hosts", type=int, default=3000)
    ap.add_argument("--telemetry", help="an existing NDJSON file instead of generated telemetry")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--picket", default=os.path.join(ROOT, "build/picket"))
    ap.add_argument("--upstream", default=os.path.join(SHARED, "upstream/detection-rules"))
    ap.add_argument("--only", default="hunt,bundled,upstream,compile")
    ap.add_argument("--no-taskset", action="store_true", help="do not pin to core 0")
    ap.add_argument("--json", help="also write the figures here")
    args = ap.parse_args()
    parts = [p for p in args.only.split(",") if p]
    for p in parts:
        if p not in PARTS:
            sys.exit("ratio_bench: --only takes " + ", ".join(PARTS))
    pin = not args.no_taskset and shutil.which("taskset") is not None

    telemetry = ensure_telemetry(args)
    parse_only = ensure_parse_only()
    mb = os.path.getsize(telemetry) / 1e6
    work, empty, out = prepare_work(telemetry, "picket_ratio_bench_")

    ratios = [p for p in parts if p in TARGETS]
    # parse_only runs 3 passes in-process (its MB/s is the best pass's wall time); the same
    # with 1 pass gives its CPU time per pass by difference, for the CPU ratios.
    commands = {"parse_only": [parse_only, telemetry, "--runs", "3"],
                "parse_only_1": [parse_only, telemetry, "--runs", "1"]} if ratios else {}
    if "hunt" in parts:
        commands["hunt"] = [args.picket, "hunt", "--count", rule_query(SHELL_SPAWN_RULE), telemetry]
    rule_sets = {}
    if "bundled" in parts:
        rule_sets["bundled"] = ["--rules", os.path.join(ROOT, "rules")]
    if "upstream" in parts:
        rule_sets["upstream"] = upstream_rule_args(args.upstream)
    for name, rules in rule_sets.items():
        commands[name] = [args.picket, "run", "--format", "ndjson", telemetry] + rules
        commands[name + "_load"] = [args.picket, "run", "--format", "ndjson", empty] + rules

    if "compile" in parts:
        for n in COMPILE_TERMS:
            rule = os.path.join(work, "list%d.toml" % n)
            value_list_rule(rule, n)
            commands["compile%d" % n] = [args.picket, "run", "--format", "ndjson", empty, "--rules", rule]

    rounds = run_rounds(commands, args.rounds, pin, out)
    for figures in rounds:
        for name, t in figures.items():
            if name == "hunt":
                t.matched = int(t.stdout.strip() or b"0")
            elif not name.startswith("parse_only") and not name.endswith("_load"):
                t.alerts = t.lines
    shutil.rmtree(work, ignore_errors=True)

    def best(name, attr="wall"):
        return min(getattr(f[name], attr) for f in rounds)

    base = max(f["parse_only"].mb_s for f in rounds) if ratios else 0
    # CPU seconds of one parse_only pass: best over rounds of (3 passes - 1 pass) / 2.
    cpu_pass = min((f["parse_only"].cpu - f["parse_only_1"].cpu) / 2 for f in rounds) if ratios else 0
    if ratios:
        print("telemetry: %s, %.1f MB; %d rounds alternating%s; picket: %s" %
          (telemetry, mb, args.rounds, ", taskset -c 0" if pin else "", args.picket))
        print("parse_only (../shared/tools/parse_only.cpp): %.0f MB/s best, %.0f-%.0f over rounds" %
              (base, min(f["parse_only"].mb_s for f in rounds), base))
        print("parse_only CPU per pass: %.3f s (%.0f MB/s of CPU time)" % (cpu_pass, mb / cpu_pass))
        print("%-26s %9s %9s %9s %8s %8s  %-15s %-9s %s" %
              ("", "t_events", "t_load", "MB/s", "ratio", "target", "rounds", "cpu ratio",
               "cpu s / peak RSS"))
    result = {"telemetry": telemetry, "mb": mb, "parse_only_mb_s": base, "rounds": args.rounds,
              "parse_only_cpu_pass_s": cpu_pass}

    def report(label, name, load_name):
        t_events = best(name)
        t_load = best(load_name) if load_name else 0.0
        mbs = mb / (t_events - t_load)
        ratio = mbs / base
        per_round = [mb / (f[name].wall - (f[load_name].wall if load_name else 0.0)) / f["parse_only"].mb_s
                     for f in rounds]
        # The same ratio in CPU time (user + sys, load and start-up included for hunt, the
        # load's CPU time subtracted for run) against one parse_only pass: on a shared VM
        # whose load steals wall time, this is the figure that repeats.
        cpu = best(name, "cpu") - (best(load_name, "cpu") if load_name else 0.0)
        cpu_ratio = cpu_pass / cpu
        print("%-26s %8.3fs %8s %9.0f %7.3fx %7.2fx  %.3f-%.3fx  %7.3fx   %.3f s / %.0f MB" %
              (label, t_events, "%.3fs" % t_load if load_name else "-", mbs, ratio, TARGETS[name],
               min(per_round), max(per_round), cpu_ratio, best(name, "cpu"),
               max(f[name].rss_kb for f in rounds) / 1024))
        result[name] = {"t_events": t_events, "t_load": t_load, "mb_s": mbs, "ratio": ratio,
                        "round_ratios": per_round, "target": TARGETS[name], "cpu_s": cpu,
                        "cpu_ratio": cpu_ratio}

    if "hunt" in parts:
        report("hunt --count (shell query)", "hunt", None)
        print("  matched %d events" % rounds[0]["hunt"].matched)
    if "bundled" in parts:
        report("run, 3 bundled rules", "bundled", "bundled_load")
        print("  %d alerts" % rounds[0]["bundled"].alerts)
    if "upstream" in parts:
        report("run, upstream kuery rules", "upstream", "upstream_load")
        print("  %d alerts; rule loading of the snapshot (t_load, start-up included): %.3f s, %.0f MB" %
              (rounds[0]["upstream"].alerts, best("upstream_load"),
               max(f["upstream_load"].rss_kb for f in rounds) / 1024))
    if "compile" in parts:
        base_load = best("compile1")
        figures = ", ".join("%d terms %.3f s" % (n, best("compile%d" % n) - base_load)
                            for n in COMPILE_TERMS[1:])
        print("KQL compile of process.name:(v0 or ... vN) (run over an empty file, minus the same"
              " with 1 term, %.3f s): %s" % (base_load, figures))
        result["compile"] = {str(n): best("compile%d" % n) - base_load for n in COMPILE_TERMS[1:]}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
