#!/usr/bin/python3
"""End-to-end tests of `picket serve --state redis://...` (docs/redis.md): several
nodes sharing their detection state through a real local Redis Cluster
(scripts/redis-cluster.sh: 3 masters, 3 replicas on loopback).

  * three nodes, events of 40 hosts spread round-robin over them by 4 concurrent
    senders, give exactly the alert ids one node with RocksDB gives;
  * the same with one node killed with kill -9 mid-stream (its unacknowledged
    requests re-sent to the others): no alert lost, none duplicated;
  * the same with one Redis master killed mid-stream (its replica takes over),
    with --redis-wait-replicas 1: no alert lost, none duplicated;
  * the same new term sent to all nodes at once gives one alert;
  * an EQL sequence rule on three nodes gives the sequence alerts of one node,
    sequences started on one node completing on another.
Operations (outage, TLS/ACL, state directory, the README demo) are in
test_redis_ops.py, so that ctest -j runs the two halves side by side.
Prints one line per test and a final "N passed, M failed"; exits 1 on failure.
"""
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_support import (BASE_TIME, CRED_RULE, Server, alert_id, bulk_body,  # noqa: E402
                           file_open_event, run_tests)

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                      "redis-cluster.sh")


class RedisCluster:
    """A local cluster in `directory`, started by scripts/redis-cluster.sh."""

    def __init__(self, directory, *args):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        subprocess.run(["bash", SCRIPT, "start", directory, "--node-timeout", "1000"] + list(args),
                       check=True, stdout=subprocess.DEVNULL)
        self.url = open(os.path.join(directory, "url")).read().strip()
        self.ports = [int(p) for p in open(os.path.join(directory, "ports")).read().split()]

    def cli(self, port, *args):
        return subprocess.run(["redis-cli", "-p", str(port)] + list(args),
                              capture_output=True, text=True).stdout

    def masters(self):
        return [p for p in self.ports if self.cli(p, "role").startswith("master")]

    def pid(self, port):
        return int(open(os.path.join(self.dir, str(port), "redis.pid")).read())

    def signal_all(self, sig):
        for p in self.ports:
            try:
                os.kill(self.pid(p), sig)
            except ProcessLookupError:
                pass

    def kill(self, port):
        os.kill(self.pid(port), signal.SIGKILL)

    def restart(self, port):
        """Starts a killed node again; it rejoins as a replica of whoever took
        over its slots."""
        subprocess.run(["redis-server", os.path.join(self.dir, str(port), "redis.conf")],
                       check=True, stdout=subprocess.DEVNULL)

    def replicas_in_sync(self):
        return sum("master_link_status:up" in self.cli(p, "info", "replication")
                   for p in self.ports)

    def wait_healthy(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            live = [p for p in self.ports if self.cli(p, "ping").strip() == "PONG"]
            if live and all("cluster_state:ok" in self.cli(p, "cluster", "info") for p in live):
                return True
            time.sleep(0.2)
        return False

    def stop(self):
        subprocess.run(["bash", SCRIPT, "stop", self.dir], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


SHARED = {}


def shared_cluster(tmp_root="/tmp"):
    """The cluster of the non-destructive tests, started once."""
    if "cluster" not in SHARED:
        import tempfile
        SHARED["cluster"] = RedisCluster(tempfile.mkdtemp(prefix="picket_redis_e2e_"))
    return SHARED["cluster"]


def node(tmp, name, cluster, prefix, *args):
    d = os.path.join(tmp, name)
    os.makedirs(d, exist_ok=True)
    return Server(d, "--state", cluster.url, "--redis-prefix", prefix, "--no-max-signals",
                  "--workers", "1", *args)


# ---------------------------------------------------------------- the workload

HOSTS = 40
EVENTS_PER_HOST = 150
BATCH = 25


def workload():
    """Per host, its events in time order: file opens of paths drawn from a
    per-host set, so that terms repeat; each host's events go through one
    sender, in order, as a host's shipper sends them."""
    per_host = []
    for h in range(HOSTS):
        events = []
        for i in range(EVENTS_PER_HOST):
            path = "/Users/u%d/secret/%d" % (h, (i * 7 + h) % (12 + h % 9))
            events.append(file_open_event("h%02d" % h, path, BASE_TIME + i * 60000 + h * 13, h * 10000 + i))
        per_host.append(events)
    return per_host


def sender_bodies(per_host, senders=4):
    """Each sender's requests, in order: its hosts' events interleaved by time."""
    bodies = []
    for s in range(senders):
        mine = [e for h in range(s, HOSTS, senders) for e in per_host[h]]
        mine.sort(key=lambda e: e["@timestamp"])
        bodies.append([bulk_body(mine[i:i + BATCH]) for i in range(0, len(mine), BATCH)])
    return bodies


def post(port, body, timeout=60):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", "/_bulk", body=body, headers={"Content-Type": "application/x-ndjson"})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, json.loads(data) if data else None
    finally:
        conn.close()


class Senders:
    """4 concurrent senders, each sending its requests in order, round-robin over
    the nodes; a request that gets no 2xx (connection cut, 429, 5xx) is sent
    again to the next node, as shippers do with a list of hosts."""

    def __init__(self, nodes, bodies, dead=None):
        self.nodes = nodes
        self.bodies = bodies
        self.dead = dead if dead is not None else set()
        self.sent = 0
        self.resent = 0
        self.refused = {}
        self.resent_event_ids = set()  # events of requests that had to be sent again
        self.acknowledged_by = {}  # event.id -> the port of the node that answered 2xx
        self.lock = threading.Lock()
        self.errors = []

    def run_one(self, k):
        try:
            turn = k
            for body in self.bodies[k]:
                attempts = 0
                while True:
                    target = self.nodes[turn % len(self.nodes)]
                    turn += 1
                    if target in self.dead:
                        continue
                    try:
                        status, answer = post(target.port, body)
                    except (OSError, http.client.HTTPException):
                        status, answer = None, None
                    if status == 200 and not answer["errors"]:
                        with self.lock:
                            self.sent += 1
                            for line in body.split(b"\n")[1::2]:
                                self.acknowledged_by[json.loads(line)["event"]["id"]] = target.port
                        break
                    with self.lock:
                        self.resent += 1
                        self.refused[status] = self.refused.get(status, 0) + 1
                        for line in body.split(b"\n")[1::2]:
                            self.resent_event_ids.add(json.loads(line)["event"]["id"])
                    attempts += 1
                    if attempts > 200:
                        raise RuntimeError("request never acknowledged (last status %s)" % status)
                    time.sleep(min(0.05 * attempts, 0.5))
        except Exception as e:  # reported by the test
            self.errors.append(repr(e))

    def run(self, during=None):
        threads = [threading.Thread(target=self.run_one, args=(k,)) for k in range(len(self.bodies))]
        for t in threads:
            t.start()
        if during:
            during(self)
        for t in threads:
            t.join()
        assert not self.errors, self.errors


def all_alerts(servers):
    alerts = []
    for s in servers:
        alerts += s.alerts()
    return alerts


REFERENCE = {}


def reference_ids(tmp, bodies):
    """The alert ids of one node with RocksDB over the same events (computed once)."""
    if "ids" not in REFERENCE:
        d = os.path.join(tmp, "rocksdb")
        os.makedirs(d)
        s = Server(d, "--no-max-signals", "--workers", "1")
        try:
            Senders([s], bodies).run()
            alerts = s.alerts()
        finally:
            s.stop()
        ids = [alert_id(a) for a in alerts]
        assert len(ids) == len(set(ids)) and len(ids) > 300, len(ids)
        REFERENCE["ids"] = ids
    return REFERENCE["ids"]


def check_same_alerts(servers, reference, victim=None, senders=None):
    """The alert ids of all nodes are the reference's, each once. With a node
    killed (victim), one case may repeat an id (docs/redis.md, "Delivery
    guarantee"): the victim committed a request and died before its answer
    arrived, so the request was sent again and another node wrote the same
    alert, same id. Such a repeat must be that case exactly: one copy in the
    victim's committed file, the event's request re-sent."""
    alerts = all_alerts(servers)
    ids = [alert_id(a) for a in alerts]
    missing = set(reference) - set(ids)
    extra = set(ids) - set(reference)
    assert not missing and not extra, "missing %d, extra %d" % (len(missing), len(extra))
    counts = {}
    for a in alerts:
        counts.setdefault(alert_id(a), []).append(a)
    repeated = {i: copies for i, copies in counts.items() if len(copies) > 1}
    if repeated:
        assert victim is not None, "duplicated alerts: %d" % len(repeated)
        victim_ids = {alert_id(a) for a in victim.alerts()}
        for i, copies in repeated.items():
            assert len(copies) == 2 and i in victim_ids, (i, len(copies))
            assert copies[0]["event"]["id"] in senders.resent_event_ids, i
        print("  %d alert(s) committed by the killed node just before it died, written again "
              "by the node its request was re-sent to (same id)" % len(repeated))


# ---------------------------------------------------------------- tests

def test_three_nodes_give_the_alerts_of_one(tmp):
    cluster = shared_cluster()
    bodies = sender_bodies(workload())
    reference = reference_ids(tmp, bodies)
    nodes = [node(tmp, "n%d" % i, cluster, "three") for i in range(3)]
    try:
        Senders(nodes, bodies).run()
        check_same_alerts(nodes, reference)
        stats = [n.stats() for n in nodes]
        for st in stats:
            assert st["events"]["evaluated"] > 0, st
            r = st["redis"]
            assert r["available"] and r["round_trips"] > 0 and r["errors"] == 0, r
            assert r["latency"]["decide"]["count"] > 0, r
        events = sum(st["events"]["evaluated"] for st in stats)
        trips = sum(st["redis"]["round_trips"] for st in stats)
        assert events == HOSTS * EVENTS_PER_HOST
        print("  %d events, %d Redis round trips (%.1f per 1000 events)" % (
            events, trips, 1000.0 * trips / events))
        metrics = nodes[0].request("GET", "/metrics")[2].decode()
        assert "picket_redis_round_trips_total" in metrics
        assert "picket_redis_decide_latency_seconds{quantile=\"0.99\"}" in metrics
    finally:
        for n in nodes:
            n.stop()


def test_node_killed_mid_stream_loses_and_repeats_nothing(tmp):
    cluster = shared_cluster()
    bodies = sender_bodies(workload())
    reference = reference_ids(tmp, bodies)
    nodes = [node(tmp, "n%d" % i, cluster, "kill9") for i in range(3)]
    victim = nodes[1]
    dead = set()

    def kill_mid_stream(senders):
        total = sum(len(b) for b in bodies)
        deadline = time.time() + 120
        while senders.sent < total // 3 and time.time() < deadline:
            time.sleep(0.005)
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait()
        # Not marked dead: senders keep trying it, as a shipper with a fixed
        # host list does, and re-send what it refuses to the next node, so
        # the re-send path runs even when no request was in flight at the kill.

    try:
        senders = Senders(nodes, bodies, dead)
        senders.run(during=kill_mid_stream)
        assert senders.resent > 0, "no request was re-sent"
        victim.stderr.close()
        victim.start()  # cuts its alert file back to its last commit
        victim.stop()
        check_same_alerts(nodes, reference, victim, senders)
    finally:
        for n in nodes:
            n.stop()


def test_redis_master_killed_mid_stream_with_wait(tmp):
    cluster = RedisCluster(os.path.join(tmp, "cluster"))
    try:
        bodies = sender_bodies(workload())
        reference = reference_ids(tmp, bodies)
        nodes = [node(tmp, "n%d" % i, cluster, "failover", "--redis-wait-replicas", "1",
                      "--redis-timeout", "3000") for i in range(3)]

        def kill_master(senders):
            total = sum(len(b) for b in bodies)
            deadline = time.time() + 120
            while senders.sent < total // 3 and time.time() < deadline:
                time.sleep(0.005)
            victim = cluster.masters()[0]
            cluster.kill(victim)
            # Its replica takes over (node timeout 1 s). That shard has no
            # replica left, so with WAIT its writes are refused (503) until
            # the dead node is back, as a replica: an operator's restart.
            deadline = time.time() + 30
            while len(cluster.masters()) < 3 and time.time() < deadline:
                time.sleep(0.1)
            time.sleep(1)
            cluster.restart(victim)

        try:
            senders = Senders(nodes, bodies)
            senders.run(during=kill_master)
            check_same_alerts(nodes, reference)
            failed = sum(n.stats()["redis"]["groups_failed"] for n in nodes)
            retried = sum(n.stats()["redis"]["retries"] for n in nodes)
            print("  %d groups answered 503 during the failover, %d calls retried, %d requests "
                  "re-sent" % (failed, retried, senders.resent))
            assert len(cluster.masters()) == 3  # the replica took over
            # The failover was felt: writes to the shard were refused (503,
            # WAIT with no replica) or retried until the restarted node
            # caught up, which within --redis-timeout depends on timing.
            assert senders.refused.get(503, 0) > 0 or retried > 0, (senders.refused, retried)
        finally:
            for n in nodes:
                n.stop()
    finally:
        cluster.stop()


def test_same_new_term_on_every_node_at_once_alerts_once(tmp):
    cluster = shared_cluster()
    nodes = [node(tmp, "n%d" % i, cluster, "race") for i in range(3)]
    try:
        terms = 30
        barrier = threading.Barrier(3)
        results = [[] for _ in nodes]

        def send(i):
            for t in range(terms):
                # A different event (its own event.id) with the same new term
                # and the same time on each node.
                e = file_open_event("race", "/Users/r/.aws/credentials-%d" % t, BASE_TIME + t, 100 * t + i)
                barrier.wait()
                results[i].append(post(nodes[i].port, bulk_body([e]))[0])

        threads = [threading.Thread(target=send, args=(i,)) for i in range(3)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert all(s == 200 for r in results for s in r), results
        alerts = all_alerts(nodes)
        per_term = {}
        for a in alerts:
            per_term[a["file"]["path"]] = per_term.get(a["file"]["path"], 0) + 1
        assert len(per_term) == terms and all(c == 1 for c in per_term.values()), per_term
        assert all(a["kibana.alert.rule.rule_id"] == CRED_RULE for a in alerts)
        # Every node won some.
        assert all(n.alerts() for n in nodes), [len(n.alerts()) for n in nodes]
    finally:
        for n in nodes:
            n.stop()


# An EQL sequence over the workload's file opens: per host, "1" then "2"
# within 10 minutes (the paths cycle, so most hosts complete it many times).
SEQUENCE_RULE = """[metadata]
creation_date = "2026/01/01"
maturity = "production"
updated_date = "2026/01/01"

[rule]
author = ["picket tests"]
description = "A file named 1 then a file named 2 opened on one host."
from = "now-1h"
index = ["logs-endpoint.events.file-*"]
language = "eql"
license = "Elastic License v2"
name = "Secret 1 then secret 2"
risk_score = 21
rule_id = "00000000-0000-0000-0000-00000000e001"
severity = "low"
type = "eql"
query = '''
sequence by host.id with maxspan=10m
  [file where event.action == "open" and file.name == "1"]
  [file where event.action == "open" and file.name == "2"]
'''
"""


def stateful_rules_dir(tmp):
    """The bundled rules and the sequence rule, in one directory."""
    d = os.path.join(tmp, "stateful_rules")
    if not os.path.isdir(d):
        os.makedirs(d)
        bundled = os.path.join(os.path.dirname(SCRIPT), "..", "rules", "macos")
        for name in os.listdir(bundled):
            with open(os.path.join(bundled, name)) as src, open(os.path.join(d, name), "w") as dst:
                dst.write(src.read())
        with open(os.path.join(d, "sequence.toml"), "w") as f:
            f.write(SEQUENCE_RULE)
    return d


def test_sequences_on_three_nodes_give_the_alerts_of_one(tmp):
    """Pending sequences live in the shared record store: a sequence started on
    one node completes on another, and three nodes write the sequence alerts
    (shells and building blocks, same ids) of one RocksDB node."""
    cluster = shared_cluster()
    rules = stateful_rules_dir(tmp)
    bodies = sender_bodies(workload())
    d = os.path.join(tmp, "rocksdb_sequences")
    os.makedirs(d)
    single = Server(d, "--no-max-signals", "--workers", "1", "--rules", rules)
    try:
        Senders([single], bodies).run()
        reference = [alert_id(a) for a in single.alerts()]
        kinds = {}
        for a in single.alerts():
            rule = a["kibana.alert.rule.rule_id"]
            kinds[rule] = kinds.get(rule, 0) + 1
    finally:
        single.stop()
    sequence_alerts = kinds.get("00000000-0000-0000-0000-00000000e001", 0)
    assert sequence_alerts > 100 and kinds.get(CRED_RULE, 0) > 300, kinds
    assert len(reference) == len(set(reference)), "the reference repeats an id"
    nodes = [node(tmp, "s%d" % i, cluster, "sequences", "--rules", rules) for i in range(3)]
    try:
        senders = Senders(nodes, bodies)
        senders.run()
        check_same_alerts(nodes, reference)
        # Sequences whose first event went to another node than the one that
        # wrote them (the node of their last event): state crossed nodes.
        crossed = 0
        for n in nodes:
            for a in n.alerts():
                if (a["kibana.alert.rule.rule_id"].endswith("e001")
                        and a.get("kibana.alert.group.index") == 0):
                    crossed += senders.acknowledged_by[a["event"]["id"]] != n.port
        print("  %d sequence alerts (shells and building blocks) over 3 nodes, as one node; "
              "%d sequences started on another node than the one that completed them" %
              (sequence_alerts, crossed))
        assert crossed > 0
    finally:
        for n in nodes:
            n.stop()


TESTS = [test_three_nodes_give_the_alerts_of_one,
         test_node_killed_mid_stream_loses_and_repeats_nothing,
         test_redis_master_killed_mid_stream_with_wait,
         test_same_new_term_on_every_node_at_once_alerts_once,
         test_sequences_on_three_nodes_give_the_alerts_of_one]

if __name__ == "__main__":
    try:
        code = run_tests(TESTS)
    finally:
        if "cluster" in SHARED:
            SHARED["cluster"].stop()
    sys.exit(code)
