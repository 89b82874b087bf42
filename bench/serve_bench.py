#!/usr/bin/python3
"""Benchmark of `picket serve`: sustained events/s over `_bulk` on loopback
with the bundled rules and RocksDB state, and request latency (send ->
answer, which picket gives only once the alerts are fsync'd and the state WAL
is synced), printed next to the NDJSON `picket run` figure on the same events.

  /usr/bin/python3 bench/serve_bench.py [--picket build/picket] [--events 200000]
      [--batch 1000] [--clients 1] [--hosts 3000]

Events come from bench/gen_telemetry.py (cached under build/bench-data). Each
line goes to the index of its data_stream, as a shipper would write it. The
bulk bodies are built before timing starts, so the figure measures picket,
not Python. Loopback only; the server and its state are removed afterwards.
"""
import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def percentile(values, q):
    values = sorted(values)
    if not values:
        return 0.0
    k = min(len(values) - 1, max(0, int(round(q * (len(values) - 1)))))
    return values[k]


def load_events(path, limit):
    lines = []
    with open(path, "rb") as f:
        for line in f:
            line = line.rstrip(b"\n")
            if line:
                lines.append(line)
            if len(lines) >= limit:
                break
    return lines


def index_of(line):
    ds = json.loads(line).get("data_stream") or {}
    if all(isinstance(ds.get(k), str) for k in ("type", "dataset", "namespace")):
        return "%s-%s-%s" % (ds["type"], ds["dataset"], ds["namespace"])
    return "logs-unknown-default"


def build_bodies(lines, batch):
    bodies = []
    for start in range(0, len(lines), batch):
        parts = []
        for line in lines[start:start + batch]:
            parts.append(b'{"create":{"_index":"' + index_of(line).encode() + b'"}}\n')
            parts.append(line + b"\n")
        bodies.append((b"".join(parts), min(batch, len(lines) - start)))
    return bodies


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


def run_bulk(port, bodies, clients):
    latencies = []
    lock = threading.Lock()
    next_body = [0]
    errors = []

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        mine = []
        while True:
            with lock:
                i = next_body[0]
                next_body[0] += 1
            if i >= len(bodies):
                break
            body, _ = bodies[i]
            while True:  # 429 means retry later, as shippers do
                t0 = time.perf_counter()
                conn.request("POST", "/_bulk", body=body,
                             headers={"Content-Type": "application/x-ndjson"})
                resp = conn.getresponse()
                data = resp.read()
                t1 = time.perf_counter()
                if resp.status == 429:
                    time.sleep(0.005)
                    continue
                if resp.status != 200 or b'"errors":true' in data[:64]:
                    errors.append((resp.status, data[:200]))
                mine.append(t1 - t0)
                break
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, latencies, errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--picket", default=os.path.join(ROOT, "build", "picket"))
    ap.add_argument("--events", type=int, default=200000)
    ap.add_argument("--hosts", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=1)
    args = ap.parse_args()

    data_dir = os.path.join(ROOT, "build", "bench-data")
    os.makedirs(data_dir, exist_ok=True)
    data = os.path.join(data_dir, "telemetry-%d.ndjson" % args.events)
    if not os.path.exists(data) or os.path.getsize(data) == 0:
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_telemetry.py"),
                        "--events", str(args.events), "--hosts", str(args.hosts), "--seed", "1",
                        "--out", data], check=True)
    lines = load_events(data, args.events)
    n = len(lines)
    bodies = build_bodies(lines, args.batch)
    size = sum(len(l) + 1 for l in lines)
    tmp = tempfile.mkdtemp(prefix="picket_serve_bench_")
    try:
        # Baseline: the same events through `picket run` (NDJSON file, no HTTP).
        run_eps = None
        run_alerts = None
        run_state = os.path.join(tmp, "run-state")
        probe = subprocess.run([args.picket, "run", "--help"], capture_output=True)
        if probe.returncode == 0:
            cmd = [args.picket, "run", data]
            if b"--state-dir" in probe.stdout:
                cmd[2:2] = ["--state-dir", run_state]
            t0 = time.perf_counter()
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            run_secs = time.perf_counter() - t0
            if r.returncode in (0, 1):
                run_eps = n / run_secs
                run_alerts = sum(1 for l in r.stdout.splitlines() if l.strip())

        state = os.path.join(tmp, "serve-state")
        os.makedirs(state)
        proc, port = start_server(args.picket, state, [])
        try:
            secs, latencies, errors = run_bulk(port, bodies, args.clients)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/_picket/stats")
            stats = json.loads(conn.getresponse().read())
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        alerts = stats["alerts"]["written"]
        print("picket serve benchmark: %d events (%.0f bytes/event), %d per _bulk, %d clients, "
              "bundled rules, RocksDB state, loopback" % (n, size / max(n, 1), args.batch,
                                                          args.clients))
        print("  %-34s %12s %8s" % ("mode", "events/s", "alerts"))
        if run_eps:
            print("  %-34s %12.0f %8d" % ("picket run (NDJSON file)", run_eps, run_alerts))
        else:
            print("  %-34s %12s" % ("picket run (NDJSON file)", "n/a (no run command)"))
        print("  %-34s %12.0f %8d   (%.1f MB/s)" % ("picket serve (_bulk, durable)", n / secs,
                                                     alerts, size / secs / 1e6))
        if args.clients > 1:
            print("  note: with several clients, requests are evaluated in arrival order, not "
                  "stream order; the engine does not alert on events older than the newest "
                  "matching one minus the rule's lookback, so alert counts can differ from run")
        print("  request -> alerts durable latency: p50 %.1f ms, p99 %.1f ms, max %.1f ms "
              "(%d requests)" % (percentile(latencies, 0.5) * 1e3, percentile(latencies, 0.99) * 1e3,
                                 max(latencies) * 1e3, len(latencies)))
        srv = stats["latency"]["request_to_durable"]
        print("  server-side request -> durable:   p50 %.1f ms, p99 %.1f ms; commits %d; "
              "429s %d; alerts %d; state entries %d" % (
                  srv["p50_ms"], srv["p99_ms"], stats["state"]["commits"],
                  stats["http"]["rejected_429"], alerts, stats["state"]["entries"]))
        if errors:
            print("  ERRORS: %d requests failed, first: %r" % (len(errors), errors[0]))
            return 1
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
