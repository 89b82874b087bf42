"""The small, fixed cast of hosts and processes that every emulation fixture is written against.

Contract: deterministic constants and tiny constructors only (no I/O). `build_fixtures.py` composes them
into cases; keeping the cast here lets the three rules' fixtures share hosts and read alike.
"""

from __future__ import annotations

import calendar
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "bench"))
from telemetry_model import (Host, Proc, SIG_UNSIGNED, sig_adhoc, sig_apple, sig_dev,  # noqa: E402,F401
                             sig_windows)

DAY = 86400.0
HOUR = 3600.0
WEEK = 7 * DAY
# Day 0 of every fixture: Monday 2 March 2026, 09:00 UTC.
T0 = float(calendar.timegm((2026, 3, 2, 9, 0, 0)))

ALICE = Host("mbp-alice-01", "macos", "alice", variant=0)
BOB = Host("mbp-bob-02", "macos", "bob", variant=1)
CAROL = Host("imac-lab-03", "macos", "carol", variant=2)
LINUX = Host("gpu-train-01", "linux", "ubuntu", variant=0)
WINDOWS = Host("WS-DANA-07", "windows", "dana", variant=0)

PSF = sig_dev("org.python.python", "Python Software Foundation", "DJ3H93M7VJ")

# Interpreter paths seen on real Macs, with the signature each install carries.
PY_ORG_312 = ("/usr/local/bin/python3.12", PSF)
PY_BREW = ("/opt/homebrew/bin/python3", sig_adhoc("python3.12"))
PY_FW_311 = ("/Library/Frameworks/Python.framework/Versions/3.11/bin/python3.11", PSF)
PY_APPLE = ("/usr/bin/python3", sig_apple("python3"))
# The framework's application binary: process.name is "Python" (capital P), which python* does not match.
PY_FW_APP = ("/Library/Frameworks/Python.framework/Versions/3.11/Resources/Python.app/Contents/MacOS/Python", PSF)


def py_conda(host: Host):
    return (host.home + "/miniconda3/bin/python3.11", sig_adhoc("python3.11"))


def py_venv(host: Host):
    return (host.home + "/src/llm-eval/.venv/bin/python", sig_adhoc("python3.12"))


_pid = [40000]


def next_pid() -> int:
    _pid[0] += 37
    return _pid[0]


def login_shell(host: Host, start: float) -> Proc:
    """Terminal's zsh: the usual grandparent of an interactive python."""
    term = Proc(host, 612, "/System/Applications/Utilities/Terminal.app/Contents/MacOS/Terminal",
                start=start - 3 * HOUR, sig=sig_apple("Terminal"), cwd="/")
    return Proc(host, next_pid(), "/bin/zsh", ["/bin/zsh", "-l"], start=start - 2 * HOUR, cwd=host.home,
                sig=sig_apple("zsh"), parent=term)


def python(host: Host, interp: tuple, script: list[str], start: float, cwd: str | None = None,
           user: str | None = None) -> Proc:
    exe, sig = interp
    shell = login_shell(host, start)  # created first so pids grow down the tree, as on a real host
    return Proc(host, next_pid(), exe, [exe] + script, start=start, cwd=cwd or host.home + "/src/llm-eval",
                sig=sig, parent=shell, user=user)


def child(parent: Proc, exe: str, args: list[str], start: float, sig: dict | None = None,
          name: str | None = None) -> Proc:
    """A process started by `parent`; args exclude argv[0], which is set to the executable path."""
    return Proc(parent.host, next_pid(), exe, [exe] + args, start=start, cwd=parent.cwd,
                sig=sig if sig is not None else sig_apple(exe.rsplit("/", 1)[-1]), parent=parent,
                user=parent.user, name=name)
