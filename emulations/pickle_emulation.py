"""Shared engine of the emulation scripts: build a malicious-style pickle and load it with Python.

Contract
--------
* `build_pickle(stages)` returns raw pickle bytes written opcode by opcode (PROTO 2, GLOBAL, tuple,
  REDUCE ... STOP) — the same shape as a `__reduce__` payload hidden in a PyTorch `.pt`/`.pkl` file. Each
  stage is one GLOBAL + REDUCE call; the pickle's value is the tuple of their results. No stage imports
  anything exotic: os.system, pathlib.Path.read_bytes / write_bytes / write_text, ctypes.CDLL,
  subprocess.run.
* Stages (what loading the pickle does):
    shell        os.system("<harmless command>")           -> /bin/sh -c ... child of python   (rule 1)
    credential   Path(<decoy ~/.aws/credentials>).read_bytes()                                  (rule 2)
    launch_agent Path(<~/Library/LaunchAgents/...plist>).write_bytes(<plist>)  — never loaded   (rule 3)
    library      ctypes.CDLL(<~/Library/Caches/com.picket.emulation/payload>)  a copy of one of the
                 interpreter's own extension modules, planted first, loaded under a name without .so/.dylib
                                                                              (Unusual Library Load via Python)
    tcc          subprocess.run(["/usr/bin/sqlite3", <decoy ~/Library/Application Support/com.apple.TCC/TCC.db>,
                 "SELECT count(*) FROM sqlite_master"])  read-only, on a decoy      (TCCDB Modification)
    connect      subprocess.run([python, <~/.picket-emulation/agent.py>]): a second interpreter with one
                 argument opens one TCP connection to --connect HOST:PORT (a host you control) and closes it
                                                                   (Script Interpreter Non-Standard Port)
    marker       Path(<marker file>).write_text(...)        harmless, runs anywhere (tests)
* Everything happens under a fresh temporary HOME (decoy credentials planted there first), which is
  deleted afterwards unless --keep. launchctl is never called.
* Refuses the real stages on anything but macOS; `--payload marker` runs anywhere. `--dry-run` prints the
  plan and the pickle disassembly without touching the system.
* Loading happens in a separate interpreter (`sys.executable -c <loader> <file>`) so the process tree
  is the one the rules expect: python -> sh, python opens the file, python writes the plist.

Entry points: emulations/<rule-stem>/emulate.py call `main(default_payload=...)`.
"""

from __future__ import annotations

import argparse
import io
import os
import pathlib
import pickletools
import platform
import shutil
import subprocess
import sys
import tempfile

PROTO, GLOBAL, REDUCE, STOP = b"\x80", b"c", b"R", b"."
MARK, TUPLE, EMPTY_TUPLE = b"(", b"t", b")"
EMPTY_LIST, APPENDS = b"]", b"e"
SHORT_BINUNICODE = b"\x8c"
BINUNICODE = b"X"
SHORT_BINBYTES = b"C"
BINBYTES = b"B"

SHELL_COMMAND = "echo picket-emulation: python spawned a shell; id; uname -sr"
PLIST_LABEL = "com.picket.emulation"
LOADER = "import pickle, sys\nwith open(sys.argv[1], 'rb') as f:\n    pickle.load(f)\n"


# --------------------------------------------------------------------------------------------------
# Pickle assembly
# --------------------------------------------------------------------------------------------------

def _str(s: str) -> bytes:
    b = s.encode("utf-8")
    if len(b) < 256:
        return SHORT_BINUNICODE + bytes([len(b)]) + b  # protocol 4 opcode, accepted by every loader >= 3.4
    return BINUNICODE + len(b).to_bytes(4, "little") + b


def _bytes(b: bytes) -> bytes:
    if len(b) < 256:
        return SHORT_BINBYTES + bytes([len(b)]) + b
    return BINBYTES + len(b).to_bytes(4, "little") + b


def _arg(v) -> bytes:
    if isinstance(v, bytes):
        return _bytes(v)
    if isinstance(v, str):
        return _str(v)
    if isinstance(v, Call):
        return v.encode()
    if isinstance(v, list):
        return EMPTY_LIST + MARK + b"".join(_arg(x) for x in v) + APPENDS
    raise TypeError(type(v))


class Call:
    """callable(*args) as pickle opcodes: GLOBAL 'module\\nname\\n', MARK args TUPLE, REDUCE."""

    def __init__(self, module: str, name: str, *args):
        self.module, self.name, self.args = module, name, args

    def encode(self) -> bytes:
        return (GLOBAL + ("%s\n%s\n" % (self.module, self.name)).encode() + MARK
                + b"".join(_arg(a) for a in self.args) + TUPLE + REDUCE)


def plist_bytes(program: list[str]) -> bytes:
    args = "".join("\n\t\t<string>%s</string>" % a for a in program)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
            '<plist version="1.0">\n<dict>\n\t<key>Label</key>\n\t<string>%s</string>\n'
            '\t<key>ProgramArguments</key>\n\t<array>%s\n\t</array>\n'
            '\t<key>RunAtLoad</key>\n\t<true/>\n</dict>\n</plist>\n' % (PLIST_LABEL, args)).encode()


