"""Attack episodes derived from the upstream EQL rules themselves, for the benchmark telemetry.

Contract
--------
* `UpstreamEpisodes(rng, defend, hosts, upstream_dir)` reads every EQL rule under
  `upstream_dir/rules` and `upstream_dir/rules_building_block` (not `_deprecated/`), in path order, and
  keeps those whose query bench/eql_satisfy.py can satisfy. `next(t)` returns the documents of one
  episode for the next rule of a seeded round-robin: one event for an event query; one event per
  positive stage (`runs` times) for a sequence or sample, in stage order, 0.25 s apart (less under a
  short maxspan), sharing the values of every `by` key (sequence keys, then each stage's own), so the
  sequence completes; `until` and missing-event stages get no event.
* Documents are Elastic Defend-shaped (bench/telemetry_model.py: process, file, network, library,
  registry) or an integration envelope for other categories; the rule's conditions are written over
  them, then the fields that follow from others are made to agree (process.name and executable, args,
  args_count and command_line, file.name and extension, dll.name) and any background value that a
  `not` of the rule forbids is dropped. The data stream is chosen from the rule's index patterns
  (Defend's `logs-endpoint.events.*` when the rule reads it), so index scoping holds; rules reading only
  Beats indices (winlogbeat-*, auditbeat-*...) get documents without data_stream.
* Deterministic: the same rng state and snapshot give the same documents. `stats()` says how many rules
  were read and how many of each kind can be emitted.
"""

from __future__ import annotations

import tomllib

import eql_satisfy as es
import telemetry_model as tm
import upstream_rules

ENDPOINT_DATASET = {"process": "process", "file": "file", "network": "network", "library": "library",
                    "dll": "library", "registry": "registry", "api": "api"}
_WIN_DIR = "C:\\Windows\\System32\\"


class Plan:
    __slots__ = ("path", "query", "os_type", "index", "category_field", "kind")

    def __init__(self, path, query, os_type, index, category_field):
        self.path, self.query, self.os_type, self.index = path, query, os_type, index
        self.category_field = category_field
        self.kind = query.kind


def _os_of(rule: dict, path: str) -> str:
    tags = " ".join(rule.get("tags", []))
    for tag, os_type in (("OS: Windows", "windows"), ("OS: macOS", "macos"), ("OS: Linux", "linux")):
        if tag in tags:
            return os_type
    for part, os_type in (("/windows/", "windows"), ("/macos/", "macos"), ("/linux/", "linux")):
        if part in path:
            return os_type
    return "linux"


def dataset_for(index: list[str], category: str) -> str | None:
    """The data_stream.dataset of an event this rule reads: an index of the rule must cover
    logs-<dataset>-default. None: the rule reads only indices without data streams (Beats)."""
    endpoint = []
    for pat in index:
        if pat.startswith("logs-endpoint.events."):
            rest = pat[len("logs-"):].rstrip("*").rstrip("-")
            if rest.endswith("."):
                rest += ENDPOINT_DATASET.get(category, "process")
            endpoint.append(rest)
    want = "endpoint.events." + ENDPOINT_DATASET.get(category, "process")
    if endpoint:
        return want if want in endpoint else endpoint[0]
    for pat in index:
        if pat.startswith("logs-") and not pat.startswith("logs-*"):
            rest = pat[len("logs-"):].rstrip("*").rstrip("-")
            if rest.endswith("."):
                rest += "events"
            return rest.replace("*", "x")
        if pat.startswith("logs-*"):
            return want
    return None


get_path = tm.get_path


def set_path(doc: dict, field: str, value):
    parts = field.split(".")
    cur = doc
    for part in parts[:-1]:
        nxt = cur.get(part)
        if not isinstance(nxt, dict):
            nxt = cur[part] = {}
        cur = nxt
    cur[parts[-1]] = value


def del_path(doc: dict, field: str):
    parts = field.split(".")
    cur = doc
    for part in parts[:-1]:
        cur = cur.get(part) if isinstance(cur, dict) else None
        if cur is None:
            return
    if isinstance(cur, dict):
        cur.pop(parts[-1], None)


