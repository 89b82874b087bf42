#!/usr/bin/env bash
# picket hunt and picket rules from the command line: exit codes, byte-for-
# byte output, stdin, --count, --fields, field type overrides, error carets.
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
check "unsupported named" 1 "$(printf '%s\n' "$out" | grep -c '^  eql *1$')"
check "error position" 1 "$(grep -c 'bad.toml:7:' "$tmp/err")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
