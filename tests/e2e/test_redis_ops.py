#!/usr/bin/python3
"""End-to-end tests of `picket serve --state redis://...` operations (docs/redis.md),
on real local Redis Clusters (scripts/redis-cluster.sh); the acceptance tests
of several nodes are in test_redis_serve.py, whose helpers these use:

  * Redis unreachable: _bulk and /_picket/health answer 503, and ingest resumes
    when it is back; stats and metrics carry the Redis figures;
  * TLS and an ACL user with only the rights picket needs, a wrong password;
  * a state directory keeps one kind of state;
  * the README's scale-out demo, exactly as written.
Prints one line per test and a final "N passed, M failed"; exits 1 on failure.
"""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_support import BASE_TIME, Server, bulk_body, file_open_event, run_tests  # noqa: E402
from test_redis_serve import SHARED, RedisCluster, node, post, shared_cluster  # noqa: E402


def test_redis_unreachable_answers_503_then_recovers(tmp):
    cluster = RedisCluster(os.path.join(tmp, "cluster"))
    try:
        s = node(tmp, "n", cluster, "outage", "--redis-timeout", "1000")
        try:
            first = [file_open_event("o", "/Users/o/.ssh/id_rsa", BASE_TIME, 1)]
            assert post(s.port, bulk_body(first))[0] == 200
            cluster.signal_all(signal.SIGSTOP)  # Redis answers nothing
            try:
                status, answer = post(s.port, bulk_body([file_open_event("o", "/p/1", BASE_TIME + 1, 2)]))
                assert status == 503, (status, answer)
                assert answer["error"]["type"] == "picket_unavailable_exception", answer
                # Refused at once while Redis is known to be down.
                start = time.time()
                status, _ = post(s.port, bulk_body([file_open_event("o", "/p/2", BASE_TIME + 2, 3)]))
                assert status == 503 and time.time() - start < 0.5
                assert s.request("GET", "/_picket/health")[0] == 503
                st = s.stats()["redis"]
                assert not st["available"] and st["groups_failed"] >= 1, st
                metrics = s.request("GET", "/metrics")[2].decode()
                assert "picket_redis_available 0" in metrics
            finally:
                cluster.signal_all(signal.SIGCONT)
            assert cluster.wait_healthy()
            deadline = time.time() + 30
            again = [file_open_event("o", "/p/1", BASE_TIME + 1, 2)]
            while True:  # the shipper re-sends until accepted
                status, answer = post(s.port, bulk_body(again))
                if status == 200 or time.time() > deadline:
                    break
                time.sleep(0.3)
            assert status == 200 and not answer["errors"], (status, answer)
            assert s.request("GET", "/_picket/health")[0] == 200
            paths = sorted(a["file"]["path"] for a in s.alerts())
            assert paths == ["/Users/o/.ssh/id_rsa", "/p/1"], paths
        finally:
            s.stop()
    finally:
        cluster.stop()


def test_tls_and_acl_user(tmp):
    password = os.path.join(tmp, "redis.pass")
    with open(password, "w") as f:
        f.write("s3cret pass\n")
    cluster = RedisCluster(os.path.join(tmp, "cluster"), "--tls", "--user", "picket",
                           "--password-file", password)
    try:
        d = os.path.join(tmp, "n")
        os.makedirs(d)
        s = Server(d, "--state", cluster.url, "--redis-user", "picket", "--redis-password-file",
                   password, "--redis-tls-ca", os.path.join(cluster.dir, "tls", "ca.crt"))
        try:
            events = [file_open_event("t", "/Users/t/.aws/credentials", BASE_TIME, 1),
                      file_open_event("t", "/Users/t/.aws/credentials", BASE_TIME + 5, 2)]
            status, answer = post(s.port, bulk_body(events))
            assert status == 200 and not answer["errors"], answer
            assert len(s.alerts()) == 1
        finally:
            s.stop()
        # A wrong password is a clear start-up error (exit 2).
        bad = os.path.join(tmp, "bad.pass")
        with open(bad, "w") as f:
            f.write("nope\n")
        proc = subprocess.run([os.environ.get("PICKET", "build/picket"), "serve", "--listen",
                               "127.0.0.1:0", "--state-dir", os.path.join(tmp, "bad"), "--state",
                               cluster.url, "--redis-user", "picket", "--redis-password-file", bad,
                               "--redis-tls-ca", os.path.join(cluster.dir, "tls", "ca.crt"),
                               "--redis-timeout", "500"],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2 and "WRONGPASS" in proc.stderr, (proc.returncode, proc.stderr)
    finally:
        cluster.stop()


def test_state_dir_keeps_one_kind_of_state(tmp):
    cluster = shared_cluster()
    local = Server(tmp)  # RocksDB state in tmp
    assert post(local.port, bulk_body([file_open_event("k", "/x", BASE_TIME, 1)]))[0] == 200
    local.stop()
    proc = subprocess.run([os.environ.get("PICKET", "build/picket"), "serve", "--listen",
                           "127.0.0.1:0", "--state-dir", tmp, "--state", cluster.url],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "holds local state" in proc.stderr, proc.stderr


def test_readme_scale_out_demo(tmp):
    # README.md, "Scale-out on one machine", exactly as written.
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(os.path.abspath(os.environ.get("PICKET", "build/picket"))) + \
        os.pathsep + env["PATH"]
    readme = open(os.path.join(root, "README.md")).read()
    assert "\n    scripts/scale-out-demo.sh\n" in readme
    proc = subprocess.run(["bash", "-c", "scripts/scale-out-demo.sh"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "wrote the same" in proc.stdout and "as `picket run`" in proc.stdout, proc.stdout


TESTS = [test_redis_unreachable_answers_503_then_recovers,
         test_tls_and_acl_user,
         test_state_dir_keeps_one_kind_of_state,
         test_readme_scale_out_demo]

if __name__ == "__main__":
    try:
        code = run_tests(TESTS)
    finally:
        if "cluster" in SHARED:
            SHARED["cluster"].stop()
    sys.exit(code)
