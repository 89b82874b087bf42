#!/usr/bin/python3
"""Runs every picket example of README.md and of every subcommand's --help,
exactly as written, and checks that each does what the docs say.

Examples are read from the documents themselves, never from a list kept
here: in README.md, every line of a code block (indented or fenced) that
runs `picket` (first word, or after a pipe); in `picket --help` and each
`picket <command> --help`, every line of the "Examples:" section. A trailing
shell comment `# exit N...` states the expected exit status; otherwise it is
0.

Each example runs with `bash -c` (pipes and redirections as written), `picket`
first on PATH, stdin from /dev/null, in a fresh copy of a scratch directory
that holds what the examples name:
  telemetry/            the bundled demo telemetry (data/demo/events.ndjson)
  events.ndjson(.gz)    the same events, plain and gzip
  rules/macos/, emulations/   the bundled rule pack and its emulations
  models/               model files generated here (a pickle, a NumPy array)
  mapping.json          an Elasticsearch mapping (tests/data/mappings/)
  detection-rules/      Elastic's detection-rules snapshot (../shared/upstream)
`picket serve` examples run in a private network namespace (unshare -rn), so
their port is theirs; the test sends the demo events to their _bulk API,
stops them with SIGTERM and expects exit 0 and alerts.

Besides the exit status, outputs are checked by what the command line asks
for: --count prints one number (non-zero when an event matched), --fields
prints objects with only those keys, -q prints nothing, -m N at most N
lines, --format json/sarif and *.json/*.sarif/*.ndjson/*.xml outputs parse
as such, `run` alerts are Kibana-shaped.
Prints one line per example and "N passed, M failed"; exits 1 on failure.
"""
import gzip
import json
import os
import pickle
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PICKET = os.path.abspath(os.environ.get("PICKET", os.path.join(ROOT, "build", "picket")))
SHARED = os.environ.get("PICKET_SHARED", os.path.join(ROOT, "..", "shared"))
TIMEOUT = 300


# ------------------------------------------------------------ examples

def readme_examples(path):
    """Command lines running picket in README code blocks."""
    out = []
    in_fence = False
    prev_blank = True
    in_indented = False
    for raw in open(path, encoding="utf-8"):
        line = raw.rstrip("\n")
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        if not in_fence:
            if line.startswith("    ") and (prev_blank or in_indented):
                in_indented = True
            elif line.strip():
                in_indented = False
            prev_blank = not line.strip()
        if (in_fence or in_indented) and runs_picket(line.strip()):
            out.append(("README.md", line.strip()))
    return out


def runs_picket(cmd):
    return bool(re.match(r"picket\s", cmd + " ")) or bool(re.search(r"\|\s*picket\s", cmd))


