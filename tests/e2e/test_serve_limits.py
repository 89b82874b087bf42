#!/usr/bin/python3
"""End-to-end tests of `picket serve`'s limits and availability (issue 16 items
5-10), each against a real server on loopback. Each case was reproduced on the
cpp-httplib server that picket had before (see docs/serve.md, "Limits"):

  body size while decoding (gzip, deflate, br, chunked) -> 413, memory bounded;
  truncated compressed bodies -> 400 with nothing applied;
  HTTP framing per RFC 9112 -> 400/411/431/501/505 at once, pipelining, 406 for
  form-encoded bodies; idle and slow clients never delay a bulk request;
  connection caps with idle eviction; the alert file of another program is
  never cut; different events never share an alert id.
Prints one line per test and "N passed, M failed"; exits 1 on failure.
"""
import gzip
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_support import (self_signed_cert, BASE_TIME, CRED_RULE, FILE_INDEX, PICKET, Server,  # noqa: E402
                           alert_id, bulk_body, file_open_event, peak_rss_kb, raw_request,
                           run_tests, statuses)

LIMIT = 1000000


def bomb_body(size):
    """An NDJSON bulk body of about `size` bytes of distinct small events."""
    one = bulk_body([file_open_event("bomb", "/b", BASE_TIME, 0)])
    return one * (size // len(one) + 1)


def evaluated(s):
    return s.stats()["events"]["evaluated"]


# ------------------------------------------------------------ item 5: size

def test_body_limit_holds_while_decoding(tmp):
    import brotli
    s = Server(tmp, "--max-body-bytes", str(LIMIT))
    try:
        body = bomb_body(20 << 20)
        compressed = {
            "gzip": gzip.compress(body, 9),
            "deflate": zlib.compress(body, 9),
            "br": brotli.compress(body, quality=11),
        }
        assert len(compressed["gzip"]) < 200000 and len(compressed["br"]) < 20000, \
            {k: len(v) for k, v in compressed.items()}
        for coding, data in compressed.items():
            status, headers, answer = s.bulk(data, headers={"Content-Encoding": coding})
            assert status == 413, (coding, status, str(answer)[:300])
            assert answer["error"]["type"] == "content_too_long_exception", answer
            assert str(LIMIT) in answer["error"]["reason"], answer
            assert headers.get("X-Elastic-Product") == "Elasticsearch"
        # A plain chunked body has no Content-Length to check up front.
        conn_body = bomb_body(5 << 20)
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
        conn.request("POST", "/_bulk", body=iter([conn_body[i:i + 65536]
                                                   for i in range(0, len(conn_body), 65536)]),
                     headers={"Content-Type": "application/x-ndjson"}, encode_chunked=True)
        try:
            resp = conn.getresponse()
            assert resp.status == 413, resp.status
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close while the client is still sending
        assert evaluated(s) == 0
        # 20 MB never became events in memory (the br body became 6M events
        # and 1.47 GB RSS before).
        assert peak_rss_kb(s.proc.pid) < 300 * 1024, peak_rss_kb(s.proc.pid)
        # Under the limit, compressed bodies are fine.
        small = bulk_body([file_open_event("ok", "/Users/u/.ssh/id", BASE_TIME, 1)])
        for coding, data in (("gzip", gzip.compress(small)), ("br", brotli.compress(small)),
                             ("deflate", zlib.compress(small))):
            status, _, answer = s.bulk(data, headers={"Content-Encoding": coding})
            assert status == 200 and not answer["errors"], (coding, answer)
        status, _, answer = s.bulk(small, headers={"Content-Encoding": "zstd"})
        assert status == 415, (status, answer)
    finally:
        s.stop()


# ------------------------------------------------------ item 6: truncation

def test_truncated_compressed_body_is_refused_whole(tmp):
    import brotli
    s = Server(tmp)
    try:
        events = [file_open_event("t", "/Users/u/.ssh/k%d" % i, BASE_TIME + i, i)
                  for i in range(200)]
        body = bulk_body(events)
        # Cut at a flush point: the first half decodes cleanly, no trailer.
        z = zlib.compressobj(9, zlib.DEFLATED, 16 + 15)
        half = z.compress(body[:len(body) // 2]) + z.flush(zlib.Z_SYNC_FLUSH)
        status, _, answer = s.bulk(half, headers={"Content-Encoding": "gzip"})
        assert status == 400, (status, answer)
        assert "truncated" in answer["error"]["reason"], answer
        br = brotli.compress(body)
        status, _, answer = s.bulk(br[:-3], headers={"Content-Encoding": "br"})
        assert status == 400, (status, answer)
        gz = gzip.compress(body)
        status, _, answer = s.bulk(gz[:-4], headers={"Content-Encoding": "gzip"})
        assert status == 400, (status, answer)
        assert evaluated(s) == 0 and s.alerts() == []
    finally:
        s.stop()


# --------------------------------------------------- item 7: HTTP framing

def request_bytes(head_lines, body=b""):
    return ("\r\n".join(head_lines) + "\r\n\r\n").encode() + body


def test_framing_errors_answered_at_once(tmp):
    s = Server(tmp)
    try:
        good = bulk_body([file_open_event("f", "/x", BASE_TIME, 1)])
        n = str(len(good))
        base = ["POST /_bulk HTTP/1.1", "Host: x", "Content-Type: application/x-ndjson"]
        cases = [
            ("conflicting Content-Length", base + ["Content-Length: " + n,
                                                   "Content-Length: " + str(len(good) + 1)], good, 400),
            ("Content-Length list", base + ["Content-Length: %s, %d" % (n, len(good) + 1)], good, 400),
            ("Transfer-Encoding and Content-Length",
             base + ["Transfer-Encoding: chunked", "Content-Length: " + n], good, 400),
            ("negative Content-Length", base + ["Content-Length: -1"], good, 400),
            ("overflowing Content-Length", base + ["Content-Length: 99999999999999999999999"],
             good, 400),
            ("signed Content-Length", base + ["Content-Length: +%s" % n], good, 400),
            ("negative chunk size", base + ["Transfer-Encoding: chunked"],
             b"-5\r\nabcde\r\n0\r\n\r\n", 400),
            ("overflowing chunk size", base + ["Transfer-Encoding: chunked"],
             b"fffffffffffffffffffffff\r\nab\r\n0\r\n\r\n", 400),
            ("chunked not final", base + ["Transfer-Encoding: chunked, gzip"], good, 400),
            ("unknown transfer coding", base + ["Transfer-Encoding: gzip, chunked"],
             b"0\r\n\r\n", 501),
            ("Transfer-Encoding in HTTP/1.0",
             ["POST /_bulk HTTP/1.0", "Content-Type: application/x-ndjson",
              "Transfer-Encoding: chunked"], b"0\r\n\r\n", 400),
            ("no Host", ["POST /_bulk HTTP/1.1", "Content-Type: application/x-ndjson",
                         "Content-Length: " + n], good, 400),
            ("two Hosts", base + ["Host: y", "Content-Length: " + n], good, 400),
            ("space before colon", ["POST /_bulk HTTP/1.1", "Host : x",
                                    "Content-Length: " + n], good, 400),
            ("HTTP/2.0 request line", ["GET / HTTP/2.0", "Host: x"], b"", 505),
            ("header over 16 KiB", ["GET / HTTP/1.1", "Host: x", "X-Big: " + "a" * 20000], b"", 431),
            ("garbage request line", ["THIS IS NOT HTTP"], b"", 400),
        ]
        for name, head, body, want in cases:
            secs, raw = raw_request(s.port, request_bytes(head, body), timeout=5)
            got = statuses(raw)
            assert got == [want], (name, got, raw[:300])
            assert secs < 2.5, (name, secs)  # answered and closed at once, no hang
            assert b"X-Elastic-Product: Elasticsearch" in raw, name
        assert evaluated(s) == 0
        assert s.proc.poll() is None
    finally:
        s.stop()


def test_post_without_length_is_answered(tmp):
    # RFC 9112 6.3 rule 7: no Content-Length and no Transfer-Encoding means
    # an empty body. It was evaluated and never answered before.
    s = Server(tmp)
    try:
        good = bulk_body([file_open_event("n", "/Users/u/.ssh/x", BASE_TIME, 1)])
        head = ["POST /_bulk HTTP/1.1", "Host: x", "Content-Type: application/x-ndjson"]
        secs, raw = raw_request(s.port, request_bytes(head, good), timeout=5)
        codes = statuses(raw)
        assert codes and codes[0] == 400, raw[:300]
        assert b"request body is required" in raw, raw[:400]
        assert secs < 2.5, secs
        assert evaluated(s) == 0 and s.alerts() == []
    finally:
        s.stop()


def test_pipelined_requests_all_answered_in_order(tmp):
    s = Server(tmp)
    try:
        data = b""
        for i in range(3):
            body = bulk_body([file_open_event("p", "/Users/u/.ssh/p%d" % i, BASE_TIME + i, i)])
            data += request_bytes(["POST /_bulk HTTP/1.1", "Host: x",
                                   "Content-Type: application/x-ndjson",
                                   "Content-Length: %d" % len(body)], body)
        data += request_bytes(["GET /_cluster/health HTTP/1.1", "Host: x"])
        data += request_bytes(["GET / HTTP/1.1", "Host: x", "Connection: close"])
        secs, raw = raw_request(s.port, data, timeout=10)
        assert statuses(raw) == [200] * 5, raw[:500]
        assert raw.count(b'"errors":false') == 3
        assert raw.index(b'"status":"green"') < raw.index(b'"tagline"')
        assert len(s.alerts()) == 3
    finally:
        s.stop()


def test_form_encoded_body_gets_elasticsearch_406(tmp):
    # curl -d sends application/x-www-form-urlencoded; Elasticsearch answers
    # 406. Over 8 KiB picket said 413 with a limit that was not its own.
    s = Server(tmp)
    try:
        for size in (100, 9000, 200000):
            body = bomb_body(size)
            status, headers, data = s.request(
                "POST", "/_bulk", body, {"Content-Type": "application/x-www-form-urlencoded"})
            answer = json.loads(data)
            assert status == 406, (size, status, answer)
            assert answer == {"error": "Content-Type header [application/x-www-form-urlencoded] "
                                       "is not supported", "status": 406}, answer
            assert headers.get("X-Elastic-Product") == "Elasticsearch"
        head = ["POST /_bulk HTTP/1.1", "Host: x", "Content-Length: 2"]
        secs, raw = raw_request(s.port, request_bytes(head, b"{}"), timeout=5)
        assert statuses(raw) == [406] and b"Content-Type header is missing" in raw, raw
        # The media types clients send for bulk bodies are all accepted.
        body = bulk_body([file_open_event("m", "/m", BASE_TIME, 1)])
        for ctype in ("application/json", "application/x-ndjson; charset=UTF-8",
                      "application/vnd.elasticsearch+x-ndjson; compatible-with=8"):
            status, _, answer = s.bulk(body, headers={"Content-Type": ctype})
            assert status == 200, (ctype, status, answer)
        assert evaluated(s) == 3
    finally:
        s.stop()


def test_expect_continue(tmp):
    s = Server(tmp, "--max-body-bytes", "1000")
    try:
        # Over the limit by Content-Length: 413 at once, no 100, body unread.
        head = ["POST /_bulk HTTP/1.1", "Host: x", "Content-Type: application/x-ndjson",
                "Content-Length: 5000", "Expect: 100-continue"]
        secs, raw = raw_request(s.port, request_bytes(head), timeout=5)
        assert statuses(raw) == [413], raw
        assert secs < 2.5
        # Within the limit: 100 Continue, then the answer.
        body = bulk_body([file_open_event("e", "/e", BASE_TIME, 1)])
        head = ["POST /_bulk HTTP/1.1", "Host: x", "Content-Type: application/x-ndjson",
                "Content-Length: %d" % len(body), "Expect: 100-continue"]
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        sock.sendall(request_bytes(head))
        interim = sock.recv(1000)
        assert statuses(interim) == [100], interim
        sock.sendall(body)
        answer = b""
        while b'"items"' not in answer:
            answer += sock.recv(65536)
        sock.close()
        assert statuses(answer) == [200], answer
    finally:
        s.stop()


# --------------------------------------------------- item 8: availability

def timed_bulk(s, host="legit", path="/Users/u/.ssh/legit"):
    body = bulk_body([file_open_event(host, path, BASE_TIME, 1)])
    start = time.time()
    status, _, answer = s.bulk(body)
    return time.time() - start, status, answer


def test_idle_keepalive_connections_do_not_delay_bulk(tmp):
    # 40 idle keep-alive connections delayed a bulk request by 23.5 s with
    # the default 8 HTTP threads.
    s = Server(tmp)
    socks = []
    try:
        for _ in range(40):
            sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
            sock.sendall(request_bytes(["GET / HTTP/1.1", "Host: x"]))
            assert statuses(sock.recv(65536)) == [200]
            socks.append(sock)  # kept open, idle
        for _ in range(20):  # and some that never sent anything
            socks.append(socket.create_connection(("127.0.0.1", s.port), timeout=10))
        secs, status, answer = timed_bulk(s)
        assert status == 200 and not answer["errors"], answer
        assert secs < 1.5, secs
        assert s.stats()["http"]["connections_open"] >= 60
    finally:
        for sock in socks:
            sock.close()
        s.stop()


def trickle(port, stop, data, interval, tls_context=None):
    """Sends `data` one byte every `interval` seconds until the server
    closes or `stop` is set; returns seconds until the server closed it."""
    start = time.time()
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        for b in data:
            if stop.is_set():
                return None
            try:
                sock.sendall(bytes([b]))
            except OSError:
                return time.time() - start
            sock.settimeout(interval)
            try:
                if sock.recv(1) == b"":
                    return time.time() - start
            except socket.timeout:
                pass
            except OSError:
                return time.time() - start
        return None
    finally:
        sock.close()


def test_slow_clients_do_not_block_ingest_and_hit_the_request_deadline(tmp):
    # Two clients trickling a byte every 3 s blocked ingest for 41 s.
    s = Server(tmp, "--read-timeout", "8")
    stop = threading.Event()
    results = []
    try:
        request = request_bytes(["POST /_bulk HTTP/1.1", "Host: x",
                                  "Content-Type: application/x-ndjson", "Content-Length: 100"])
        request += b"x" * 100
        threads = [threading.Thread(target=lambda: results.append(
            trickle(s.port, stop, request, 0.5))) for _ in range(2)]
        for t in threads:
            t.start()
        time.sleep(1)
        secs, status, answer = timed_bulk(s)
        assert status == 200 and not answer["errors"], answer
        # Blocked ingest would wait for the slow requests' 8 s deadline; the
        # margin below it absorbs a loaded CI machine.
        assert secs < 4, secs
        for t in threads:
            t.join(timeout=25)
        # Bytes kept coming, but the whole request had 8 s.
        assert len(results) == 2 and all(r is not None and r < 11 for r in results), results
        assert s.stats()["http"]["timed_out"] >= 2
    finally:
        stop.set()
        s.stop()


def test_slow_tls_handshakes_do_not_block_ingest(tmp):
    cert, key = self_signed_cert(tmp)
    s = Server(tmp, "--tls-cert", cert, "--tls-key", key, "--read-timeout", "8")
    stop = threading.Event()
    results = []
    try:
        # The start of a real ClientHello, a byte at a time.
        hello = ssl.create_default_context()
        hello.check_hostname = False
        hello.verify_mode = ssl.CERT_NONE
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = hello.wrap_bio(incoming, outgoing)
        try:
            obj.do_handshake()
        except ssl.SSLWantReadError:
            pass
        client_hello = outgoing.read()
        threads = [threading.Thread(target=lambda: results.append(
            trickle(s.port, stop, client_hello, 0.5))) for _ in range(2)]
        for t in threads:
            t.start()
        time.sleep(1)
        ctx = ssl.create_default_context(cafile=cert)
        ctx.check_hostname = False
        import http.client
        start = time.time()
        conn = http.client.HTTPSConnection("127.0.0.1", s.port, context=ctx, timeout=30)
        body = bulk_body([file_open_event("tls", "/Users/u/.ssh/t", BASE_TIME, 1)])
        conn.request("POST", "/_bulk", body=body, headers={"Content-Type": "application/x-ndjson"})
        resp = conn.getresponse()
        answer = json.loads(resp.read())
        assert resp.status == 200 and not answer["errors"], answer
        assert time.time() - start < 4, time.time() - start
        for t in threads:
            t.join(timeout=25)
        assert len(results) == 2 and all(r is not None and r < 11 for r in results), results
    finally:
        stop.set()
        s.stop()


def test_connection_caps_evict_idle_and_refuse_busy(tmp):
    s = Server(tmp, "--max-client-connections", "4")
    socks = []
    try:
        # Four idle connections: a fifth client connection takes the place
        # of the longest-idle one.
        for _ in range(4):
            sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
            sock.sendall(request_bytes(["GET / HTTP/1.1", "Host: x"]))
            assert statuses(sock.recv(65536)) == [200]
            socks.append(sock)
            # The server marks a connection idle when its write completes,
            # which can follow the client's read; space the four out so
            # "longest idle" is unambiguous.
            time.sleep(0.2)
        secs, status, answer = timed_bulk(s)
        assert status == 200, answer
        assert s.stats()["http"]["connections_evicted"] >= 1
        first = socks[0]
        first.settimeout(2)
        assert first.recv(10) == b""  # the longest-idle was closed
        for sock in socks:
            sock.close()
        socks = []
        time.sleep(0.2)
        # Four busy connections (a request under way on each): the fifth is
        # refused with 429, which shippers retry.
        for _ in range(4):
            sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
            sock.sendall(b"POST /_bulk HTTP/1.1\r\nHost: x\r\n")
            socks.append(sock)
        time.sleep(0.3)
        secs, raw = raw_request(s.port, request_bytes(["GET / HTTP/1.1", "Host: x"]), timeout=5)
        assert statuses(raw) == [429], raw
        assert b"--max-client-connections 4" in raw, raw
        for sock in socks:
            sock.close()
        time.sleep(0.3)
        secs, status, answer = timed_bulk(s, path="/Users/u/.ssh/after")
        assert status == 200, answer
    finally:
        for sock in socks:
            sock.close()
        s.stop()


# ------------------------------------------- item 9: foreign alert files

def test_never_cuts_an_alert_file_it_did_not_write(tmp):
    alerts = os.path.join(tmp, "alerts.ndjson")
    s = Server(tmp, "--alerts", alerts)
    try:
        assert s.bulk(bulk_body([file_open_event("a", "/Users/u/.ssh/a", BASE_TIME, 1)]))[0] == 200
        assert len(s.alerts()) == 1
    finally:
        assert s.stop() == 0
    # Another program's 1.29 MB file now sits at that path.
    os.remove(alerts)
    foreign = b"".join(b'{"other":"program","n":%d}\n' % i for i in range(50000))
    assert len(foreign) > 1290000
    with open(alerts, "wb") as f:
        f.write(foreign)
    port_file = os.path.join(tmp, "port")
    os.remove(port_file)
    r = subprocess.run([PICKET, "serve", "--listen", "127.0.0.1:0", "--port-file", port_file,
                        "--state-dir", tmp, "--alerts", alerts], capture_output=True, timeout=60)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert b"refusing to use alert file" in r.stderr, r.stderr
    assert open(alerts, "rb").read() == foreign


# ----------------------------------------------------- item 10: alert ids

QUERY_RULE = """
[metadata]
creation_date = "2026/01/01"
maturity = "production"
updated_date = "2026/01/01"

[rule]
author = ["picket tests"]
description = "Python opened a file on macOS."
from = "now-9m"
index = ["logs-endpoint.events.file-*"]
language = "kuery"
license = "Elastic License v2"
name = "Python file open"
risk_score = 21
rule_id = "5b0c7f5e-0000-4000-8000-000000000010"
severity = "low"
type = "query"
query = 'event.action:open and process.name:python*'
"""


def test_different_events_under_one_id_get_different_alert_ids(tmp):
    # Three different events sent with the same _index/_id got one alert
    # uuid; Elasticsearch (create with that uuid as _id) kept only the first.
    rules = os.path.join(tmp, "rules")
    os.makedirs(rules)
    with open(os.path.join(rules, "query.toml"), "w") as f:
        f.write(QUERY_RULE)
    events = [file_open_event("dup", "/Users/u/notes%d.txt" % i, BASE_TIME + i, i)
              for i in range(3)]
    lines = []
    for e in events:
        lines.append(json.dumps({"create": {"_index": FILE_INDEX, "_id": "same-id"}}))
        lines.append(json.dumps(e))
    body = ("\n".join(lines) + "\n").encode()
    ids = []
    for run in range(2):
        state = os.path.join(tmp, "state%d" % run)
        os.makedirs(state)
        s = Server(state, "--rules", rules)
        try:
            # Run 0: all three; run 1: a replay of the first one alone.
            status, _, answer = s.bulk(body if run == 0 else ("\n".join(lines[:2]) + "\n").encode())
            assert status == 200 and not answer["errors"], answer
            ids.append([alert_id(a) for a in s.alerts()])
        finally:
            s.stop()
    assert len(ids[0]) == 3 and len(set(ids[0])) == 3, ids[0]
    assert ids[1] == ids[0][:1], ids  # the same event keeps its id


TESTS = [test_body_limit_holds_while_decoding, test_truncated_compressed_body_is_refused_whole,
         test_framing_errors_answered_at_once, test_post_without_length_is_answered,
         test_pipelined_requests_all_answered_in_order, test_form_encoded_body_gets_elasticsearch_406,
         test_expect_continue, test_idle_keepalive_connections_do_not_delay_bulk,
         test_slow_clients_do_not_block_ingest_and_hit_the_request_deadline,
         test_slow_tls_handshakes_do_not_block_ingest,
         test_connection_caps_evict_idle_and_refuse_busy,
         test_never_cuts_an_alert_file_it_did_not_write,
         test_different_events_under_one_id_get_different_alert_ids]

if __name__ == "__main__":
    sys.exit(run_tests(TESTS))
