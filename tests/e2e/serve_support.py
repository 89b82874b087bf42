"""Shared helpers of the `picket serve` end-to-end tests (tests/e2e/test_serve*.py):
a server started on loopback with its own state directory, Elastic Defend-shaped
macOS file events, bulk bodies, raw HTTP over a socket, and the test runner.
Not a test itself (no test_ prefix)."""
import gzip
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

PICKET = os.environ.get("PICKET", "build/picket")
CRED_RULE = "03b150d9-9280-4eb8-9906-38cfb6184666"  # python sensitive file access
FILE_INDEX = "logs-endpoint.events.file-default"
BASE_TIME = 1772323200000  # 2026-03-01T00:00:00Z


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + ".%03dZ" % (ms % 1000)


def file_open_event(host, path, ms, seq):
    """A macOS Elastic Defend file open by python (matches the credential rule)."""
    return {
        "@timestamp": iso(ms),
        "event": {"action": "open", "category": ["file"], "type": ["access"], "kind": "event",
                  "id": "ev-%s-%d" % (host, seq), "ingested": iso(ms + 1000),
                  "dataset": "endpoint.events.file", "module": "endpoint"},
        "host": {"id": "hid-" + host, "name": host, "os": {"type": "macos", "name": "macOS"}},
        "process": {"name": "python3", "executable": "/usr/bin/python3", "pid": 100 + seq},
        "file": {"path": path, "name": path.rsplit("/", 1)[-1]},
        "data_stream": {"type": "logs", "dataset": "endpoint.events.file", "namespace": "default"},
    }


# An EQL sequence rule: python3 starts, then the host connects to port 4444.
SEQUENCE_RULE = """[metadata]
creation_date = "2026/03/01"
maturity = "production"
updated_date = "2026/03/01"

[rule]
author = ["picket"]
description = "Python starts, then the host connects to port 4444."
from = "now-9m"
index = ["logs-endpoint.events.*"]
language = "eql"
license = "Elastic License v2"
name = "Python then port 4444"
risk_score = 47
rule_id = "aaaaaaaa-1111-2222-3333-444444444444"
severity = "medium"
tags = ["OS: macOS"]
timestamp_override = "event.ingested"
type = "eql"
query = '''
sequence by host.id with maxspan=1m
  [process where process.name == "python3"]
  [network where destination.port == 4444]
'''
"""


def sequence_events(host, ms, n):
    """A python3 process start on `host` at `ms`, and its connection to port
    4444 a second later: one sequence of SEQUENCE_RULE."""
    proc = {"@timestamp": iso(ms), "event": {"category": ["process"], "type": ["start"],
                                             "id": "p-%s-%d" % (host, n), "ingested": iso(ms + 500)},
            "host": {"id": host}, "process": {"name": "python3", "pid": n}}
    net = {"@timestamp": iso(ms + 1000), "event": {"category": ["network"], "type": ["start"],
                                                   "id": "n-%s-%d" % (host, n),
                                                   "ingested": iso(ms + 1500)},
           "host": {"id": host}, "destination": {"port": 4444}}
    return proc, net


def bulk_body(events, index=FILE_INDEX, op="create"):
    lines = []
    for e in events:
        lines.append(json.dumps({op: {"_index": index}}))
        lines.append(json.dumps(e))
    return ("\n".join(lines) + "\n").encode()


