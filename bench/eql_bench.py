#!/usr/bin/python3
"""Issue 11's benchmark: the whole upstream snapshot (query, new_terms and EQL rules) and `hunt --eql`
with a sequence, as ratios to ../shared/tools/parse_only.cpp, plus bytes per pending sequence.

  /usr/bin/python3 bench/eql_bench.py [--events 330000] [--hosts 3000] [--telemetry FILE] [--rounds 3]
      [--picket build/picket] [--sequence-bench build/bench/sequence_bench] [--upstream DIR]
      [--no-taskset] [--only hunt] [--python-eql DIR [--peer-rounds 1]] [--json FILE]

One command, one telemetry file (bench/gen_telemetry.py, cached under build/bench-data, with its attack
episodes derived from the upstream EQL rules), one run; the method of ../shared/tools/README.md:
* parse_only: ../shared/tools/parse_only.cpp (g++ -O3, one thread); its MB/s is the baseline.
* snapshot: `picket run FILE` with every upstream rule directory (ratio_bench.py's list; picket runs the
  query, new_terms and EQL rules and names the other types unsupported); t_load = the same over an empty
  file (start-up + loading the whole snapshot; target <= 1 s); marginal throughput =
  file MB / (t_events - t_load), as a share of parse-only (target >= 25 %).
* hunt: `picket hunt --eql` with SEQUENCE_QUERY below (two stages, `sequence by host.id`); no rules to
  load, so file MB / wall time, as a share of parse-only (target >= 50 %).
* bytes per pending sequence: build/bench/sequence_bench --only bytes (memory store: record + event body).
* The Python `eql` peer (endgameinc/eql's PythonEngine), with --python-eql DIR (a checkout of
  endgameinc/eql that runs with Debian's python3-lark: 0.9.19, commit 49d8d64): bench/eql_peer.py
  runs SEQUENCE_QUERY over the same file; its marginal time is the file's run less the empty file's
  (start-up, import), timed after the rounds above (--peer-rounds, default 1: it is slow). No PyPI
  here and Debian has no python3-eql (its "eql" package is an unrelated serial-line load balancer),
  so the engine is never installed, only put on PYTHONPATH for the peer's command.
Rounds alternate the commands, pinned to one core with `taskset -c 0`; best of the rounds, with the
per-round range against that round's baseline, and CPU-time ratios (as ratio_bench.py).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ratio_bench as rb  # noqa: E402 (telemetry, baseline and timing shared with the KQL benchmark)

SEQUENCE_QUERY = ('sequence by host.id with maxspan=1m '
                  '[process where event.type == "start" and process.name : ("python*", "curl", "bash", "zsh")] '
                  '[network where event.type == "start" and destination.port != 443]')
TARGETS = {"snapshot": 0.25, "hunt_eql": 0.50, "load_s": 1.0}


def python_eql_peer(args, telemetry, empty, out, pin, mb, base, hunt_wall, hunt_sequences, result):
    """Times the Python `eql` engine (endgameinc/eql) on SEQUENCE_QUERY and the same file, or says
    why it was not."""
    if not args.python_eql:
        print("Python eql peer: not run (--python-eql DIR: a checkout of endgameinc/eql 0.9.19, commit "
              "49d8d64, e.g. `git archive` of the fetched repository, with Debian's python3-lark installed)")
        return
    peer = os.path.join(rb.ROOT, "bench/eql_peer.py")

    def command(path):
        return ["env", "PYTHONPATH=" + os.path.abspath(args.python_eql), "/usr/bin/python3", peer,
                SEQUENCE_QUERY, path]

    rounds = rb.run_rounds({"peer": command(telemetry), "peer_load": command(empty)}, args.peer_rounds,
                           pin, out)
    wall = min(f["peer"].wall for f in rounds) - min(f["peer_load"].wall for f in rounds)
    cpu = min(f["peer"].cpu for f in rounds) - min(f["peer_load"].cpu for f in rounds)
    report = json.loads(rounds[0]["peer"].stdout)
    print("Python eql peer (endgameinc/eql %s PythonEngine, bench/eql_peer.py; marginal: file less empty "
          "file): %.1f MB/s = %.2f%% of parse-only, %.1f s wall, %.1f s CPU; picket hunt --eql is %.0fx "
          "faster; %d sequences (picket: %d; bench/eql_peer.py says how the two read events)" %
          (report["eql_version"], mb / wall, 100 * mb / wall / base, wall, cpu, wall / hunt_wall,
           report["results"], hunt_sequences))
    result["python_eql_peer"] = {"version": report["eql_version"], "wall_s": wall, "cpu_s": cpu,
                                 "mb_s": mb / wall, "ratio": mb / wall / base, "sequences": report["results"],
                                 "picket_speedup": wall / hunt_wall}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=330000)
    ap.add_argument("--hosts", type=int, default=3000)
    ap.add_argument("--telemetry", help="an existing NDJSON file instead of generated telemetry")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--picket", default=os.path.join(rb.ROOT, "build/picket"))
    ap.add_argument("--sequence-bench", default=os.path.join(rb.ROOT, "build/bench/sequence_bench"))
    ap.add_argument("--upstream", default=os.path.join(rb.SHARED, "upstream/detection-rules"))
    ap.add_argument("--no-taskset", action="store_true", help="do not pin to core 0")
    ap.add_argument("--json", help="also write the figures here")
    ap.add_argument("--python-eql", metavar="DIR", help="time the Python eql engine from this checkout of "
                    "endgameinc/eql (see above)")
    ap.add_argument("--peer-rounds", type=int, default=1, help="rounds of the Python eql peer")
    ap.add_argument("--only", choices=["hunt"], help="time only parse_only and hunt --eql (no snapshot run, "
                    "no sequence_bench)")
    args = ap.parse_args()
    pin = not args.no_taskset and shutil.which("taskset") is not None

    telemetry = rb.ensure_telemetry(args)
    parse_only = rb.ensure_parse_only()
    mb = os.path.getsize(telemetry) / 1e6
    work, empty, out = rb.prepare_work(telemetry, "picket_eql_bench_")

    rules = rb.snapshot_rule_args(args.upstream)  # all types, not only the kuery set
    commands = {
        "parse_only": [parse_only, telemetry, "--runs", "3"],
        "parse_only_1": [parse_only, telemetry, "--runs", "1"],
        "snapshot": [args.picket, "run", "--format", "ndjson", telemetry] + rules,
        "snapshot_load": [args.picket, "run", "--format", "ndjson", empty] + rules,
        "hunt_eql": [args.picket, "hunt", "--eql", SEQUENCE_QUERY, telemetry],
    }
    if args.only == "hunt":
        del commands["snapshot"], commands["snapshot_load"]
    rounds = rb.run_rounds(commands, args.rounds, pin, out)

    def best(name, attr="wall"):
        return min(getattr(f[name], attr) for f in rounds)

    base = max(f["parse_only"].mb_s for f in rounds)
    cpu_pass = min((f["parse_only"].cpu - f["parse_only_1"].cpu) / 2 for f in rounds)
    print("telemetry: %s, %.1f MB; %d rounds alternating%s; picket: %s" %
          (telemetry, mb, args.rounds, ", taskset -c 0" if pin else "", args.picket))
    print("parse_only (../shared/tools/parse_only.cpp): %.0f MB/s best, %.0f-%.0f over rounds; "
          "%.3f s CPU per pass" % (base, min(f["parse_only"].mb_s for f in rounds), base, cpu_pass))
    result = {"telemetry": telemetry, "mb": mb, "parse_only_mb_s": base, "rounds": args.rounds,
              "parse_only_cpu_pass_s": cpu_pass}

    def ratio(label, name, load_name):
        t_load = best(load_name) if load_name else 0.0
        mbs = mb / (best(name) - t_load)
        per_round = [mb / (f[name].wall - (f[load_name].wall if load_name else 0.0)) / f["parse_only"].mb_s
                     for f in rounds]
        cpu = best(name, "cpu") - (best(load_name, "cpu") if load_name else 0.0)
        print("%-44s %7.0f MB/s = %5.1f%% of parse-only (rounds %.1f-%.1f%%; CPU ratio %.1f%%), "
              "target >= %.0f%% -- %s" %
              (label, mbs, 100 * mbs / base, 100 * min(per_round), 100 * max(per_round), 100 * cpu_pass / cpu,
               100 * TARGETS[name], "met" if mbs / base >= TARGETS[name] else "NOT MET"))
        result[name] = {"t_events": best(name), "t_load": t_load, "mb_s": mbs, "ratio": mbs / base,
                        "round_ratios": per_round, "cpu_ratio": cpu_pass / cpu,
                        "peak_rss_mb": max(f[name].rss_kb for f in rounds) / 1024}

    if args.only == "hunt":
        ratio("hunt --eql, two-stage sequence by host.id", "hunt_eql", None)
        print("  %d sequences; query: %s" % (rounds[0]["hunt_eql"].lines, SEQUENCE_QUERY))
        result["hunt_sequences"] = rounds[0]["hunt_eql"].lines
        result["hunt_cpu_s"] = best("hunt_eql", "cpu")
        print("  hunt CPU %.3f s best; load average %s" % (result["hunt_cpu_s"], os.getloadavg()))
        python_eql_peer(args, telemetry, empty, out, pin, mb, base, best("hunt_eql"), result["hunt_sequences"],
                        result)
        shutil.rmtree(work, ignore_errors=True)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(result, f, indent=1)
        return

    ratio("run, whole upstream snapshot (marginal)", "snapshot", "snapshot_load")
    print("  %d alerts; t_events %.3f s, peak RSS %.0f MB" %
          (rounds[0]["snapshot"].lines, best("snapshot"), result["snapshot"]["peak_rss_mb"]))
    load = best("snapshot_load")
    print("snapshot load (start-up + every upstream rule, empty input): %.3f s (rounds %.3f-%.3f), peak RSS "
          "%.0f MB, target <= %.1f s -- %s" %
          (load, load, max(f["snapshot_load"].wall for f in rounds),
           max(f["snapshot_load"].rss_kb for f in rounds) / 1024, TARGETS["load_s"],
           "met" if load <= TARGETS["load_s"] else "NOT MET"))
    result["load_s"] = load
    ratio("hunt --eql, two-stage sequence by host.id", "hunt_eql", None)
    print("  %d sequences; query: %s" % (rounds[0]["hunt_eql"].lines, SEQUENCE_QUERY))
    result["hunt_sequences"] = rounds[0]["hunt_eql"].lines

    if os.path.exists(args.sequence_bench):
        proc = subprocess.run((["taskset", "-c", "0"] if pin else []) + [args.sequence_bench, "--only", "bytes"],
                              capture_output=True, text=True)
        m = re.search(r"bytes per pending sequence, memory store \(record \+ event body\): ([0-9.]+)", proc.stdout)
        m2 = re.search(r"of which the encoded record: ([0-9.]+), the event body: ([0-9.]+)", proc.stdout)
        if m:
            print("bytes per pending sequence (build/bench/sequence_bench --only bytes): %s (record %s, event "
                  "body %s)" % (m.group(1), m2.group(1) if m2 else "?", m2.group(2) if m2 else "?"))
            result["bytes_per_pending_sequence"] = float(m.group(1))
        else:
            print("bytes per pending sequence: sequence_bench printed no figure:\n" + proc.stdout + proc.stderr)
    else:
        print("bytes per pending sequence: %s not built (cmake --build build --target sequence_bench)" %
              args.sequence_bench)

    python_eql_peer(args, telemetry, empty, out, pin, mb, base, best("hunt_eql"), result["hunt_sequences"], result)
    shutil.rmtree(work, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
