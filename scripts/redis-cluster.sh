#!/usr/bin/env bash
# A local Redis Cluster for trying `picket serve` scale-out on one machine and
# for the tests: 3 masters and 3 replicas of Debian's redis-server on loopback
# ports, each with its own directory under DIR, started as plain processes
# (no system service, nothing outside DIR is written).
#
#   scripts/redis-cluster.sh start DIR [--port P] [--node-timeout MS]
#                                      [--tls] [--user NAME --password-file F]
#   scripts/redis-cluster.sh stop DIR
#   scripts/redis-cluster.sh status DIR
#
# start   creates the six nodes on ports P..P+5 (cluster bus on P+10000..),
#         joins them with `redis-cli --cluster create --cluster-replicas 1`,
#         waits until every node reports cluster_state:ok and every replica is
#         in sync, and prints the `--state` URL for picket serve. --port 0
#         (the default) picks six free consecutive ports. The ports are kept in
#         DIR/ports, the URL in DIR/url, each node's pid in DIR/<port>/redis.pid.
#         A start on picked ports that fails to bind is tried again on others.
#         --tls serves TLS only (a CA and a node certificate are made in DIR/tls:
#         give picket --redis-tls-ca DIR/tls/ca.crt). --user/--password-file
#         create an ACL user with only the rights picket needs (docs/redis.md)
#         and turn the default user off; the script itself and replication
#         then use the user "admin" whose password it keeps in DIR/admin.pass.
# stop    stops the nodes started in DIR (by their pid files) and waits for them.
# status  prints each node's role and the cluster state.
# Exit status: 0 done, 1 the cluster did not come up, 2 usage error.
set -euo pipefail

usage() {
  sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[ $# -ge 2 ] || usage
command=$1
dir=$2
shift 2

port=0
node_timeout=5000
tls=0
user=""
password_file=""
while [ $# -gt 0 ]; do
  case $1 in
    --port) port=$2; shift 2 ;;
    --node-timeout) node_timeout=$2; shift 2 ;;
    --tls) tls=1; shift ;;
    --user) user=$2; shift 2 ;;
    --password-file) password_file=$2; shift 2 ;;
    -h|--help) usage ;;
    *) echo "redis-cluster: unknown option $1" >&2; exit 2 ;;
  esac
done
if { [ -n "$user" ] && [ -z "$password_file" ]; } || { [ -z "$user" ] && [ -n "$password_file" ]; }; then
  echo "redis-cluster: --user and --password-file go together" >&2
  exit 2
fi

REDIS_SERVER=${REDIS_SERVER:-redis-server}
# The commands picket sends, and those its scripts call (ACLs apply inside
# scripts too).
PICKET_ACL="+ping +auth +asking +cluster|slots +wait +script|load +evalsha +get +set +time +pexpiretime +dbsize +scan +del"
REDIS_CLI=${REDIS_CLI:-redis-cli}

# redis-cli arguments that reach node $1 as the configured user, over TLS when
# asked (the password goes through REDISCLI_AUTH, not the command line).
cli() {
  local p=$1
  shift
  local args=(-h 127.0.0.1 -p "$p")
  if [ "$tls" = 1 ]; then
    args+=(--tls --cacert "$dir/tls/ca.crt" --cert "$dir/tls/node.crt" --key "$dir/tls/node.key")
  fi
  if [ -f "$dir/admin.pass" ]; then
    args+=(--user admin)
    REDISCLI_AUTH=$(head -n1 "$dir/admin.pass") "$REDIS_CLI" "${args[@]}" "$@"
  else
    "$REDIS_CLI" "${args[@]}" "$@"
  fi
}

