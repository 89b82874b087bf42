#!/usr/bin/env bash
# The committed generated tables must be what their generators produce from
# the shared upstream data (so a stale table fails CI).
set -euo pipefail
shared="${PICKET_SHARED:-../shared}"
if [ ! -d "$shared/upstream/ecs" ]; then
  echo "skipped: no $shared/upstream"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 scripts/gen_field_types.py --shared "$shared" --out "$tmp/field_types.tsv" 2>/dev/null
diff -q data/field_types.tsv "$tmp/field_types.tsv"
echo "field_types.tsv up to date ($(grep -vc '^#' data/field_types.tsv) fields)"
/usr/bin/python3 scripts/gen_attack.py --shared "$shared" --out "$tmp/attack.tsv" 2>/dev/null
diff -q data/attack.tsv "$tmp/attack.tsv"
echo "attack.tsv up to date"
/usr/bin/python3 scripts/gen_ecs_allowed_values.py --shared "$shared" --out "$tmp/ecs_allowed_values.tsv" 2>/dev/null
diff -q data/ecs_allowed_values.tsv "$tmp/ecs_allowed_values.tsv"
echo "ecs_allowed_values.tsv up to date ($(grep -vc '^#' data/ecs_allowed_values.tsv) values)"
/usr/bin/python3 scripts/gen_demo.py --out "$tmp/demo" >/dev/null
diff -q data/demo/events.ndjson "$tmp/demo/events.ndjson"
diff -q data/demo/expected.json "$tmp/demo/expected.json"
echo "demo telemetry up to date ($(wc -l < data/demo/events.ndjson) events)"
