#!/usr/bin/python3
"""Scale-out benchmark: 1, 2 and 3 `picket serve` nodes sharing their state
through one Redis Cluster, against one node with RocksDB, in one command
(issue 14's acceptance; docs/redis.md has the figures and the sizing estimate):

  /usr/bin/python3 bench/redis_serve_bench.py [--build build] [--events 200000]
      [--hosts 2000] [--batch 1000] [--connections 2] [--rounds 2] [--rules upstream|bundled]
      [--state redis://HOST:PORT,...]

* Events from bench/gen_telemetry.py (cached under BUILD/bench-data); rules: every
  upstream kuery rule (default; about 2% of the events match a new_terms rule) or
  the bundled pack.
* A local Redis Cluster (scripts/redis-cluster.sh: 3 masters, 3 replicas) unless
  --state names one.
* Each configuration gets fresh state: one node with RocksDB (the baseline, in the
  same run), then N = 1, 2, 3 nodes with --state redis://, then 3 nodes with
  --redis-wait-replicas 1. The events are split by host over the nodes (a host's
  events go to one node, in order, as its shipper would send them) and each node
  is loaded by its own BUILD/bench/bulk_load (--connections each) at full speed.
* Per configuration: events/s over all nodes (events / the slowest loader's time),
  p50/p99 request-to-durable latency (the worst node's), Redis round trips,
  script calls and records written per 1000 events (from each node's
  /_picket/stats), and whether the alerts equal the baseline's: the same ids, or
  else the same rules and new terms with some alerts naming another event of
  the same term (a term that spans hosts is seen first by whichever node decides
  first; one node decides in file order). Replaying a file of several days at
  full speed, nodes run through their parts at different paces, days of event
  time apart: a term that spans hosts can then also be forgotten and alerted
  again, or not, differently ("terms differ"), as docs/serve.md says of
  parallel back-fills. Live shippers send in near real time.
* The parse-only baseline (../shared/tools/parse_only.cpp: simdjson DOM, one
  core) over the same file, measured at the start of every round, is printed
  beside the figures ("% parse": events/s over parse-only events/s).
Rounds alternate the configurations; figures are medians. On this 2-core
machine every node, every Redis server and every loader share two cores: the
figures show the cost of sharing state, not the gain of more machines.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from serve_bench import parse_only  # noqa: E402  (the same baseline as serve_bench)
UPSTREAM = os.path.join(ROOT, "..", "shared", "upstream", "detection-rules")


def generate(build, events, hosts):
    data_dir = os.path.join(build, "bench-data")
    os.makedirs(data_dir, exist_ok=True)
    path = os.path.join(data_dir, "telemetry-%d-%d.ndjson" % (events, hosts))
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_telemetry.py"),
                        "--events", str(events), "--hosts", str(hosts), "--seed", "1",
                        "--out", path], check=True, stdout=subprocess.DEVNULL)
    return path


def split_by_host(path, parts, tmp):
    """parts files; each host's lines in one of them, in file order."""
    if parts == 1:
        return [path]
    outs = [open(os.path.join(tmp, "part-%d-of-%d.ndjson" % (i, parts)), "w") for i in range(parts)]
    for line in open(path):
        if not line.strip():
            continue
        host = json.loads(line).get("host", {}).get("id", "")
        outs[sum(host.encode()) % parts].write(line)
    for f in outs:
        f.close()
    return [f.name for f in outs]


def start_server(picket, state_dir, args):
    port_file = os.path.join(state_dir, "port")
    log = open(os.path.join(state_dir, "stderr.log"), "wb")
    proc = subprocess.Popen([picket, "serve", "--listen", "127.0.0.1:0", "--port-file", port_file,
                             "--state-dir", state_dir] + args, stdout=subprocess.DEVNULL,
                            stderr=log)
    deadline = time.time() + 120
    while time.time() < deadline:
        if os.path.exists(port_file):
            return proc, int(open(port_file).read())
        if proc.poll() is not None:
            sys.exit("picket serve failed: " + open(log.name).read()[-2000:])
        time.sleep(0.05)
    proc.kill()
    sys.exit("picket serve did not start")


