#!/usr/bin/env bash
# One command for the hunt benchmark: generates realistic Elastic Defend
# telemetry (once, cached under build/bench-data) and prints parse-only and
# hunt throughput from a single run. Usage: bench/run_hunt_bench.sh [EVENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
events="${1:-300000}"
data="build/bench-data/telemetry-${events}.ndjson"
mkdir -p build/bench-data
if [ ! -s "$data" ]; then
  /usr/bin/python3 bench/gen_telemetry.py --events "$events" --hosts 3000 --seed 1 --out "$data"
fi
cmake --build build --target hunt_bench >/dev/null
taskset -c 0 ./build/bench/hunt_bench "$data" 3 2>/dev/null || ./build/bench/hunt_bench "$data" 3
