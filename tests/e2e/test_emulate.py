#!/usr/bin/python3
"""End-to-end checks of the rule-pack emulation scripts (emulations/*/emulate.py).

Contract: runs on Linux with /usr/bin/python3 and stdlib only; never runs the shell stage of a pickle.
Also checks the committed fixtures: every NDJSON line under emulations/ and data/demo/ is a JSON object,
each manifest names an existing rule with the same rule_id, and the independent oracle
(emulations/reference_eval.py) derives exactly the alerts each manifest and data/demo/expected.json state.
Checks that --dry-run prints the plan and opcodes without touching the disk, that the harmless marker
payload really executes through pickle REDUCE (in-process and through the entry point), that the built
pickles carry the expected GLOBAL/REDUCE opcodes, and that real payloads are refused off macOS.
Prints a final 'N passed, M failed' line; exits non-zero on any failure.
"""

import contextlib
import io
import pathlib
import pickle
import pickletools
import platform
import subprocess
import sys
import tempfile
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
EMU = ROOT / "emulations"
sys.path.insert(0, str(EMU))
import pickle_emulation as pe  # noqa: E402
import reference_eval  # noqa: E402
import json  # noqa: E402
import tomllib  # noqa: E402

ENTRY_POINTS = {
    "execution_python_shell_spawn_first_occurrence": ("shell", "os system"),
    "credential_access_python_sensitive_file_access_first_occurrence": ("credential", "pathlib Path.read_bytes"),
    "persistence_python_launch_agent_or_daemon_creation_first_occurrence": ("launch_agent",
                                                                            "pathlib Path.write_bytes"),
    "persistence_suspicious_launch_agent_or_launch_daemon": ("launch_agent", "pathlib Path.write_bytes"),
    "execution_unusual_library_load_via_python": ("library", "ctypes CDLL"),
    "defense_evasion_privacy_controls_tcc_database_modification": ("tcc", "subprocess run"),
    "command_and_control_script_interpreter_connection_to_non_standard_port": ("connect", "subprocess run"),
}


def ops(data: bytes) -> list:
    return [(op.name, arg) for op, arg, _ in pickletools.genops(data)]


def run_entry(stem: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(EMU / stem / "emulate.py"), *args], capture_output=True,
                          text=True, timeout=60)


class PickleBytes(unittest.TestCase):
    def test_each_stage_has_global_and_reduce(self):
        with tempfile.TemporaryDirectory() as d:
            home, marker = pathlib.Path(d), pathlib.Path(d) / "m"
            for stem, (stage, global_arg) in ENTRY_POINTS.items():
                data = pe.build_pickle([stage], home, marker)
                o = ops(data)
                self.assertIn(("GLOBAL", global_arg), o, stem)
                self.assertGreaterEqual([n for n, _ in o].count("REDUCE"), 1, stem)
                self.assertEqual(o[0], ("PROTO", 4))
                self.assertEqual(o[-1][0], "STOP")
                self.assertIn(b"c" + global_arg.replace(" ", "\n").encode() + b"\n", data)

    def test_all_payload_chains_three_stages(self):
        data = pe.build_pickle(pe.PAYLOADS["all"], pathlib.Path("/tmp/h"), pathlib.Path("/tmp/m"))
        globals_ = [a for n, a in ops(data) if n == "GLOBAL"]
        self.assertEqual(globals_, ["os system", "pathlib Path.read_bytes", "pathlib Path",
                                    "pathlib Path.write_bytes", "pathlib Path"])
        self.assertEqual([n for n, _ in ops(data)].count("REDUCE"), 5)


class MarkerPayload(unittest.TestCase):
    def test_loading_marker_pickle_creates_marker(self):
        with tempfile.TemporaryDirectory() as d:
            marker = pathlib.Path(d) / "sub-marker.txt"
            data = pe.build_pickle(["marker"], pathlib.Path(d), marker)
            self.assertIn(("GLOBAL", "pathlib Path.write_text"), ops(data))
            self.assertFalse(marker.exists(), "building must not execute anything")
            pickle.loads(data)
            self.assertTrue(marker.exists())
            self.assertIn("REDUCE ran", marker.read_text())

    def test_file_stages_act_inside_temp_home_only(self):
        with tempfile.TemporaryDirectory() as d:
            home = pathlib.Path(d)
            (home / ".aws").mkdir()
            (home / ".aws" / "credentials").write_text(pe.DECOY_CREDENTIALS)
            (home / "Library" / "LaunchAgents").mkdir(parents=True)
            result = pickle.loads(pe.build_pickle(["credential", "launch_agent"], home, home / "m"))
            self.assertEqual(result[0], pe.DECOY_CREDENTIALS.encode())
            plist = home / "Library" / "LaunchAgents" / (pe.PLIST_LABEL + ".plist")
            self.assertTrue(plist.read_bytes().startswith(b"<?xml"))

    def test_entry_point_marker_run_cleans_up(self):
        with tempfile.TemporaryDirectory() as d, tempfile.TemporaryDirectory() as homes:
            for stem in ENTRY_POINTS:
                r = run_entry(stem, "--payload", "marker", "--marker-dir", d, "--home-root", homes)
                self.assertEqual(r.returncode, 0, r.stderr)
                marker = pathlib.Path(d) / "picket-emulation.marker"
                self.assertTrue(marker.exists(), stem)
                marker.unlink()
                self.assertEqual(list(pathlib.Path(homes).iterdir()), [], "temporary HOME not removed")