class Server:
    def __init__(self, state_dir, *args):
        self.state_dir = state_dir
        self.args = list(args)
        self.start()

    def start(self):
        port_file = os.path.join(self.state_dir, "port")
        if os.path.exists(port_file):
            os.remove(port_file)
        self.stderr = open(os.path.join(self.state_dir, "stderr.log"), "ab")
        self.proc = subprocess.Popen(
            [PICKET, "serve", "--listen", "127.0.0.1:0", "--port-file", port_file,
             "--state-dir", self.state_dir] + self.args,
            stdout=subprocess.DEVNULL, stderr=self.stderr)
        deadline = time.time() + 30
        while time.time() < deadline:
            if os.path.exists(port_file):
                self.port = int(open(port_file).read())
                return
            if self.proc.poll() is not None:
                raise RuntimeError("picket serve exited with %d: %s" % (
                    self.proc.returncode, open(os.path.join(self.state_dir, "stderr.log")).read()))
            time.sleep(0.05)
        raise RuntimeError("picket serve did not start")

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)
        self.stderr.close()
        return self.proc.returncode

    def request(self, method, path, body=None, headers=None):
        req = urllib.request.Request(self.url + path, data=body, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def bulk(self, body, path="/_bulk", headers=None):
        h = {"Content-Type": "application/x-ndjson"}
        h.update(headers or {})
        status, hdrs, data = self.request("POST", path, body, h)
        return status, hdrs, json.loads(data) if data else None

    def alerts(self):
        path = os.path.join(self.state_dir, "alerts.ndjson")
        if not os.path.exists(path):
            return []
        return [json.loads(l) for l in open(path) if l.strip()]

    def stats(self):
        return json.loads(self.request("GET", "/_picket/stats")[2])


def ship_and_kill9(server, bodies, kill_after):
    """Sends `bodies` one request at a time from a thread, kills the server
    with SIGKILL once `kill_after` requests were acknowledged (mid-stream),
    and returns the numbers of the acknowledged requests. The server's
    stderr is closed; call server.start() to restart it."""
    import threading
    acked = []
    stop = threading.Event()

    def shipper():
        for n, body in enumerate(bodies):
            if stop.is_set():
                return
            try:
                status, _, answer = server.bulk(body)
            except Exception:
                return
            if status == 200 and not answer["errors"]:
                acked.append(n)
    th = threading.Thread(target=shipper)
    th.start()
    deadline = time.time() + 60
    while len(acked) < kill_after and time.time() < deadline and th.is_alive():
        time.sleep(0.001)
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait()
    stop.set()
    th.join()
    server.stderr.close()
    assert 0 < len(acked) < len(bodies), len(acked)
    return acked


def resend_after_restart(server, bodies, acked):
    """What a shipper sends again after the restart: every request not
    acknowledged, and (not knowing) the last acknowledged one too."""
    for n in range(len(bodies)):
        if n not in acked or n == max(acked):
            status, _, answer = server.bulk(bodies[n])
            assert status == 200 and not answer["errors"], answer


def alert_id(a):
    return a.get("kibana.alert.uuid")


def alert_terms(a):
    return tuple(a.get("kibana.alert.new_terms") or [])



def raw_request(port, data, timeout=10, read_until_close=True):
    """Sends raw bytes and returns (seconds, raw answer bytes). Reads until the
    server closes or `timeout` passes (then the answer is what came so far)."""
    start = time.time()
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        sock.sendall(data)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            if not read_until_close:
                break
        return time.time() - start, b"".join(chunks)
    finally:
        sock.close()


def statuses(raw):
    """The status codes of the HTTP responses in `raw`, in order (1xx included).
    A response's status line follows the previous body directly."""
    return [int(m) for m in re.findall(rb"HTTP/1\.[01] (\d{3}) ", raw)]


def self_signed_cert(tmp):
    """A throwaway certificate and key for 127.0.0.1; returns their paths."""
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def peak_rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def run_tests(tests):
    only = sys.argv[1:]
    passed = failed = 0
    for test in tests:
        if only and test.__name__ not in only:
            continue
        tmp = tempfile.mkdtemp(prefix="picket_serve_e2e_")
        start = time.time()
        try:
            test(tmp)
            passed += 1
            print("PASS %s (%.1fs)" % (test.__name__, time.time() - start), flush=True)
            shutil.rmtree(tmp, ignore_errors=True)
        except Exception:
            failed += 1
            print("FAIL %s (state kept in %s)" % (test.__name__, tmp), flush=True)
            traceback.print_exc()
            log = os.path.join(tmp, "stderr.log")
            if os.path.exists(log):
                print(open(log, errors="replace").read()[-2000:])
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


