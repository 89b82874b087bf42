#!/usr/bin/python3
"""Benchmark of `picket serve` against `picket run` on the same events and rules,
in one command (issue 13's acceptance):

  /usr/bin/python3 bench/serve_bench.py [--build build] [--picket BUILD/picket]
      [--events 200000] [--batch 1000] [--rounds 3] [--hosts 3000]

* The events come from bench/gen_telemetry.py (cached under BUILD/bench-data).
* Baselines, measured in the same run: simdjson parse-only over the file
  (../shared/tools/parse_only.cpp, compiled once into BUILD/bench) and
  `picket run FILE` (events/s from wall time minus the time of `picket run`
  over an empty file: start-up and rule loading).
* `picket serve` (fresh RocksDB state each time) is loaded by BUILD/bench/bulk_load,
  which sends prebuilt `_bulk` bodies over keep-alive connections: 1, 2 and 4
  connections with the default --workers, and 4 connections with --workers 1.
  Then, at half the rate the 4-connection run reached, the latency a shipper
  sees at a steady rate. Latency is request sent (or due) -> answer, which
  picket gives only once the request's alerts and state are durable.
* Rounds alternate run and serve measurements; each figure is the median of
  the rounds. Every serve run's alert ids are compared with run's.
* Also per serve mode: CPU time per event (serve's user + system, start-up
  included; run's is over the file less the empty file's), and per durable
  group commit and per event what the process wrote (`wchar` of
  /proc/PID/io: alert log, WAL, flushes and compactions) and the state bytes
  committed (the write batches; "-" for a binary without that metric).
* --picket measures another binary (an A/B against a copy of main's) with the
  same load generator and data.
Loopback only; servers and state are removed afterwards.
"""
import argparse
import json
import resource
import urllib.request
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def generate(build, events, hosts):
    data_dir = os.path.join(build, "bench-data")
    os.makedirs(data_dir, exist_ok=True)
    path = os.path.join(data_dir, "telemetry-%d-%d.ndjson" % (events, hosts))
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_telemetry.py"),
                        "--events", str(events), "--hosts", str(hosts), "--seed", "1",
                        "--out", path], check=True)
    return path


def parse_only(build, path):
    """MB/s of the parse-only baseline, or None when it cannot be built."""
    src = os.path.join(ROOT, "..", "shared", "tools", "parse_only.cpp")
    exe = os.path.join(build, "bench", "parse_only_st")
    if not os.path.exists(exe):
        if not os.path.exists(src):
            return None
        r = subprocess.run(["g++", "-std=c++17", "-O3", "-DNDEBUG", src, "-o", exe, "-lsimdjson"],
                           capture_output=True)
        if r.returncode != 0:
            return None
    out = subprocess.run([exe, path], capture_output=True, text=True).stdout
    for token in out.split():
        if token.startswith("parse_only_mb_s="):
            return float(token.split("=")[1])
    return None


def children_cpu():
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def run_alerts_and_seconds(picket, path, cpu=None):
    start = time.perf_counter()
    cpu_start = children_cpu()
    r = subprocess.run([picket, "run", path], capture_output=True)
    seconds = time.perf_counter() - start
    if cpu is not None:
        cpu.append(children_cpu() - cpu_start)
    if r.returncode not in (0, 1):
        sys.exit("picket run failed: " + r.stderr.decode()[-2000:])
    ids = sorted(json.loads(l)["kibana.alert.uuid"] for l in r.stdout.splitlines() if l.strip())
    return ids, seconds


