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

    def test_manifests_match_rules_and_oracle(self):
        manifests = sorted(EMU.glob("*/manifest.json"))
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
        self.assertEqual(len(expected["rules"]), 3)
        total = 0
        for entry in expected["rules"]:
            self.assertEqual(reference_eval.check_cases(ROOT / entry["rule"], demo, entry["cases"]), [])
            total += sum(c["expect"]["alerts"] for c in entry["cases"])
        self.assertGreater(total, 0)
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