port_free() {  # $1: a TCP port on 127.0.0.1 nobody listens on
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_ports() {
  local tries=0 base
  # Ports and bus ports (+10000) below 32768, Linux's first ephemeral port,
  # so that no outgoing connection can take one between the check and bind.
  while [ $tries -lt 200 ]; do
    base=$((10000 + (RANDOM % 12700)))
    local ok=1
    for i in 0 1 2 3 4 5; do
      if ! port_free $((base + i)) || ! port_free $((base + i + 10000)); then ok=0; break; fi
    done
    if [ $ok = 1 ]; then echo "$base"; return 0; fi
    tries=$((tries + 1))
  done
  echo "redis-cluster: no six free consecutive ports found" >&2
  return 1
}

make_tls() {
  mkdir -p "$dir/tls"
  local t=$dir/tls
  [ -f "$t/node.crt" ] && return 0
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=picket test CA" \
    -keyout "$t/ca.key" -out "$t/ca.crt" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$t/node.key" -out "$t/node.csr" >/dev/null 2>&1
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$t/ext.cnf"
  openssl x509 -req -in "$t/node.csr" -CA "$t/ca.crt" -CAkey "$t/ca.key" -CAcreateserial \
    -days 30 -extfile "$t/ext.cnf" -out "$t/node.crt" >/dev/null 2>&1
  chmod 600 "$t"/*.key
}

write_config() {  # $1: port
  local p=$1 d=$dir/$1
  mkdir -p "$d"
  {
    echo "bind 127.0.0.1"
    echo "protected-mode yes"
    echo "daemonize yes"
    echo "dir $d"
    echo "pidfile $d/redis.pid"
    echo "logfile $d/redis.log"
    echo "cluster-enabled yes"
    echo "cluster-config-file nodes.conf"
    echo "cluster-node-timeout $node_timeout"
    echo "cluster-port $((p + 10000))"
    # A test cluster keeps its data in memory only; see docs/redis.md for
    # the persistence a production cluster should use.
    echo "appendonly no"
    echo 'save ""'
    if [ "$tls" = 1 ]; then
      echo "port 0"
      echo "tls-port $p"
      echo "tls-cert-file $dir/tls/node.crt"
      echo "tls-key-file $dir/tls/node.key"
      echo "tls-ca-cert-file $dir/tls/ca.crt"
      echo "tls-auth-clients optional"
      echo "tls-cluster yes"
      echo "tls-replication yes"
    else
      echo "port $p"
    fi
    if [ -n "$user" ]; then
      local pw_hash admin
      # Passwords go into the file as SHA-256 hashes (#...), so that any
      # byte (spaces, quotes) is allowed and the clear text is not stored.
      pw_hash=$(head -n1 "$password_file" | tr -d '\n' | sha256sum | cut -d' ' -f1)
      admin=$(head -n1 "$dir/admin.pass")
      echo "user default off"
      echo "user admin on >$admin ~* &* +@all"
      # What picket needs and nothing more (docs/redis.md, "ACL").
      echo "user $user on #$pw_hash resetkeys ~picket:* resetchannels -@all $PICKET_ACL"
      echo "masteruser admin"
      echo "masterauth $admin"
    fi
  } > "$d/redis.conf"
  chmod 600 "$d/redis.conf"
}

wait_ok() {
  local deadline=$((SECONDS + 60)) p
  while [ $SECONDS -lt $deadline ]; do
    local all=1
    for p in "${ports[@]}"; do
      if ! cli "$p" cluster info 2>/dev/null | grep -q 'cluster_state:ok'; then all=0; break; fi
      local role
      role=$(cli "$p" role 2>/dev/null | head -n1)
      if [ "$role" = slave ]; then
        cli "$p" info replication 2>/dev/null | grep -q 'master_link_status:up' || { all=0; break; }
      fi
    done
    if [ $all = 1 ]; then return 0; fi
    sleep 0.2
  done
  return 1
}

# Stops what start began, so that a failed start leaves no process behind.
fail_start() {
  echo "redis-cluster: $1" >&2
  stop >/dev/null 2>&1 || true
  exit 1
}

# Picked ports can be taken between the check and the bind: try again.
start() {
  local attempt
  if [ "$port" != 0 ]; then start_once; return; fi
  local rc=1
  for attempt in 1 2 3; do
    (start_once) && return 0 || rc=$?
    [ $rc = 2 ] && exit 2  # a usage error: trying again changes nothing
    echo "redis-cluster: retrying on other ports" >&2
  done
  exit $rc
}

start_once() {
  if [ -f "$dir/ports" ]; then
    echo "redis-cluster: $dir already holds a cluster (stop it first)" >&2
    exit 2
  fi
  command -v "$REDIS_SERVER" >/dev/null || { echo "redis-cluster: $REDIS_SERVER not found (apt-get install redis-server)" >&2; exit 1; }
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ "$tls" = 1 ] && make_tls
  if [ -n "$user" ]; then
    (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$dir/admin.pass")
  fi
  if [ "$port" = 0 ]; then port=$(pick_ports); fi
  ports=()
  for i in 0 1 2 3 4 5; do ports+=($((port + i))); done
  echo "${ports[*]}" > "$dir/ports"
  for p in "${ports[@]}"; do
    write_config "$p"
    "$REDIS_SERVER" "$dir/$p/redis.conf" || fail_start "redis-server refused $dir/$p/redis.conf"
  done
  local deadline=$((SECONDS + 20))
  for p in "${ports[@]}"; do
    until cli "$p" ping 2>/dev/null | grep -q PONG; do
      if [ $SECONDS -ge $deadline ]; then
        fail_start "node $p did not start; see $dir/$p/redis.log"
      fi
      sleep 0.1
    done
  done
  local hosts=()
  for p in "${ports[@]}"; do hosts+=("127.0.0.1:$p"); done
  cli "${ports[0]}" --cluster create "${hosts[@]}" --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 || {
    fail_start "cluster create failed; see $dir/create.log"
  }
  if ! wait_ok; then
    status >&2 || true
    fail_start "cluster not ok after 60 s"
  fi
  local scheme=redis
  [ "$tls" = 1 ] && scheme=rediss
  local url="$scheme://127.0.0.1:${ports[0]},127.0.0.1:${ports[1]},127.0.0.1:${ports[2]}"
  echo "$url" > "$dir/url"
  echo "$url"
}

load_ports() {
  [ -f "$dir/ports" ] || { echo "redis-cluster: no cluster in $dir" >&2; exit 2; }
  read -r -a ports < "$dir/ports"
  [ -d "$dir/tls" ] && tls=1
  return 0
}

stop() {
  load_ports
  local pids=() p pid
  for p in "${ports[@]}"; do
    if [ -f "$dir/$p/redis.pid" ]; then
      pid=$(cat "$dir/$p/redis.pid")
      # Only a redis-server this directory started (the pid file may be stale).
      if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "redis-server"; then
        kill "$pid" 2>/dev/null && pids+=("$pid")
      fi
    fi
  done
  local deadline=$((SECONDS + 20))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null; do
      if [ $SECONDS -ge $deadline ]; then kill -9 "$pid" 2>/dev/null || true; break; fi
      sleep 0.05
    done
  done
  rm -f "$dir/ports" "$dir/url"
}

status() {
  load_ports
  local p
  for p in "${ports[@]}"; do
    local role state
    role=$(cli "$p" role 2>/dev/null | head -n1 || true)
    state=$(cli "$p" cluster info 2>/dev/null | grep cluster_state | tr -d '\r' || true)
    echo "127.0.0.1:$p ${role:-down} ${state:-}"
  done
}

case $command in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) usage ;;
esac
