#!/usr/bin/env bash
# Tries picket's scale-out on one machine (docs/redis.md): a local Redis
# Cluster (scripts/redis-cluster.sh: 3 masters, 3 replicas on loopback), three
# `picket serve` nodes sharing their state through it, the bundled demo
# telemetry sent to them round-robin as `_bulk` requests, then each node's
# alerts, the Redis figures of /_picket/stats, and a check that the three
# nodes together wrote exactly the alerts `picket run` writes over the same
# events. Ports are picked free; everything lives in a temporary directory.
#
#   scripts/scale-out-demo.sh [--keep]
#
# --keep leaves the cluster and the nodes running and prints their addresses
# and how to stop them. Uses `picket` from PATH, else build/picket.
# Exit status: 0 the nodes wrote run's alerts, 1 they did not, 2 set-up error.
set -euo pipefail
cd "$(dirname "$0")/.."

keep=0
[ "${1:-}" = "--keep" ] && keep=1
PICKET=$(command -v picket || echo build/picket)
[ -x "$PICKET" ] || { echo "scale-out-demo: no picket (build it: cmake --build build --target picket)" >&2; exit 2; }

dir=$(mktemp -d /tmp/picket-scale-out.XXXXXX)
pids=()
cleanup() {
  [ $keep = 1 ] && return
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  bash scripts/redis-cluster.sh stop "$dir/redis" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

echo "Starting a Redis Cluster (3 masters, 3 replicas) in $dir/redis ..."
url=$(bash scripts/redis-cluster.sh start "$dir/redis") || exit 2
echo "  $url"

ports=()
for n in 1 2 3; do
  mkdir -p "$dir/node$n"
  "$PICKET" serve --state "$url" --state-dir "$dir/node$n" --listen 127.0.0.1:0 \
    --port-file "$dir/node$n/port" 2>"$dir/node$n/stderr.log" &
  pids+=($!)
done
for n in 1 2 3; do
  for _ in $(seq 300); do [ -s "$dir/node$n/port" ] && break; sleep 0.1; done
  [ -s "$dir/node$n/port" ] || { echo "node $n did not start:" >&2; cat "$dir/node$n/stderr.log" >&2; exit 2; }
  ports+=("$(cat "$dir/node$n/port")")
done
echo "Three picket serve nodes: ${ports[*]/#/http://127.0.0.1:}"

echo "Sending the demo telemetry (data/demo/events.ndjson) round-robin, 100 events per _bulk ..."
/usr/bin/python3 - "${ports[@]}" <<'EOF'
import http.client, json, sys
ports = [int(p) for p in sys.argv[1:]]
lines = [l for l in open("data/demo/events.ndjson", "rb").read().split(b"\n") if l.strip()]
for i in range(0, len(lines), 100):
    body = b""
    for line in lines[i:i + 100]:
        ds = json.loads(line)["data_stream"]
        index = "%s-%s-%s" % (ds["type"], ds["dataset"], ds["namespace"])
        body += json.dumps({"create": {"_index": index}}).encode() + b"\n" + line + b"\n"
    port = ports[(i // 100) % len(ports)]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", "/_bulk", body, {"Content-Type": "application/x-ndjson"})
    resp = conn.getresponse()
    answer = json.loads(resp.read())
    if resp.status != 200 or answer["errors"]:
        sys.exit("node %d answered %d" % (port, resp.status))
print("  %d events in %d requests" % (len(lines), (len(lines) + 99) // 100))
EOF

/usr/bin/python3 - "$dir" "$PICKET" "${ports[@]}" <<'EOF'
import json, subprocess, sys, urllib.request
d, picket, ports = sys.argv[1], sys.argv[2], [int(p) for p in sys.argv[3:]]
ids = []
for n, port in enumerate(ports, 1):
    alerts = [json.loads(l) for l in open("%s/node%d/alerts.ndjson" % (d, n)) if l.strip()]
    stats = json.loads(urllib.request.urlopen("http://127.0.0.1:%d/_picket/stats" % port).read())
    r = stats["redis"]
    print("node %d: %d events, %d alerts; Redis: %d round trips, %d decisions, decide p99 %.1f ms"
          % (n, stats["events"]["evaluated"], len(alerts), r["round_trips"], r["script_calls"],
             r["latency"]["decide"]["p99_ms"]))
    for a in alerts:
        print("    %s  %s  %s" % (a["kibana.alert.rule.name"], a["host"]["name"],
                                  " | ".join(a.get("kibana.alert.new_terms") or [])))
    ids += [a["kibana.alert.uuid"] for a in alerts]
run = subprocess.run([picket, "run", "--format", "ndjson", "data/demo/events.ndjson"],
                     capture_output=True, text=True)
want = sorted(json.loads(l)["kibana.alert.uuid"] for l in run.stdout.splitlines() if l.strip())
if sorted(ids) == want:
    print("The three nodes wrote the same %d alerts (same ids) as `picket run` over the same events."
          % len(want))
else:
    print("MISMATCH: the nodes wrote %d alerts, `picket run` %d" % (len(ids), len(want)))
    sys.exit(1)
EOF

if [ $keep = 1 ]; then
  echo
  echo "Left running: Redis $url, nodes ${ports[*]/#/http://127.0.0.1:} (pids ${pids[*]})."
  echo "Stop them with: kill ${pids[*]}; scripts/redis-cluster.sh stop $dir/redis"
fi
