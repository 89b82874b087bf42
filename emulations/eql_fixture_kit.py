"""Building blocks for the EQL rules' emulation fixtures: documents, cases and manifests.

Contract
--------
* `Kit(stem)` loads rules/macos/<stem>.toml and builds Elastic Defend-shaped macOS documents through
  bench/telemetry_model.Defend (full form) with the cast of fixture_world.py. Deterministic.
* A case collects documents with the author's statement of what must alert: `quiet(doc, why)` (no alert),
  `alert(doc, why)` (an event query's alert) or `sequence([docs], why)` (one sequence, its events in order).
* `write()` sorts each case's documents by time (@timestamp; every document is ingested DELAY seconds
  later, so the order is the same under event.ingested), writes <case>.ndjson and manifest.json with
  "expect": {"alerts": shells + building blocks + event alerts, "lines": [[file lines of each detection's
  events], ...]} in the order picket raises them (by each detection's last event). The C++ emulation runner
  (src/engine/emulation_runner.h) checks both.
"""

from __future__ import annotations

import json
import pathlib
import sys
import tomllib

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from fixture_world import (ALICE, BOB, CAROL, LINUX, PY_BREW, PY_ORG_312, SIG_UNSIGNED, T0,  # noqa: E402,F401
                           next_pid, python, sig_adhoc, sig_apple, sig_dev)
from telemetry_model import Defend, Proc, parse_iso  # noqa: E402

ROOT = HERE.parent
DELAY = 2.0


class Case:
    def __init__(self, name: str, description: str):
        self.name, self.description = name, description
        self.docs: list[dict] = []
        self.detections: list[list[dict]] = []

    def _label(self, doc: dict, why: str) -> dict:
        doc["labels"] = {"fixture": why}
        self.docs.append(doc)
        return doc

    def quiet(self, doc: dict, why: str) -> dict:
        return self._label(doc, why)

    def alert(self, doc: dict, why: str) -> dict:
        self.detections.append([self._label(doc, why)])
        return doc

    def sequence(self, docs: list[dict], why: str) -> None:
        for i, doc in enumerate(docs):
            self._label(doc, "%s (sequence event %d of %d)" % (why, i + 1, len(docs)))
        self.detections.append(docs)


class Kit:
    def __init__(self, stem: str):
        self.stem = stem
        self.rule = tomllib.loads((ROOT / "rules" / "macos" / (stem + ".toml")).read_text())["rule"]
        self.is_sequence = self.rule["query"].lstrip().startswith("sequence")
        self.d = Defend(stream_tag=stem)
        self.cases: list[Case] = []
        self.t = T0

    def case(self, name: str, description: str) -> Case:
        c = Case(name, description)
        self.cases.append(c)
        return c

    def tick(self, seconds: float = 60.0) -> float:
        """A fresh moment, well apart from the previous scene unless told otherwise."""
        self.t += seconds
        return self.t

    # ---- processes and documents -----------------------------------------------------------------

    def proc(self, host, exe: str, args: list[str] | None = None, parent: Proc | None = None,
             sig: dict | None = None, name: str | None = None, start: float | None = None) -> Proc:
        """A process; args exclude argv[0]. sig=None means Apple-signed (pass SIG_UNSIGNED etc.)."""
        base = exe.rsplit("/", 1)[-1]
        return Proc(host, next_pid(), exe, [exe] + (args or []), start=self.t if start is None else start,
                    cwd=host.home, sig=sig if sig is not None else sig_apple(base), name=name, parent=parent)

    def py(self, host=ALICE, script: list[str] | None = None, interp=PY_BREW) -> Proc:
        return python(host, interp, script or ["agent.py"], self.t)

    def exec_(self, p: Proc, t: float | None = None, action: str = "exec") -> dict:
        t = self.t if t is None else t
        return self.d.process(p, t, t + DELAY, action=action)

    def net(self, p: Proc, ip: str, port: int, domain: str | None = None, t: float | None = None) -> dict:
        t = self.t if t is None else t
        doc = self.d.network(p, t, t + DELAY, ip, port)
        if domain is not None:
            doc["destination"]["domain"] = domain
        return doc

    def file(self, p: Proc, action: str, path: str, t: float | None = None) -> dict:
        t = self.t if t is None else t
        return self.d.file(p, t, t + DELAY, action, path)

    def library(self, p: Proc, path: str, t: float | None = None, sig: dict | None = None) -> dict:
        t = self.t if t is None else t
        return self.d.library(p, t, t + DELAY, path, sig=sig)

    # ---- output ----------------------------------------------------------------------------------

    def write(self) -> dict:
        out = HERE / self.stem
        out.mkdir(exist_ok=True)
        manifest = {"rule": "rules/macos/%s.toml" % self.stem, "rule_id": self.rule["rule_id"], "cases": []}
        counts = {}
        for c in self.cases:
            docs = sorted(c.docs, key=lambda d: parse_iso(d["@timestamp"]))
            line = {id(d): n for n, d in enumerate(docs, 1)}
            (out / (c.name + ".ndjson")).write_text(
                "".join(json.dumps(d, separators=(",", ":")) + "\n" for d in docs))
            lines = sorted(([line[id(d)] for d in det] for det in c.detections), key=lambda ls: ls[-1])
            alerts = sum(len(ls) + 1 if self.is_sequence else 1 for ls in lines)
            manifest["cases"].append({"name": c.name, "events": c.name + ".ndjson", "baseline": None,
                                      "expect": {"alerts": alerts, "lines": lines},
                                      "description": c.description})
            counts[c.name] = (len(docs), len(lines), alerts)
        (out / "manifest.json").write_text(format_manifest(manifest))
        return counts


def format_manifest(m: dict) -> str:
    j = json.dumps
    rows = ['{', ' "rule": %s, "rule_id": %s,' % (j(m["rule"]), j(m["rule_id"])), ' "cases": [']
    for i, c in enumerate(m["cases"]):
        rows.append('  {"name": %s, "events": %s, "baseline": null,' % (j(c["name"]), j(c["events"])))
        rows.append('   "expect": {"alerts": %d, "lines": %s},' % (c["expect"]["alerts"], j(c["expect"]["lines"])))
        rows.append('   "description": %s}%s' % (j(c["description"]), "," if i + 1 < len(m["cases"]) else ""))
    rows += [" ]", "}"]
    text = "\n".join(rows) + "\n"
    assert json.loads(text) == m
    return text