def help_text(args):
    r = subprocess.run([PICKET] + args + ["--help"], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("picket %s --help exited %d" % (" ".join(args), r.returncode))
    return r.stdout


def help_examples():
    """(source, command) for every line of each --help's Examples section."""
    top = help_text([])
    commands = []
    in_list = False
    for line in top.splitlines():
        if line.strip() == "Subcommands:":
            in_list = True
            continue
        if in_list:
            if not line.strip():
                break
            m = re.match(r"  (\S+)", line)  # continuation lines are indented further
            if m:
                commands.append(m.group(1))
    if len(commands) < 8:
        raise RuntimeError("picket --help lists only %s" % commands)
    out = []
    for name, text in [("picket --help", top)] + [
            ("picket %s --help" % c, help_text([c])) for c in commands]:
        in_examples = False
        for line in text.splitlines():
            if line.strip() == "Examples:":
                in_examples = True
                continue
            if in_examples:
                if not line.startswith("  "):
                    in_examples = False
                    continue
                out.append((name, line.strip()))
    return commands, out


def expected_status(cmd):
    m = re.search(r"#\s*exits?\s+(\d)", cmd)
    return int(m.group(1)) if m else 0


# ------------------------------------------------------------ scratch set-up

def make_scratch(base):
    demo = os.path.join(ROOT, "data", "demo", "events.ndjson")
    os.makedirs(os.path.join(base, "telemetry"))
    shutil.copy(demo, os.path.join(base, "telemetry", "demo.ndjson"))
    shutil.copy(demo, os.path.join(base, "events.ndjson"))
    with open(demo, "rb") as src, gzip.open(os.path.join(base, "events.ndjson.gz"), "wb") as dst:
        shutil.copyfileobj(src, dst)
    shutil.copytree(os.path.join(ROOT, "rules"), os.path.join(base, "rules"))
    shutil.copytree(os.path.join(ROOT, "emulations"), os.path.join(base, "emulations"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    models = os.path.join(base, "models")
    os.makedirs(models)
    # A plain pickled state dict and a NumPy array: what a clean model
    # directory holds (the scanner's own corpus tests the malicious ones).
    with open(os.path.join(models, "classifier.pkl"), "wb") as f:
        pickle.dump({"weights": [[0.25, -1.5], [3.0, 0.125]], "bias": [0.5, 0.0],
                     "labels": ("benign", "malicious")}, f, protocol=4)
    try:
        import numpy
        numpy.save(os.path.join(models, "embedding.npy"),
                   numpy.arange(12, dtype=numpy.float32).reshape(3, 4))
    except ImportError:
        pass
    # An Elasticsearch mapping (GET <index>/_mapping output) for --mapping.
    shutil.copy(os.path.join(ROOT, "tests", "data", "mappings", "get_mapping_two_indices.json"),
                os.path.join(base, "mapping.json"))
    upstream = os.path.join(SHARED, "upstream", "detection-rules")
    if os.path.isdir(upstream):
        os.symlink(os.path.abspath(upstream), os.path.join(base, "detection-rules"))


# ------------------------------------------------------------ checks

def words(cmd):
    return shlex.split(cmd, comments=True)


def option_value(argv, *names):
    for i, w in enumerate(argv):
        for n in names:
            if w == n and i + 1 < len(argv):
                return argv[i + 1]
            if n.startswith("--") and w.startswith(n + "="):
                return w[len(n) + 1:]
    return None


def picket_argv(cmd):
    """The words of the picket invocation (after a pipe, before a redirection)."""
    argv = words(cmd)
    if "|" in argv:
        argv = argv[len(argv) - argv[::-1].index("|"):]
    for stop in (">", ">>"):
        if stop in argv:
            argv = argv[:argv.index(stop)]
    return argv


def redirect_target(cmd):
    argv = words(cmd)
    for op in (">", ">>"):
        if op in argv and argv.index(op) + 1 < len(argv):
            return argv[argv.index(op) + 1]
    return None


def check_file(path, kind_hint=""):
    if not os.path.exists(path):
        raise AssertionError("%s was not written" % path)
    data = open(path, encoding="utf-8").read()
    check_text(data, path if not kind_hint else kind_hint, path)


def check_text(data, kind, where):
    if kind.endswith(".sarif") or kind == "sarif":
        doc = json.loads(data)
        assert doc.get("version") == "2.1.0" and doc.get("runs"), "%s: not SARIF 2.1.0" % where
    elif kind.endswith(".json") or kind == "json":
        json.loads(data)
    elif kind.endswith(".ndjson") or kind == "ndjson":
        for n, line in enumerate(data.splitlines(), 1):
            if line.strip():
                json.loads(line)
    elif kind.endswith(".xml"):
        ET.fromstring(data)


def check_alerts(lines, where):
    for line in lines:
        alert = json.loads(line)
        assert alert.get("kibana.alert.rule.rule_id") and alert.get("kibana.alert.uuid"), (
            "%s: not a Kibana-shaped alert: %s" % (where, line[:200]))


def check_outputs(cmd, status, stdout, cwd):
    argv = picket_argv(cmd)
    sub = argv[1] if len(argv) > 1 else ""
    redirected = redirect_target(cmd)
    fmt = option_value(argv, "--format", "-f")
    out_file = option_value(argv, "--output", "-o")
    if sub == "hunt":
        lines = [l for l in stdout.splitlines() if l.strip()]
        if "--count" in argv or "-c" in argv:
            assert len(lines) == 1 and lines[0].isdigit(), "--count printed %r" % stdout[:200]
            assert (int(lines[0]) > 0) == (status == 0), "count %s with exit %d" % (lines[0], status)
        elif "-q" in argv or "--quiet" in argv:
            assert stdout == "", "-q printed output"
        else:
            assert (len(lines) > 0) == (status == 0), "%d lines with exit %d" % (len(lines), status)
            fields = option_value(argv, "--fields")
            for line in lines:
                obj = json.loads(line)
                if fields:
                    assert set(obj) <= set(fields.split(",")), "unasked fields in %s" % line
            limit = option_value(argv, "-m", "--max-count")
            if limit:
                assert len(lines) <= int(limit), "%d lines over -m %s" % (len(lines), limit)
    if sub in ("run",) and status in (0, 1):
        target = out_file or redirected
        text = open(os.path.join(cwd, target)).read() if target else stdout
        if fmt != "text":
            lines = [l for l in text.splitlines() if l.strip()]
            check_alerts(lines, target or "stdout")
            if "--demo" in argv:
                assert lines, "--demo wrote no alert"
        else:
            assert "\n" in text and not text.lstrip().startswith("{"), "not text alerts"
    if fmt in ("json", "sarif") and not out_file and not redirected:
        check_text(stdout, fmt, "stdout")
    for f in (out_file, redirected, option_value(argv, "--junit"), option_value(argv, "--layer")):
        if f and f != "/dev/null" and sub != "run":
            check_file(os.path.join(cwd, f), fmt if fmt in ("json", "sarif") else "")
    if sub == "learn":
        state = option_value(argv, "--state") or option_value(argv, "--state-dir")
        assert os.path.exists(os.path.join(cwd, state)), "no state written"


# ------------------------------------------------------------ serve

def demo_bulk_body():
    lines = []
    for raw in open(os.path.join(ROOT, "data", "demo", "events.ndjson")):
        ev = json.loads(raw)
        ds = ev.get("data_stream", {})
        index = "%s-%s-%s" % (ds.get("type", "logs"), ds.get("dataset", "generic"),
                              ds.get("namespace", "default"))
        lines.append(json.dumps({"create": {"_index": index}}))
        lines.append(raw.strip())
    return ("\n".join(lines) + "\n").encode()


def serve_child(cmd, cwd):
    """Runs inside `unshare -rn`: starts the example, sends the demo events,
    stops it; prints a JSON verdict on stdout."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    log = open(os.path.join(cwd, "serve.log"), "wb")
    proc = subprocess.Popen(["bash", "-c", cmd], cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=log)
    url = None
    deadline = time.time() + 60
    while time.time() < deadline and url is None:
        m = re.search(r"listening on (https?://\S+)", open(os.path.join(cwd, "serve.log")).read())
        if m:
            url = m.group(1)
        elif proc.poll() is not None:
            break
        else:
            time.sleep(0.1)
    verdict = {"listening": url}
    if url:
        req = urllib.request.Request(url + "/_bulk", data=demo_bulk_body(), method="POST",
                                     headers={"Content-Type": "application/x-ndjson"})
        with urllib.request.urlopen(req, timeout=120) as resp:
            answer = json.loads(resp.read())
            verdict["bulk_status"] = resp.status
            verdict["bulk_errors"] = answer.get("errors")
            verdict["items"] = len(answer.get("items", []))
        proc.send_signal(signal.SIGTERM)
    try:
        verdict["exit"] = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        verdict["exit"] = "hung"
    print(json.dumps(verdict))


def run_serve_example(cmd, cwd):
    env = dict(os.environ, PATH=os.path.dirname(PICKET) + os.pathsep + os.environ["PATH"])
    r = subprocess.run(["unshare", "-rn", sys.executable, os.path.abspath(__file__),
                        "--serve-child", cmd, cwd], env=env, capture_output=True, text=True,
                       timeout=TIMEOUT)
    if r.returncode != 0:
        raise AssertionError("serve child failed: %s %s" % (r.stdout[-1000:], r.stderr[-2000:]))
    v = json.loads(r.stdout.strip().splitlines()[-1])
    log = open(os.path.join(cwd, "serve.log"), errors="replace").read()
    assert v["listening"], "never listened: %s" % log[-1000:]
    assert v["bulk_status"] == 200 and v["bulk_errors"] is False and v["items"] > 1000, v
    assert v["exit"] == expected_status(cmd), "exit %s: %s" % (v["exit"], log[-1000:])
    argv = picket_argv(cmd)
    alerts = option_value(argv, "--alerts") or os.path.join(option_value(argv, "--state-dir"),
                                                            "alerts.ndjson")
    lines = [l for l in open(os.path.join(cwd, alerts)) if l.strip()]
    assert lines, "no alerts written to %s" % alerts
    check_alerts(lines, alerts)


def userns_available():
    return subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0


# ------------------------------------------------------------ main

def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--serve-child":
        serve_child(sys.argv[2], sys.argv[3])
        return 0
    commands, from_help = help_examples()
    examples = readme_examples(os.path.join(ROOT, "README.md")) + from_help
    helped = {src.split()[1] for src, _ in from_help if len(src.split()) == 3}
    missing = [c for c in commands if c not in helped]
    template = tempfile.mkdtemp(prefix="picket_examples_")
    passed = failed = 0
    if missing:
        failed += 1
        print("FAIL subcommands without --help examples: %s" % ", ".join(missing))
    try:
        make_scratch(os.path.join(template, "scratch"))
        env = dict(os.environ, PATH=os.path.dirname(PICKET) + os.pathsep + os.environ["PATH"])
        for n, (source, cmd) in enumerate(examples):
            cwd = os.path.join(template, "run%d" % n)
            shutil.copytree(os.path.join(template, "scratch"), cwd, symlinks=True)
            label = "%s: %s" % (source, cmd)
            try:
                if "detection-rules/" in cmd and not os.path.exists(
                        os.path.join(cwd, "detection-rules")):
                    print("SKIP %s (no detection-rules snapshot in %s)" % (label, SHARED))
                    continue
                if picket_argv(cmd)[1:2] == ["serve"]:
                    if not userns_available():
                        print("SKIP %s (no user namespaces for a private port)" % label)
                        continue
                    run_serve_example(cmd, cwd)
                else:
                    start = time.time()
                    r = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], cwd=cwd, env=env,
                                       stdin=subprocess.DEVNULL, capture_output=True,
                                       text=True, timeout=TIMEOUT)
                    want = expected_status(cmd)
                    assert r.returncode == want, "exit %d, the docs say %d\n%s" % (
                        r.returncode, want, r.stderr[-2000:])
                    check_outputs(cmd, r.returncode, r.stdout, cwd)
                passed += 1
                print("PASS %s" % label, flush=True)
                shutil.rmtree(cwd, ignore_errors=True)
            except Exception as e:  # noqa: BLE001 - reported and counted
                failed += 1
                print("FAIL %s\n     %s" % (label, str(e).replace("\n", "\n     ")), flush=True)
    finally:
        if not failed:
            shutil.rmtree(template, ignore_errors=True)
        else:
            print("scratch directories kept in %s" % template)
    print("%d passed, %d failed (%d examples)" % (passed, failed, len(examples)))
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
