#!/usr/bin/env python3
"""Emulation for rules/macos/execution_unusual_library_load_via_python.toml.

Loads a pickle whose REDUCE payload triggers the rule on a macOS host with Elastic Defend
(default --payload library). Everything happens under a temporary HOME that is removed afterwards.
See emulations/pickle_emulation.py for the contract and docs/rule-pack.md for usage.
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from pickle_emulation import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(default_payload="library"))
