#!/usr/bin/python3
"""A large top-level JSON array in a .json.gz is read element by element (issue 16 item 13).

Contract: runs with /usr/bin/python3 and the stdlib; PICKET names the binary. Writes a gzip'd
.json file holding one array of about 120 MB of pretty-printed events (under 1 MB compressed),
then runs `picket hunt --count` and `picket run` over it and checks the count, the alert count and
that each process's peak resident size (from wait4) stays far below the array's size: the array
is never held in memory whole (before the fix, hunt peaked at several times the array's size).
Prints 'N passed, M failed'; exits non-zero on any failure.
"""

import gzip
import json
import os
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_checks import check, finish  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
PICKET = os.environ.get("PICKET", str(ROOT / "build/picket"))
ARRAY_MB = 120
LIMIT_MB = 60


def run(args):
    """Exit code, stdout and peak RSS in MB of one picket command."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen([PICKET] + args, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        out.seek(0)
        return os.waitstatus_to_exitcode(status), out.read(), usage.ru_maxrss / 1024


def main():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "export.json.gz")
        event = {
            "@timestamp": "2026-03-01T00:00:00Z",
            "event": {"category": ["process"], "type": ["start"], "action": "exec"},
            "host": {"os": {"type": "macos"}, "name": "mbp-1"},
            "process": {"name": "sh", "args": ["sh", "-c", "id"], "parent": {"name": "python3"}},
            "pad": "x" * 600,
        }
        text = json.dumps(event, indent=2)
        n = ARRAY_MB * 1000 * 1000 // (len(text) + 2)
        with gzip.open(path, "wt", compresslevel=6) as f:
            f.write("[\n")
            for i in range(n):
                f.write(text)
                f.write(",\n" if i < n - 1 else "\n]\n")
        check("compressed input is small", os.path.getsize(path) < 5 * 1000 * 1000)

        code, out, rss = run(["hunt", "--count", "process.parent.name:python*", path])
        check("hunt exit 0", code == 0, str(code))
        check("hunt counts every element", out.strip() == str(n).encode(), repr(out[:40]))
        check("hunt peak RSS bounded", rss < LIMIT_MB, "%.0f MB" % rss)

        rule = os.path.join(tmp, "rule.toml")
        with open(rule, "w") as f:
            f.write("[metadata]\ncreation_date = \"2026/01/01\"\nupdated_date = \"2026/01/01\"\n\n"
                    "[rule]\nauthor = [\"t\"]\ndescription = \"d\"\nname = \"sh from python\"\n"
                    "risk_score = 21\nrule_id = \"11111111-2222-3333-4444-555555555555\"\n"
                    "severity = \"low\"\ntype = \"query\"\nlanguage = \"kuery\"\n"
                    "query = 'process.name:sh and process.parent.name:python3'\n")
        code, out, rss = run(["run", "--format", "ndjson", "--no-max-signals", path, "--rules", rule])
        check("run exit 0", code == 0, str(code))
        check("run alerts on every element", out.count(b"\n") == n, str(out.count(b"\n")))
        check("run peak RSS bounded", rss < LIMIT_MB + 20, "%.0f MB" % rss)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
