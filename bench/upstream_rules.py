"""The upstream rule files the benchmarks read: every .toml under DIR/rules and
DIR/rules_building_block outside _deprecated/, in path order (the set picket
loads from those directories). One walker for ratio_bench, upstream_fire_count
and eql_episodes."""
import os
import tomllib


def rule_files(upstream):
    for top in ("rules", "rules_building_block"):
        for root, dirs, files in os.walk(os.path.join(upstream, top)):
            dirs[:] = sorted(d for d in dirs if d != "_deprecated")
            for name in sorted(files):
                if name.endswith(".toml"):
                    yield os.path.join(root, name)


def load_rule(path):
    """The file's [rule] table ({} when the file is not readable TOML)."""
    try:
        with open(path, "rb") as f:
            return tomllib.load(f).get("rule", {})
    except (OSError, ValueError):
        return {}