def stats(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/_picket/stats" % port, timeout=30) as r:
        return json.loads(r.read())


def run_config(picket, loader, files, tmp, common, extra, connections, batch):
    """Starts len(files) nodes, loads each with its file, returns the figures."""
    nodes = []
    try:
        for i in range(len(files)):
            state = tempfile.mkdtemp(prefix="node-", dir=tmp)
            proc, port = start_server(picket, state, common + extra)
            nodes.append((proc, port, state))
        loaders = [subprocess.Popen([loader, "--port", str(port), "--events", f, "--connections",
                                     str(connections), "--batch", str(batch)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for (_, port, _), f in zip(nodes, files)]
        results = []
        for p in loaders:
            out, err = p.communicate()
            if p.returncode != 0:
                sys.exit("bulk_load failed: " + err[-2000:])
            results.append(json.loads(out))
        node_stats = [stats(port) for _, port, _ in nodes]
    finally:
        for proc, _, _ in nodes:
            proc.terminate()
        for proc, _, _ in nodes:
            proc.wait(timeout=120)
    ids, terms = [], []
    for _, _, state in nodes:
        for line in open(os.path.join(state, "alerts.ndjson")):
            if not line.strip():
                continue
            a = json.loads(line)
            ids.append(a["kibana.alert.uuid"])
            terms.append((a["kibana.alert.rule.rule_id"], tuple(a.get("kibana.alert.new_terms") or []),
                          "" if a.get("kibana.alert.new_terms") else a["kibana.alert.uuid"]))
    for _, _, state in nodes:
        shutil.rmtree(state, ignore_errors=True)
    events = sum(r["events"] for r in results)
    seconds = max(r["seconds"] for r in results)
    figure = {"events": events, "events_per_s": events / seconds,
              "p50_ms": max(r["p50_ms"] for r in results),
              "p99_ms": max(r["p99_ms"] for r in results), "ids": sorted(ids),
              "terms": sorted(terms)}
    redis = [s["redis"] for s in node_stats if "redis" in s]
    if redis:
        per_k = 1000.0 / max(events, 1)
        figure["round_trips_per_1000"] = sum(r["round_trips"] for r in redis) * per_k
        figure["script_calls_per_1000"] = sum(r["script_calls"] for r in redis) * per_k
        figure["writes_per_1000"] = sum(r["records_written"] for r in redis) * per_k
        figure["decide_p99_ms"] = max(r["latency"]["decide"]["p99_ms"] for r in redis)
        figure["groups"] = sum(s["state"]["commits"] for s in node_stats)
    return figure


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--events", type=int, default=200000)
    ap.add_argument("--hosts", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--connections", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--rules", choices=["upstream", "bundled"], default="upstream")
    ap.add_argument("--state", default="")
    args = ap.parse_args()
    picket = os.path.join(args.build, "picket")
    loader = os.path.join(args.build, "bench", "bulk_load")
    for exe in (picket, loader):
        if not os.path.exists(exe):
            sys.exit("missing %s: cmake --build %s --target picket bulk_load" % (exe, args.build))
    path = generate(args.build, args.events, args.hosts)
    tmp = tempfile.mkdtemp(prefix="picket_redis_bench_")
    cluster_dir = None
    try:
        url = args.state
        if not url:
            cluster_dir = os.path.join(tmp, "cluster")
            url = subprocess.run(["bash", os.path.join(ROOT, "scripts", "redis-cluster.sh"),
                                  "start", cluster_dir], check=True, capture_output=True,
                                 text=True).stdout.strip()
        common = ["--no-max-signals"]  # max_signals counts per node (docs/redis.md)
        if args.rules == "upstream":
            common += ["--rules", os.path.join(UPSTREAM, "rules"), "--rules",
                       os.path.join(UPSTREAM, "rules_building_block")]
        files = {n: split_by_host(path, n, tmp) for n in (1, 2, 3)}
        configs = [("1 node, RocksDB (baseline)", 1, None),
                   ("1 node, Redis", 1, []), ("2 nodes, Redis", 2, []), ("3 nodes, Redis", 3, []),
                   ("3 nodes, Redis, WAIT 1 replica", 3, ["--redis-wait-replicas", "1"])]
        figures = {name: [] for name, _, _ in configs}
        lines = sum(1 for line in open(path, "rb") if line.strip())
        mb = os.path.getsize(path) / 1e6
        parse_eps = []
        run = 0
        for _ in range(args.rounds):
            parse_mb_s = parse_only(args.build, path)
            if parse_mb_s:
                parse_eps.append(parse_mb_s / mb * lines)
            for name, n, redis_args in configs:
                run += 1
                extra = [] if redis_args is None else (
                    ["--state", url, "--redis-prefix", "bench%d-%d" % (os.getpid(), run)] + redis_args)
                figures[name].append(run_config(picket, loader, files[n], tmp, common, extra,
                                                args.connections, args.batch))
        events = figures[configs[0][0]][0]["events"]
        base_ids = figures[configs[0][0]][0]["ids"]
        base_terms = figures[configs[0][0]][0]["terms"]
        print("picket serve scale-out benchmark: %d events, %d per _bulk, %d connection(s) per "
              "node, %s rules, %d rounds (medians), %d cores, Redis %s" % (
                  events, args.batch, args.connections, args.rules, args.rounds, os.cpu_count(),
                  "local cluster (3 masters, 3 replicas)" if cluster_dir else url))
        parse_median = statistics.median(parse_eps) if parse_eps else None
        if parse_median:
            print("  parse-only baseline (simdjson DOM, 1 core, same file, each round): "
                  "%.0f events/s (%.1f MB, %.0f bytes/event)" % (parse_median, mb, mb * 1e6 / lines))
        print("  %-32s %10s %8s %8s %8s %12s %12s %10s %9s  %s" % (
            "configuration", "events/s", "% parse", "p50 ms", "p99 ms", "trips/1000ev", "calls/1000ev",
            "writes/1k", "Redis p99", "alert ids"))
        for name, _, _ in configs:
            fs = figures[name]
            med = lambda k: statistics.median(f[k] for f in fs)  # noqa: E731
            same = all(f["ids"] == base_ids for f in fs)
            same_terms = all(f["terms"] == base_terms for f in fs)
            redis = "round_trips_per_1000" in fs[0]
            print("  %-32s %10.0f %8s %8.1f %8.1f %12s %12s %10s %9s  %s" % (
                name, med("events_per_s"),
                "%.1f%%" % (100 * med("events_per_s") / parse_median) if parse_median else "-",
                med("p50_ms"), med("p99_ms"),
                "%.2f" % med("round_trips_per_1000") if redis else "-",
                "%.2f" % med("script_calls_per_1000") if redis else "-",
                "%.2f" % med("writes_per_1000") if redis else "-",
                "%.1f ms" % med("decide_p99_ms") if redis else "-",
                "= baseline (%d)" % len(base_ids) if same else
                "same rules and new terms; %s" % ", ".join(
                    "%d name another event of their term" % len(set(base_ids) - set(f["ids"]))
                    for f in fs) if same_terms else "terms differ: %s" % ", ".join(
                    "%d fewer, %d more" % (len(set(base_terms) - set(f["terms"])),
                                          len(set(f["terms"]) - set(base_terms))) for f in fs)))
        return 0
    finally:
        if cluster_dir:
            subprocess.run(["bash", os.path.join(ROOT, "scripts", "redis-cluster.sh"), "stop",
                            cluster_dir], stdout=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
