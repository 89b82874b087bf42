#!/usr/bin/env bash
# picket hunt and picket rules from the command line: exit codes, byte-for-
# byte output, stdin, --count, --fields, field type overrides, error carets;
# picket run's end of input for sequences waiting on a trailing missing stage.
set -uo pipefail
: "${PICKET:?set PICKET to the picket binary}"
pass=0; fail=0
check() {  # check NAME EXPECTED ACTUAL
  if [ "$2" == "$3" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL $1: expected [$2] got [$3]"; fi
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf '%s\n' \
  '{"process":{"name":"sh","args":["sh","-c","id"],"parent":{"name":"python3"}}, "n": 1}' \
  '{"process.name":"Python","n":2}' \
  'not json' \
  '{"process":{"parent.name":"python3.11","name":"zsh"},"source":{"ip":"10.1.2.3"}}' > "$tmp/e.ndjson"

out=$("$PICKET" hunt 'process.parent.name:python*' "$tmp/e.ndjson" 2>"$tmp/err"); rc=$?
check "exit 0 on match" 0 $rc
check "two matches" 2 "$(printf '%s\n' "$out" | wc -l)"
check "byte-for-byte" '{"process":{"name":"sh","args":["sh","-c","id"],"parent":{"name":"python3"}}, "n": 1}' "$(printf '%s\n' "$out" | head -1)"
check "malformed reported with file:line" 1 "$(grep -c 'e.ndjson:3: ' "$tmp/err")"

"$PICKET" hunt 'process.name:python' "$tmp/e.ndjson" >/dev/null 2>&1; check "exit 1 on none (case-sensitive)" 1 $?
check "count" 1 "$("$PICKET" hunt --count 'process.name:Python' "$tmp/e.ndjson" 2>/dev/null)"
check "stdin" 1 "$(cat "$tmp/e.ndjson" | "$PICKET" hunt --count 'n >= 2' 2>/dev/null)"
check "fields" '{"process.name":"sh","n":1}' "$("$PICKET" hunt --fields process.name,n,missing 'n:1' "$tmp/e.ndjson" 2>/dev/null)"
check "keyword by default" 0 "$("$PICKET" hunt --count 'source.ip:10.0.0.0/8' "$tmp/e.ndjson" --field-type source.ip=keyword 2>/dev/null)"
check "ip from ECS" 1 "$("$PICKET" hunt --count 'source.ip:10.0.0.0/8' "$tmp/e.ndjson" 2>/dev/null)"

# --mapping: an Elasticsearch mapping overrides the built-in table; --field-type overrides it.
maps=tests/data/mappings
check "mapping: source.ip keyword" 0 "$("$PICKET" hunt --count 'source.ip:10.0.0.0/8' "$tmp/e.ndjson" --mapping $maps/bare_properties.json 2>/dev/null)"
check "field-type over mapping" 1 "$("$PICKET" hunt --count 'source.ip:10.0.0.0/8' "$tmp/e.ndjson" --mapping $maps/bare_properties.json --field-type source.ip=ip 2>/dev/null)"
check "mapping: GET _mapping output" 1 "$("$PICKET" hunt --count 'process.title:sh' "$tmp/e.ndjson" --mapping $maps/get_mapping_two_indices.json 2>/dev/null)"
printf '{"properties": {"n": {"type": 5}}}' > "$tmp/bad_mapping.json"
"$PICKET" hunt 'n:1' "$tmp/e.ndjson" --mapping "$tmp/bad_mapping.json" >/dev/null 2>"$tmp/err"; rc=$?
check "bad mapping exit 2" 2 $rc
check "bad mapping located" 1 "$(grep -c 'bad_mapping.json: \$.properties.n.type: expected a string' "$tmp/err")"

"$PICKET" hunt 'a:(b or' "$tmp/e.ndjson" >/dev/null 2>"$tmp/err"; rc=$?
check "exit 2 on bad query" 2 $rc
check "caret" 1 "$(grep -c '\^' "$tmp/err")"
"$PICKET" hunt 'a:b' "$tmp/missing.ndjson" >/dev/null 2>&1; check "exit 2 on missing file" 2 $?
# Date math Elasticsearch cannot represent fails the query there: here too.
"$PICKET" hunt '@timestamp < now+300000000y' "$tmp/e.ndjson" >/dev/null 2>"$tmp/err"; rc=$?
check "exit 2 on date math overflow" 2 $rc
check "overflow located" 1 "$(grep -c '^query:1:14: @timestamp: range bound .now+300000000y. is too far' "$tmp/err")"
check "overflow caret" '               ^' "$(grep '\^' "$tmp/err")"

# EQL event queries (--eql), shaped after _eql/search.
printf '%s\n' \
  '{"@timestamp":"2026-03-01T10:00:03Z","event":{"category":["process"]},"process":{"name":"Python","pid":3}}' \
  '{"@timestamp":"2026-03-01T10:00:01Z","event":{"category":["process"]},"process":{"name":"python3","pid":1}}' \
  '{"@timestamp":"2026-03-01T10:00:02Z","event":{"category":"file"},"process":{"name":"python3","pid":2}}' \
  '{"@timestamp":"2026-03-01T10:00:00Z","event":{"category":["process"]},"process":{"name":"bash","pid":0}}' > "$tmp/q.ndjson"
out=$("$PICKET" hunt --eql 'process where process.name : "python*"' "$tmp/q.ndjson" 2>/dev/null); rc=$?
check "eql exit 0" 0 $rc
check "eql case-insensitive :, input order" "3 1" "$(printf '%s\n' "$out" | sed 's/.*"pid":\([0-9]*\).*/\1/' | tr '\n' ' ' | sed 's/ $//')"
check "eql byte-for-byte" '{"@timestamp":"2026-03-01T10:00:01Z","event":{"category":["process"]},"process":{"name":"python3","pid":1}}' "$(printf '%s\n' "$out" | tail -1)"
out=$("$PICKET" hunt --eql 'process where true | tail 2' "$tmp/q.ndjson" 2>/dev/null)
check "eql tail by timestamp" "1 3" "$(printf '%s\n' "$out" | sed 's/.*"pid":\([0-9]*\).*/\1/' | tr '\n' ' ' | sed 's/ $//')"
check "eql --size earliest" "0" "$("$PICKET" hunt --eql --size 1 'any where true' "$tmp/q.ndjson" 2>/dev/null | sed 's/.*"pid":\([0-9]*\).*/\1/')"
check "eql --count with head" 2 "$("$PICKET" hunt --eql --count 'any where true | head 2' "$tmp/q.ndjson" 2>/dev/null)"
check "eql category field" 1 "$("$PICKET" hunt --eql --count --event-category-field process.name 'bash where true' "$tmp/q.ndjson" 2>/dev/null)"
"$PICKET" hunt --eql 'process where process.name == "x"' "$tmp/q.ndjson" >/dev/null 2>&1; check "eql exit 1 on none" 1 $?
"$PICKET" hunt --eql 'process where process.name = "x"' "$tmp/q.ndjson" >/dev/null 2>"$tmp/err"; rc=$?
check "eql exit 2 on bad query" 2 $rc
check "eql error position" 1 "$(grep -c '^query:1:28: mismatched input' "$tmp/err")"
check "eql caret" 1 "$(grep -c '^ *\^$' "$tmp/err")"
"$PICKET" hunt --eql 'process where process.pid : "1"' "$tmp/q.ndjson" >/dev/null 2>"$tmp/err"
check "eql verification message" 1 "$(grep -c 'must be \[string\], found value \[process.pid\] type \[long\]' "$tmp/err")"
# The README example, as written.
"$PICKET" hunt --eql 'process where process.parent.name like~ "python*" and process.args : "-c"' data/demo/events.ndjson --size 3 > "$tmp/readme" 2>/dev/null
check "README eql example" "0 3" "$? $(wc -l < "$tmp/readme")"

# EQL sequences and samples: one hits.sequences element per line.
cat > "$tmp/seq.ndjson" <<'EOF2'
{"@timestamp":"2026-03-01T00:00:01Z","event":{"category":"process","id":"p1"},"host":{"id":"h1"},"process":{"name":"python3"}}
{"@timestamp":"2026-03-01T00:00:02Z","event":{"category":"process","id":"p2"},"host":{"id":"h1"},"process":{"name":"python3"}}
{"@timestamp":"2026-03-01T00:00:03Z","event":{"category":"network","id":"n1"},"host":{"id":"h1"},"destination":{"port":4444}}
{"@timestamp":"2026-03-01T00:00:04Z","event":{"category":"network","id":"n2"},"host":{"id":"h2"},"destination":{"port":4444}}
EOF2
out=$("$PICKET" hunt --eql 'sequence by host.id with maxspan=1m [process where true] [network where true]' "$tmp/seq.ndjson" 2>/dev/null); rc=$?
check "sequence exit 0" 0 $rc
check "sequence: newest candidate advances" '["h1"] p2 n1' "$(printf '%s\n' "$out" | python3 -c 'import json,sys; [print(json.dumps(s["join_keys"]), *[e["_id"] for e in s["events"]]) for s in map(json.loads, sys.stdin)]')"
out=$("$PICKET" hunt --eql 'sequence by host.id with maxspan=1m [process where true] ![network where true]' "$tmp/seq.ndjson" 2>/dev/null); rc=$?
check "missing event: none" 1 $rc
out=$("$PICKET" hunt --eql 'sample by host.id [network where true] [process where true]' "$tmp/seq.ndjson" 2>/dev/null)
check "sample: first events in document order" '["h1"] n1 p1' "$(printf '%s\n' "$out" | python3 -c 'import json,sys; [print(json.dumps(s["join_keys"]), *[e["_id"] for e in s["events"]]) for s in map(json.loads, sys.stdin)]')"

# Sequences over a plain file of more than 1 MiB (its matched lines are
# printed from the file's mapped pages, not copied): the same output from
# the file, from stdin (a file or a pipe: always copied) and gzipped.
python3 - "$tmp/seqbig.ndjson" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(30000):
        host = "h%d" % (i % 50)
        cat = ("process", "network", "file")[i % 3]
        f.write(json.dumps({"@timestamp": "2026-03-01T00:%02d:%02d.%03dZ" % (i // 6000, i // 100 % 60, i % 1000),
                            "event": {"category": cat, "id": "e%d" % i}, "host": {"id": host},
                            "pad": "x" * (i % 40)}, separators=(",", ":")) + "\n")
PY
q='sequence by host.id with maxspan=1m [process where true] [network where true]'
"$PICKET" hunt --eql "$q" "$tmp/seqbig.ndjson" > "$tmp/seqbig.file" 2>/dev/null
check "big sequence file: sequences" 1 "$([ "$(wc -l < "$tmp/seqbig.file")" -gt 100 ] && echo 1)"
check "big sequence file: _source is the line" 0 "$(python3 -c '
import json, sys
lines = {json.loads(l)["event"]["id"]: l.rstrip("\n") for l in open(sys.argv[1])}
bad = 0
for s in open(sys.argv[2]):
    for e in json.loads(s)["events"]:
        bad += json.dumps(e["_source"], separators=(",", ":")) != lines[e["_id"]]
print(bad)' "$tmp/seqbig.ndjson" "$tmp/seqbig.file")"
"$PICKET" hunt --eql "$q" - < "$tmp/seqbig.ndjson" > "$tmp/seqbig.stdin" 2>/dev/null
check "big sequence file from stdin (a file)" "" "$(cmp "$tmp/seqbig.file" "$tmp/seqbig.stdin")"
cat "$tmp/seqbig.ndjson" | "$PICKET" hunt --eql "$q" > "$tmp/seqbig.pipe" 2>/dev/null
check "big sequence file from a pipe" "" "$(cmp "$tmp/seqbig.file" "$tmp/seqbig.pipe")"
gzip -c "$tmp/seqbig.ndjson" > "$tmp/seqbig.ndjson.gz"
"$PICKET" hunt --eql "$q" "$tmp/seqbig.ndjson.gz" > "$tmp/seqbig.gz" 2>/dev/null
check "big sequence file gzipped" "" "$(cmp "$tmp/seqbig.file" "$tmp/seqbig.gz")"

mkdir -p "$tmp/rules"
cat > "$tmp/rules/ok.toml" <<'TOML'
[rule]
rule_id = "11111111-1111-1111-1111-111111111111"
name = "ok"
type = "query"
language = "kuery"
query = "process.name:sh"
TOML
cat > "$tmp/rules/eql.toml" <<'TOML'
[rule]
rule_id = "22222222-2222-2222-2222-222222222222"
name = "eql one"
type = "eql"
language = "eql"
query = "process where true"
TOML
printf '[rule]\nrule_id = "3"\nname = "bad"\ntype = "query"\nlanguage = "kuery"\nquery = """\nprocess.name:(sh or\n"""\n' > "$tmp/rules/bad.toml"
out=$("$PICKET" rules "$tmp/rules" 2>"$tmp/err"); rc=$?
check "rules exit 1 with errors" 1 $rc
check "loaded count" 1 "$(printf '%s\n' "$out" | grep -c '^  query *1$')"
check "eql rule loaded" 1 "$(printf '%s\n' "$out" | grep -c '^  eql *1$')"
check "error position" 1 "$(grep -c 'bad.toml:7:' "$tmp/err")"

# picket run at the end of the input: a sequence waiting for its trailing
# missing-event check is decided with what was seen; with --state it stays
# pending for the next run, which then decides it.
mkdir -p "$tmp/trail"
cat > "$tmp/trail/trail.toml" <<'TOML'
[metadata]
creation_date = "2026/01/01"
maturity = "production"
updated_date = "2026/01/01"

[rule]
author = ["picket tests"]
description = "A start not followed by an end within a minute."
from = "now-9m"
index = ["logs-*"]
language = "eql"
license = "Elastic License v2"
name = "Start without end"
risk_score = 21
rule_id = "00000000-0000-0000-0000-0000000000aa"
severity = "low"
type = "eql"
query = '''
sequence by host.id with maxspan=1m
  [process where event.action == "start"]
  ![process where event.action == "end"]
'''
TOML
printf '%s\n' '{"@timestamp":"2026-03-01T00:00:00Z","event":{"category":"process","action":"start"},"host":{"id":"h1"}}' > "$tmp/trail/a.ndjson"
printf '%s\n' '{"@timestamp":"2026-03-01T00:00:30Z","event":{"category":"process","action":"end"},"host":{"id":"h1"}}' > "$tmp/trail/b.ndjson"
trail() { "$PICKET" run --rules "$tmp/trail/trail.toml" --format ndjson --quiet "$@" 2>/dev/null | wc -l; }
check "run: trailing missing stage decided at the end" 3 "$(trail "$tmp/trail/a.ndjson")"
check "run: an end within maxspan discards it" 0 "$(trail "$tmp/trail/a.ndjson" "$tmp/trail/b.ndjson")"
check "run --state: pending after the first part" 0 "$(trail --state "$tmp/trail/state" "$tmp/trail/a.ndjson")"
check "run --state: the second part discards it" 0 "$(trail --state "$tmp/trail/state" "$tmp/trail/b.ndjson")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