class UpstreamEpisodes:
    def __init__(self, rng, defend: tm.Defend, hosts: list[tm.Host], upstream: str):
        self.rng, self.d = rng, defend
        self.by_os = {k: [h for h in hosts if h.os_type == k] for k in ("macos", "linux", "windows")}
        self.hosts = hosts
        self.plans: list[Plan] = []
        self.read = self.skipped = 0
        self._pid = 3000
        for path in upstream_rules.rule_files(upstream):
            with open(path, "rb") as f:
                data = f.read()
            if b'language = "eql"' not in data:  # TOML parsing is most of the start-up: only EQL files
                continue
            rule = tomllib.loads(data.decode("utf-8")).get("rule", {})
            if rule.get("language") != "eql":
                continue
            self.read += 1
            try:
                q = es.parse(rule["query"])
            except es.Unsupported:
                self.skipped += 1
                continue
            self.plans.append(Plan(path, q, _os_of(rule, path), rule.get("index") or [],
                                   rule.get("event_category_override") or "event.category"))
        self.order = list(range(len(self.plans)))
        rng.shuffle(self.order)
        self.at = 0
        self.emitted = {"event": 0, "sequence": 0, "sample": 0}
        self.unsolved = 0

    def stats(self) -> str:
        kinds = {}
        for p in self.plans:
            kinds[p.kind] = kinds.get(p.kind, 0) + 1
        return "%d upstream EQL rules read, %d parsed (%s); episodes emitted: %s, %d draws unsatisfied" % (
            self.read, len(self.plans), ", ".join("%d %s" % (v, k) for k, v in sorted(kinds.items())),
            ", ".join("%d %s" % (v, k) for k, v in sorted(self.emitted.items())), self.unsolved)

    def pid(self) -> int:
        self._pid = 3000 + (self._pid + 7 + int(self.rng.random() * 50)) % 90000
        return self._pid

    # ---- one episode ---------------------------------------------------------------------------

    def next(self, t: float) -> list[dict]:
        for _ in range(len(self.plans)):
            plan = self.plans[self.order[self.at]]
            self.at = (self.at + 1) % len(self.plans)
            docs = self._episode(plan, t)
            if docs:
                self.emitted[plan.kind] += 1
                return docs
            self.unsolved += 1
        return []

    def _episode(self, plan: Plan, t: float) -> list[dict]:
        q = plan.query
        stages = [s for s in q.stages if not s.missing]
        sols = []
        for s in stages:
            sol = es.solve(s.cond, self.rng)
            if sol is None:
                return []
            sols.append(sol)
        os_type = plan.os_type
        for sol in sols:
            v = sol.fields.get("host.os.type") or sol.fields.get("host.os.family")
            if v in ("windows", "linux", "macos"):
                os_type = v
                break
        pool = self.by_os.get(os_type) or self.hosts
        host = pool[int(self.rng.random() * len(pool))]
        keys = self._join_keys(q, stages, sols, host, t)
        if keys is None:
            return []
        n = sum(s.runs for s in stages)
        gap = 0.25 if not q.maxspan_s else min(0.25, q.maxspan_s / (n + 1))
        docs = []
        ts = t
        for stage, sol, key_fields in zip(stages, sols, keys):
            for _ in range(stage.runs):
                doc = self._document(plan, stage, sol, key_fields, host, ts)
                if doc is None:
                    return []
                docs.append(doc)
                ts += gap
        return docs

    def _join_keys(self, q, stages, sols, host, t):
        """Per stage, the key fields and the value each shares with the same key position elsewhere."""
        width = None
        per_stage = []
        for s in stages:
            fields = list(q.by) + list(s.by)
            if width is None:
                width = len(fields)
            if len(fields) != width:
                return None
            per_stage.append(fields)
        if not per_stage:
            return []
        values = []
        entity = tm.Proc(host, self.pid(), "/x", start=t).entity_id
        for i in range(width):
            value = None
            for fields, sol in zip(per_stage, sols):
                v = sol.fields.get(fields[i])
                if v is not None:
                    value = v[0] if isinstance(v, list) and v else v
                    break
            if value is None:
                value = self._key_default(per_stage[0][i], host, entity)
            values.append(value)
        return [[(f, v) for f, v in zip(fields, values)] for fields in per_stage]

    def _key_default(self, field: str, host: tm.Host, entity: str):
        if field == "host.id":
            return host.id
        if field in ("host.name", "host.hostname", "winlog.computer_name"):
            return host.name
        if field == "user.name":
            return host.user
        if field == "user.id":
            return host.uid
        if field.endswith("entity_id"):
            return entity
        if field.endswith(".pid") or field.endswith(".port"):
            return self.pid()
        if field.endswith(".ip"):
            return "10.%d.%d.%d" % (60 + self._pid % 40, self._pid % 250, 7 + self._pid % 200)
        return "%s-%d" % (field.rsplit(".", 1)[-1], self.pid())

    def _skeleton(self, category: str, sol: es.Solution, host: tm.Host, ts: float) -> dict:
        win = host.os_type == "windows"
        if win:
            parent = tm.Proc(host, self.pid(), _WIN_DIR + "cmd.exe", [_WIN_DIR + "cmd.exe"], start=ts - 60,
                             sig=tm.sig_windows("Microsoft Windows"))
            exe = _WIN_DIR + "rundll32.exe"
        else:
            shell = "/bin/zsh" if host.os_type == "macos" else "/bin/bash"
            parent = tm.Proc(host, self.pid(), shell, [shell], start=ts - 60)
            exe = "/usr/bin/env"
        p = tm.Proc(host, self.pid(), exe, [exe], start=ts, parent=parent,
                    sig=tm.sig_windows("Microsoft Windows") if win else None)
        ing = ts + 1.0
        if category in ("process", "any"):
            return self.d.process(p, ts, ing, action="start" if win else "exec")
        if category == "file":
            path = (host.home + ("\\AppData\\Local\\Temp\\upd.tmp" if win else "/.cache/upd.tmp"))
            return self.d.file(p, ts, ing, "creation", path, size=4096)
        if category == "network":
            if any(f.startswith("dns.") for f in sol.fields):
                return self.d.dns(p, ts, ing, "update.example.net", ["198.51.100.77"])
            return self.d.network(p, ts, ing, "198.51.100.77", 443, src_port=50123)
        if category in ("library", "dll"):
            path = _WIN_DIR + "version.dll" if win else "/usr/lib/libz.1.dylib"
            return self.d.library(p, ts, ing, path)
        if category == "registry":
            return self.d.registry(p, ts, ing, "HKLM", "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run",
                                   "Updater", ["C:\\ProgramData\\upd.exe"])
        doc = self.d.integration(ts, ing, "endpoint.events.api", "event", [category], ["info"], "success", {})
        doc["host"] = host.ecs_lean
        return doc

    def _document(self, plan: Plan, stage: es.Stage, sol: es.Solution, key_fields, host, ts):
        doc = self._skeleton(stage.category, sol, host, ts)
        fields = dict(sol.fields)
        for f, v in key_fields:
            cur = fields.get(f)
            if cur is not None and cur != v and not (isinstance(cur, list) and v in cur):
                return None
            if cur is None:
                fields[f] = [v] if f in es.MULTI_VALUED else v
        for f, v in fields.items():
            set_path(doc, f, list(v) if isinstance(v, list) else v)
        for f in sol.absent:
            del_path(doc, f)
        self._agree(doc, fields, host)
        if stage.category != "any":
            cat = get_path(doc, plan.category_field)
            cats = cat if isinstance(cat, list) else ([cat] if cat else [])
            if stage.category not in cats:
                set_path(doc, plan.category_field, cats + [stage.category])
        ds = dataset_for(plan.index, stage.category) if plan.index else None
        if "data_stream.dataset" not in fields and "event.dataset" not in fields:
            if ds is None:
                doc.pop("data_stream", None)
            else:
                doc["data_stream"] = {"dataset": ds, "namespace": tm.NAMESPACE, "type": "logs"}
                doc["event"]["dataset"] = ds
                doc["event"]["module"] = ds.split(".")[0]
        # Background values a `not` of the rule forbids are dropped (never the rule's own values).
        for f, how, pats, ci in sol.forbid:
            if f in fields:
                continue
            cur = get_path(doc, f)
            if cur is not None and any(es.value_matches(v, how, p, ci) for v in es._values(cur) for p in pats):
                del_path(doc, f)
        return doc

    @staticmethod
    def _agree(doc: dict, fields: dict, host: tm.Host):
        """Make derived fields follow the rule's values, as a real sensor would report them."""
        sep = "\\" if host.os_type == "windows" else "/"
        for pre in ("process", "process.parent"):
            proc = get_path(doc, pre)
            if not isinstance(proc, dict):
                continue
            name, exe = pre + ".name", pre + ".executable"
            if exe in fields and name not in fields and isinstance(fields[exe], str):
                proc["name"] = tm.basename(fields[exe])
            elif name in fields and exe not in fields and isinstance(fields[name], str):
                old = proc.get("executable") or ""
                proc["executable"] = old[:old.rfind(sep) + 1] + fields[name] if sep in old else fields[name]
            if pre + ".args" in fields:
                args = [str(a) for a in fields[pre + ".args"]]
                e = proc.get("executable")
                proc["args"] = args if (not e or args[0] == e) else [e] + args
                proc["args_count"] = len(proc["args"])
            elif pre + ".command_line" in fields and isinstance(fields[pre + ".command_line"], str):
                proc["args"] = fields[pre + ".command_line"].split()
                proc["args_count"] = len(proc["args"])
            elif "args" in proc and proc.get("executable"):
                proc["args"] = [proc["executable"]] + proc["args"][1:]
            if pre + ".command_line" not in fields and "args" in proc:
                proc["command_line"] = " ".join(str(a) for a in proc["args"])
            if pre + ".args_count" in fields:
                proc["args_count"] = fields[pre + ".args_count"]
        for pre in ("file", "dll"):
            obj = doc.get(pre)
            if isinstance(obj, dict) and pre + ".path" in fields and isinstance(fields[pre + ".path"], str):
                if pre + ".name" not in fields:
                    obj["name"] = tm.basename(fields[pre + ".path"])
                if pre == "file" and "file.extension" not in fields:
                    name = obj["name"]
                    if "." in name.lstrip("."):
                        obj["extension"] = name.rsplit(".", 1)[-1]
                    else:
                        obj.pop("extension", None)