class EqlStages(unittest.TestCase):
    """The stages for the EQL rules really do what the rule looks for when the pickle is loaded (run() in
    process: main() refuses them off macOS)."""

    def test_library_stage_loads_a_copied_extension_module(self):
        with tempfile.TemporaryDirectory() as homes:
            out = io.StringIO()
            self.assertEqual(pe.run(["library"], homes, keep=True, dry_run=False, marker_dir=None, out=out), 0)
            home = pathlib.Path(out.getvalue().split("kept ")[1].strip())
            lib = pe.library_path(home)
            self.assertTrue(lib.exists())
            self.assertNotIn(".", lib.name)  # no .so/.dylib suffix: what the rule keys on

    def test_connect_stage_runs_a_second_interpreter_that_connects(self):
        import socket
        import threading
        with socket.socket() as server, tempfile.TemporaryDirectory() as homes:
            server.bind(("127.0.0.1", 0))
            server.listen(1)
            server.settimeout(20)
            accepted = []
            t = threading.Thread(target=lambda: accepted.append(server.accept()[0].close()))
            t.start()
            out = io.StringIO()
            rc = pe.run(["connect"], homes, keep=False, dry_run=False, marker_dir=None, out=out,
                        connect="127.0.0.1:%d" % server.getsockname()[1])
            t.join(20)
            self.assertEqual(rc, 0, out.getvalue())
            self.assertEqual(len(accepted), 1)
            self.assertEqual(list(pathlib.Path(homes).iterdir()), [])

    def test_connect_refuses_without_a_target(self):
        r = run_entry("command_and_control_script_interpreter_connection_to_non_standard_port", "--payload",
                      "connect")
        self.assertEqual(r.returncode, 2)
        self.assertIn("refusing", r.stderr)


class DryRun(unittest.TestCase):
    def test_dry_run_prints_plan_and_touches_nothing(self):
        with tempfile.TemporaryDirectory() as homes:
            for stem, (stage, global_arg) in ENTRY_POINTS.items():
                r = run_entry(stem, "--dry-run", "--home-root", homes)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("DRY RUN", r.stdout)
                self.assertIn("GLOBAL     '%s'" % global_arg, r.stdout)
                self.assertIn("REDUCE", r.stdout)
                self.assertEqual(list(pathlib.Path(homes).iterdir()), [], "dry run created files")
            r = run_entry(next(iter(ENTRY_POINTS)), "--dry-run", "--payload", "all")
            for needle in ("/bin/sh -c", ".aws/credentials", "LaunchAgents", "NOT loaded with launchctl"):
                self.assertIn(needle, r.stdout)

    def test_main_in_process_dry_run(self):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            rc = pe.main(default_payload="launch_agent", argv=["--dry-run"])
        self.assertEqual(rc, 0)
        self.assertIn("Path.write_bytes", buf.getvalue())