def start_server(picket, state_dir, extra):
    port_file = os.path.join(state_dir, "port")
    proc = subprocess.Popen([picket, "serve", "--listen", "127.0.0.1:0", "--port-file", port_file,
                             "--state-dir", state_dir] + extra,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:
        if os.path.exists(port_file):
            return proc, int(open(port_file).read())
        if proc.poll() is not None:
            sys.exit("picket serve failed: " + proc.stderr.read().decode())
        time.sleep(0.05)
    proc.kill()
    sys.exit("picket serve did not start")


def serve_once(picket, loader, path, tmp, connections, batch, workers=None, rate=None):
    state = tempfile.mkdtemp(prefix="state-", dir=tmp)
    extra = ["--workers", str(workers)] if workers else []
    proc, port = start_server(picket, state, extra)
    try:
        cmd = [loader, "--port", str(port), "--events", path, "--connections", str(connections),
               "--batch", str(batch)]
        if rate:
            cmd += ["--rate", str(rate)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("bulk_load failed: " + r.stderr)
        result = json.loads(r.stdout)
        with urllib.request.urlopen("http://127.0.0.1:%d/_picket/stats" % port) as reply:
            stats = json.load(reply).get("state", {})
        result["commits"] = stats.get("commits", 0)
        result["state_bytes"] = stats.get("bytes_committed")
        with open("/proc/%d/io" % proc.pid) as f:
            io = dict(line.split(": ") for line in f.read().splitlines())
        result["wchar"] = int(io["wchar"])
        with open("/proc/%d/stat" % proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        result["cpu_s"] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    finally:
        proc.terminate()
        proc.wait(timeout=120)
    alerts = os.path.join(state, "alerts.ndjson")
    result["ids"] = sorted(json.loads(l)["kibana.alert.uuid"] for l in open(alerts) if l.strip())
    shutil.rmtree(state, ignore_errors=True)
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--events", type=int, default=200000)
    ap.add_argument("--hosts", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--picket", help="the binary to measure (default: BUILD/picket)")
    args = ap.parse_args()
    picket = args.picket or os.path.join(args.build, "picket")
    loader = os.path.join(args.build, "bench", "bulk_load")
    for exe in (picket, loader):
        if not os.path.exists(exe):
            sys.exit("missing %s: cmake --build %s --target picket bulk_load" % (exe, args.build))

    path = generate(args.build, args.events, args.hosts)
    n = sum(1 for line in open(path, "rb") if line.strip())
    mb = os.path.getsize(path) / 1e6
    tmp = tempfile.mkdtemp(prefix="picket_serve_bench_")
    try:
        empty = os.path.join(tmp, "empty.ndjson")
        open(empty, "w").close()
        parse_mb_s = parse_only(args.build, path)
        configs = [("serve, 1 connection", 1, None), ("serve, 2 connections", 2, None),
                   ("serve, 4 connections", 4, None), ("serve, 4 connections, --workers 1", 4, 1)]
        run_eps, run_ids, run_cpu, empty_cpu = [], None, [], []
        figures = {name: [] for name, _, _ in configs}
        for _ in range(args.rounds):
            for name, connections, workers in configs:
                _, load = run_alerts_and_seconds(picket, empty, empty_cpu)
                run_ids, seconds = run_alerts_and_seconds(picket, path, run_cpu)
                run_eps.append(n / max(seconds - load, 1e-9))
                figures[name].append(serve_once(picket, loader, path, tmp, connections, args.batch,
                                                workers))
        run_median = statistics.median(run_eps)
        four = statistics.median(f["events_per_s"] for f in figures["serve, 4 connections"])
        half = [serve_once(picket, loader, path, tmp, 4, args.batch, rate=int(four / 2))
                for _ in range(args.rounds)]

        print("picket serve benchmark: %s, %d events (%.0f bytes/event, %.1f MB), %d per _bulk, "
              "bundled rules, RocksDB state, loopback, %d rounds (medians), %d cores" % (
                  picket, n, mb * 1e6 / n, mb, args.batch, args.rounds, os.cpu_count()))
        if parse_mb_s:
            print("  parse-only baseline (simdjson DOM, 1 core): %.0f MB/s = %.0f events/s" % (
                parse_mb_s, parse_mb_s / mb * n))
        run_us = 1e6 * max(statistics.median(run_cpu) - statistics.median(empty_cpu), 0) / n
        print("  %-40s %9s %7s %7s %7s %7s %9s %9s %7s %9s %7s %s" % (
            "mode", "events/s", "vs run", "p50 ms", "p99 ms", "max ms", "cpu us/ev",
            "kB/commit", "B/event", "state kB/c", "state B/ev", "alert ids"))
        print("  %-40s %9.0f %7s %7s %7s %7s %9.1f %9s %7s %9s %7s %d alerts" % (
            "picket run (file, 1 thread)", run_median, "100%", "", "", "", run_us, "", "", "", "",
            len(run_ids)))

        def per_commit(fs, key):
            if any(f.get(key) is None or not f.get("commits") for f in fs):
                return "-"
            return "%.0f" % statistics.median(f[key] / f["commits"] / 1e3 for f in fs)

        def per_event(fs, key):
            if any(f.get(key) is None for f in fs):
                return "-"
            return "%.0f" % statistics.median(f[key] / n for f in fs)

        def io_columns(fs):
            return (per_commit(fs, "wchar"), per_event(fs, "wchar"), per_commit(fs, "state_bytes"),
                    per_event(fs, "state_bytes"))
        for name, _, _ in configs:
            fs = figures[name]
            eps = statistics.median(f["events_per_s"] for f in fs)
            same = all(f["ids"] == run_ids for f in fs)
            print("  %-40s %9.0f %6.1f%% %7.1f %7.1f %7.1f %9.1f %9s %7s %9s %7s %s" % (
                (name, eps, 100 * eps / run_median,
                 statistics.median(f["p50_ms"] for f in fs),
                 statistics.median(f["p99_ms"] for f in fs),
                 max(f["max_ms"] for f in fs),
                 1e6 * statistics.median(f["cpu_s"] for f in fs) / n) + io_columns(fs) +
                ("= run" if same else "DIFFER from run",)))
        rate_name = "serve, 4 connections at %d events/s" % int(four / 2)
        print("  %-40s %9.0f %7s %7.1f %7.1f %7.1f %9.1f %9s %7s %9s %7s %s" % (
            (rate_name, statistics.median(f["events_per_s"] for f in half), "",
             statistics.median(f["p50_ms"] for f in half),
             statistics.median(f["p99_ms"] for f in half), max(f["max_ms"] for f in half),
             1e6 * statistics.median(f["cpu_s"] for f in half) / n) + io_columns(half) +
            ("= run" if all(f["ids"] == run_ids for f in half) else "DIFFER from run",)))
        ratio = four / run_median
        p99_half = statistics.median(f["p99_ms"] for f in half)
        print("  acceptance: 4 connections at %.1f%% of run (target >= 60%%): %s; p99 at half "
              "that rate %.1f ms (target < 50 ms): %s" % (
                  100 * ratio, "met" if ratio >= 0.6 else "NOT met", p99_half,
                  "met" if p99_half < 50 else "NOT met"))
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