def library_path(home: pathlib.Path) -> pathlib.Path:
    return home / "Library" / "Caches" / PLIST_LABEL / "payload"


def tcc_path(home: pathlib.Path) -> pathlib.Path:
    return home / "Library" / "Application Support" / "com.apple.TCC" / "TCC.db"


def agent_path(home: pathlib.Path) -> pathlib.Path:
    return home / ".picket-emulation" / "agent.py"


def extension_module() -> str:
    """A shared library the loading interpreter can dlopen: one of its own extension modules."""
    import importlib
    for name in ("_ctypes", "_json", "math", "_struct", "select"):
        try:
            f = getattr(importlib.import_module(name), "__file__", None)
        except ImportError:
            continue
        if f:
            return f
    raise RuntimeError("this Python has no extension module on disk to copy")


def agent_script(target: str) -> str:
    host, _, port = target.rpartition(":")
    return ("import socket\ns = socket.create_connection((%r, %d), timeout=5)\ns.close()\n"
            "print('picket-emulation: agent connected to %s')\n" % (host, int(port), target))


def stage_calls(stage: str, home: pathlib.Path, marker: pathlib.Path) -> list[Call]:
    """The GLOBAL/REDUCE calls for one stage. Path methods are reached as 'pathlib\\nPath.read_bytes'
    (a dotted name, resolved by the unpickler at protocol 4) applied to a Path built by a nested REDUCE."""
    if stage == "shell":
        return [Call("os", "system", SHELL_COMMAND)]
    if stage == "credential":
        return [Call("pathlib", "Path.read_bytes", Call("pathlib", "Path", str(home / ".aws" / "credentials")))]
    if stage == "launch_agent":
        plist = home / "Library" / "LaunchAgents" / (PLIST_LABEL + ".plist")
        return [Call("pathlib", "Path.write_bytes", Call("pathlib", "Path", str(plist)),
                     plist_bytes(["/bin/echo", "picket-emulation"]))]
    if stage == "library":
        return [Call("ctypes", "CDLL", str(library_path(home)))]
    if stage == "tcc":
        return [Call("subprocess", "run", ["/usr/bin/sqlite3", str(tcc_path(home)),
                                           "SELECT count(*) FROM sqlite_master"])]
    if stage == "connect":
        return [Call("subprocess", "run", [sys.executable, str(agent_path(home))])]
    if stage == "marker":
        return [Call("pathlib", "Path.write_text", Call("pathlib", "Path", str(marker)),
                     "picket-emulation marker: the pickle's REDUCE ran\n")]
    raise ValueError(stage)


def build_pickle(stages: list[str], home: pathlib.Path, marker: pathlib.Path) -> bytes:
    calls = [c for s in stages for c in stage_calls(s, home, marker)]
    # Protocol 4 header: dotted GLOBAL names are resolved attribute by attribute only from protocol 4 on.
    return PROTO + b"\x04" + MARK + b"".join(c.encode() for c in calls) + TUPLE + STOP


def disassemble(data: bytes) -> str:
    out = io.StringIO()
    pickletools.dis(data, out=out)
    return out.getvalue()


# --------------------------------------------------------------------------------------------------
# Running it
# --------------------------------------------------------------------------------------------------

PAYLOADS = {
    "shell": ["shell"],
    "credential": ["credential"],
    "launch_agent": ["launch_agent"],
    "all": ["shell", "credential", "launch_agent"],
    "library": ["library"],
    "tcc": ["tcc"],
    "connect": ["connect"],
    "marker": ["marker"],
}

DECOY_CREDENTIALS = ("[default]\naws_access_key_id = AKIAPICKETEMULATION0\n"
                     "aws_secret_access_key = not-a-real-secret/picket-emulation-decoy\n")


def plan(stages: list[str], home: pathlib.Path, marker: pathlib.Path, model: pathlib.Path,
         connect: str | None = None) -> list[str]:
    connect = connect or "HOST:PORT (give --connect)"
    steps = ["create temporary HOME %s" % home]
    if "library" in stages:
        steps.append("copy %s to %s" % (extension_module(), library_path(home)))
    if "tcc" in stages:
        steps.append("create decoy empty database %s" % tcc_path(home))
    if "connect" in stages:
        steps.append("write %s (one TCP connection to %s)" % (agent_path(home), connect))
    if "credential" in stages:
        steps.append("plant decoy %s (fake keys)" % (home / ".aws" / "credentials"))
    if "launch_agent" in stages:
        steps.append("create folder %s" % (home / "Library" / "LaunchAgents"))
    steps.append("write pickle %s with stages: %s" % (model, ", ".join(stages)))
    steps.append("run %s -c <pickle.load> %s  (HOME=%s)" % (sys.executable, model, home))
    for s in stages:
        steps.append({
            "shell": "  -> python spawns: /bin/sh -c %r" % SHELL_COMMAND,
            "credential": "  -> python opens and reads %s" % (home / ".aws" / "credentials"),
            "launch_agent": "  -> python writes %s (NOT loaded with launchctl)"
                            % (home / "Library" / "LaunchAgents" / (PLIST_LABEL + ".plist")),
            "marker": "  -> python writes marker file %s" % marker,
            "library": "  -> python loads %s with ctypes.CDLL" % library_path(home),
            "tcc": "  -> python runs /usr/bin/sqlite3 %r 'SELECT count(*) FROM sqlite_master'" % str(tcc_path(home)),
            "connect": "  -> python runs %s %s, which connects to %s" % (sys.executable, agent_path(home), connect),
        }[s])
    steps.append("remove %s" % home)
    return steps