class Fixtures(unittest.TestCase):
    def test_every_ndjson_line_is_an_object(self):
        files = sorted(EMU.glob("*/*.ndjson")) + sorted((ROOT / "data" / "demo").glob("*.ndjson"))
        self.assertGreaterEqual(len(files), 10)
        for f in files:
            for n, line in enumerate(f.read_text().splitlines(), 1):
                self.assertIsInstance(json.loads(line), dict, "%s:%d" % (f, n))

    def test_every_bundled_rule_has_a_manifest(self):
        rules = sorted(p.stem for p in (ROOT / "rules" / "macos").glob("*.toml"))
        self.assertEqual(len(rules), 26)  # 3 new_terms + 23 upstream EQL rules that concern Python
        self.assertEqual(rules, sorted(m.parent.name for m in EMU.glob("*/manifest.json")))

    def test_rules_differ_from_upstream_only_in_our_prose(self):
        """docs/rule-pack.md, "Provenance": logic, ids and metadata as upstream; only the prose keys, author and
        (one file) a revoked ATT&CK sub-technique differ."""
        up = ROOT.parent / "shared" / "upstream" / "detection-rules" / "rules" / "macos"
        if not up.is_dir():
            self.skipTest("no upstream snapshot at %s" % up)
        ours = {"author", "description", "note", "false_positives", "setup"}
        for f in sorted((ROOT / "rules" / "macos").glob("*.toml")):
            a, b = (tomllib.loads(p.read_text()) for p in (f, up / f.name))
            self.assertEqual(a["metadata"], b["metadata"], f)
            diff = {k for k in a["rule"].keys() | b["rule"].keys() if a["rule"].get(k) != b["rule"].get(k)}
            allowed = ours | ({"threat"} if f.stem == "persistence_suspicious_launch_agent_or_launch_daemon" else set())
            self.assertTrue({"author", "description", "note"} <= diff <= allowed, (f.name, diff))
            self.assertEqual(a["rule"]["author"], b["rule"]["author"] + ["picket"], f.name)

    def test_eql_manifests_are_consistent(self):
        """Each EQL manifest has a positive case that detects and a negative case that stays quiet; its
        "lines" point into its events file, and its alert count is what they imply (a sequence writes its
        shell and one building block per event)."""
        checked = 0
        for m in sorted(EMU.glob("*/manifest.json")):
            data = json.loads(m.read_text())
            rule = tomllib.loads((ROOT / data["rule"]).read_text())["rule"]
            if rule["type"] != "eql":
                continue
            checked += 1
            self.assertEqual(rule["rule_id"], data["rule_id"])
            self.assertEqual(pathlib.Path(data["rule"]).stem, m.parent.name)
            sequence = rule["query"].lstrip().startswith("sequence")
            cases = {c["name"]: c for c in data["cases"]}
            self.assertEqual(set(cases), {"positive", "negative"}, m)
            self.assertGreater(len(cases["positive"]["expect"]["lines"]), 0, m)
            self.assertEqual(cases["negative"]["expect"], {"alerts": 0, "lines": []}, m)
            for c in data["cases"]:
                n = len((m.parent / c["events"]).read_text().splitlines())
                lines = c["expect"]["lines"]
                self.assertEqual(c["expect"]["alerts"], sum(len(d) + 1 if sequence else 1 for d in lines), m)
                for d in lines:
                    self.assertTrue(all(1 <= x <= n for x in d), (m, d))
                    self.assertEqual(len(d), 2 if sequence else 1, (m, d))  # the pack's sequences have 2 stages
                    self.assertEqual(d, sorted(d), (m, d))  # events of a sequence in file (time) order
                if sequence and c["name"] == "negative":
                    self.assertGreaterEqual(n, 6, "order, maxspan and by-key negatives: %s" % m)
        self.assertEqual(checked, 23)

    def test_manifests_match_rules_and_oracle(self):
        manifests = [m for m in sorted(EMU.glob("*/manifest.json")) if reference_eval.knows(
            ROOT / json.loads(m.read_text())["rule"])]
        self.assertEqual(len(manifests), 3)
        for m in manifests:
            data = json.loads(m.read_text())
            rule = tomllib.loads((ROOT / data["rule"]).read_text())["rule"]
            self.assertEqual(rule["rule_id"], data["rule_id"])
            self.assertEqual(pathlib.Path(data["rule"]).stem, m.parent.name)
            names = [c["name"] for c in data["cases"]]
            self.assertTrue({"positive", "negative", "reappear"} <= set(names), names)
            for c in data["cases"]:
                self.assertEqual(c["expect"]["alerts"], len(c["expect"]["terms"]))
                self.assertTrue((m.parent / c["events"]).exists())
                if c["baseline"]:
                    self.assertTrue((m.parent / c["baseline"]).exists())
            self.assertEqual(reference_eval.check_cases(ROOT / data["rule"], m.parent, data["cases"]), [])

    def test_demo_expectations_match_oracle(self):
        demo = ROOT / "data" / "demo"
        expected = json.loads((demo / "expected.json").read_text())
        self.assertEqual(len(expected["rules"]), 26)  # every bundled rule, quiet ones with zero
        total = 0
        events = (demo / "events.ndjson").read_text().splitlines()
        for entry in expected["rules"]:
            if reference_eval.knows(ROOT / entry["rule"]):
                self.assertEqual(reference_eval.check_cases(ROOT / entry["rule"], demo, entry["cases"]), [])
            else:
                # The EQL detections are all the day-9 model load's events on mbp-dana-04.
                for d in entry["cases"][0]["expect"]["lines"]:
                    for x in d:
                        doc = json.loads(events[x - 1])
                        self.assertEqual(doc["host"]["name"], "mbp-dana-04", (entry["rule"], x))
                        self.assertTrue(doc["@timestamp"].startswith("2026-03-10T14:03"), (entry["rule"], x))
            total += sum(c["expect"]["alerts"] for c in entry["cases"])
        # 5 new_terms alerts; EQL: library load, TCC.db, LaunchAgent (1 each) and the non-standard-port
        # sequence (its shell and 2 building blocks).
        self.assertEqual(total, 11)
        self.assertLess(sum(f.stat().st_size for f in demo.iterdir()), 3_200_000)


@unittest.skipIf(platform.system() == "Darwin", "refusal applies off macOS only")
class Refusal(unittest.TestCase):
    def test_real_payloads_refused_off_macos(self):
        with tempfile.TemporaryDirectory() as homes:
            for stem in ENTRY_POINTS:
                r = run_entry(stem, "--home-root", homes)
                self.assertEqual(r.returncode, 2)
                self.assertIn("refusing", r.stderr)
                self.assertEqual(list(pathlib.Path(homes).iterdir()), [])


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    sys.exit(1 if failed or result.testsRun == 0 else 0)