def run(stages: list[str], home_root: str | None, keep: bool, dry_run: bool, marker_dir: str | None,
        out=None, connect: str | None = None) -> int:
    out = out or sys.stdout  # resolved per call so callers may redirect stdout
    home = pathlib.Path(tempfile.mkdtemp(prefix="picket-emu-", dir=home_root)) if not dry_run else \
        pathlib.Path(home_root or tempfile.gettempdir()) / "picket-emu-XXXXXX"
    marker = pathlib.Path(marker_dir or home) / "picket-emulation.marker"
    model = home / "model.pt"
    data = build_pickle(stages, home, marker)
    if dry_run:
        print("DRY RUN - nothing will be executed. Plan:", file=out)
        for s in plan(stages, home, marker, model, connect):
            print("  " + s, file=out)
        print("pickle disassembly:", file=out)
        print(disassemble(data), file=out)
        return 0
    try:
        if "credential" in stages:
            (home / ".aws").mkdir(parents=True)
            (home / ".aws" / "credentials").write_text(DECOY_CREDENTIALS)
        if "launch_agent" in stages:
            (home / "Library" / "LaunchAgents").mkdir(parents=True)
        if "library" in stages:
            library_path(home).parent.mkdir(parents=True)
            shutil.copyfile(extension_module(), library_path(home))
        if "tcc" in stages:
            tcc_path(home).parent.mkdir(parents=True)
            tcc_path(home).write_bytes(b"")
        if "connect" in stages:
            agent_path(home).parent.mkdir(parents=True)
            agent_path(home).write_text(agent_script(connect))
        model.write_bytes(data)
        env = dict(os.environ, HOME=str(home))
        print("loading %s with %s" % (model, sys.executable), file=out)
        rc = subprocess.run([sys.executable, "-c", LOADER, str(model)], env=env, cwd=str(home)).returncode
        print("loader exit code %d" % rc, file=out)
        for s in stages:
            if s == "launch_agent":
                p = home / "Library" / "LaunchAgents" / (PLIST_LABEL + ".plist")
                print("plist written: %s (%s)" % (p, "yes" if p.exists() else "NO"), file=out)
            if s == "marker":
                print("marker written: %s (%s)" % (marker, "yes" if marker.exists() else "NO"), file=out)
        return rc
    finally:
        if keep:
            print("kept %s" % home, file=out)
        else:
            shutil.rmtree(home, ignore_errors=True)


def main(default_payload: str = "all", argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Emulate a malicious pickle model load (picket rule pack).")
    ap.add_argument("--payload", choices=sorted(PAYLOADS), default=default_payload,
                    help="what the pickle does when loaded (default: %(default)s)")
    ap.add_argument("--dry-run", action="store_true", help="print the plan and pickle opcodes only")
    ap.add_argument("--home-root", help="parent folder of the temporary HOME (default: system temp dir). "
                    "Elastic Defend only reports opens of its built-in sensitive paths, which may require a "
                    "HOME under /Users")
    ap.add_argument("--marker-dir", help="where the marker payload writes (default: the temporary HOME)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary HOME for inspection")
    ap.add_argument("--connect", metavar="HOST:PORT",
                    help="for --payload connect: a host you control, by IP address, outside private, loopback "
                    "and documentation ranges, on a port other than 22, 25, 53, 80, 443, 465, 587, 8080, 8089, "
                    "8200, 9200 and below 49152 (what the rule looks for)")
    a = ap.parse_args(argv)
    stages = PAYLOADS[a.payload]
    if "connect" in stages and not a.dry_run and not (a.connect and a.connect.rpartition(":")[2].isdigit()):
        print("refusing: --payload connect needs --connect HOST:PORT (a host you control)", file=sys.stderr)
        return 2
    if not a.dry_run and a.payload != "marker" and platform.system() != "Darwin":
        print("refusing: payload %r is meant for a macOS test host (this is %s). "
              "Use --dry-run, or --payload marker for a harmless run." % (a.payload, platform.system()),
              file=sys.stderr)
        return 2
    return run(stages, a.home_root, a.keep, a.dry_run, a.marker_dir, connect=a.connect)
