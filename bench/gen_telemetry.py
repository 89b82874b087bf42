#!/usr/bin/python3
"""Benchmark telemetry: Elastic Defend-shaped NDJSON for thousands of hosts.

Contract
--------
  /usr/bin/python3 bench/gen_telemetry.py --events N --hosts H --out FILE [--seed S] [--days D]
      [--start 2026-03-01T00:00:00Z] [--malicious-rate R] [--cloud-share F] [--os-mix M,L,W]
      [--attack-rate A] [--upstream DIR]
* Writes exactly N lines, each one JSON object (compact), in ingest order (event.ingested is
  non-decreasing up to a few seconds of sensor jitter, as in a real stream). Same arguments -> same bytes.
* Mix: by default ~85% of hosts macOS, ~10% Linux, ~5% Windows (--os-mix); endpoint process, file,
  network, library, registry (Windows) and persistence events (logs-endpoint.events.*), plus non-endpoint datasets (logs-system.auth-* from Linux hosts; ~4% of episodes
  from aws.cloudtrail, okta.system, o365.audit, kubernetes.audit_logs, azure.signinlogs) so that index
  scoping matters. Event shapes come from bench/telemetry_model.py (shared with scripts/gen_demo.py).
* A small rate (--malicious-rate, per episode, default 0.0004) of macOS episodes is the malicious model
  load that the three rules/macos/*first_occurrence rules exist for.
* A share of episodes (--attack-rate, default 0.03) is an attack episode derived from an upstream EQL
  rule's own query (bench/eql_episodes.py over --upstream, default ../shared/upstream/detection-rules;
  skipped when that directory is absent or --attack-rate is 0): the rules are taken in a seeded
  round-robin, so 330k events hold about two episodes per rule. Sequences get one event per stage sharing
  the `by` keys.
* A summary (events, bytes/event, events/s, how many malicious and attack episodes) goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import random
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import telemetry_model as tm  # noqa: E402

DEFAULT_UPSTREAM = pathlib.Path(__file__).resolve().parent.parent.parent / "shared/upstream/detection-rules"

USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj",
         "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yara"]


def make_hosts(n: int, rng: random.Random, mix=(0.85, 0.10, 0.05)) -> list[tm.Host]:
    hosts = []
    mac, linux = mix[0], mix[0] + mix[1]
    for i in range(n):
        r = rng.random()
        os_type = "macos" if r < mac else ("linux" if r < linux else "windows")
        prefix = {"macos": "mbp", "linux": "srv", "windows": "ws"}[os_type]
        user = USERS[i % len(USERS)] if os_type != "linux" else "ubuntu"
        hosts.append(tm.Host("%s-%s-%05d" % (prefix, user, i), os_type, user, variant=i))
    return hosts


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, required=True)
    ap.add_argument("--hosts", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--days", type=float, default=10.0)
    ap.add_argument("--start", default="2026-03-01T00:00:00Z")
    ap.add_argument("--malicious-rate", type=float, default=0.0004)
    ap.add_argument("--os-mix", default="0.85,0.10,0.05",
                    help="shares of macOS, Linux and Windows hosts (default 0.85,0.10,0.05)")
    ap.add_argument("--cloud-share", type=float, default=0.04,
                    help="share of episodes that are cloud/SaaS audit documents (no endpoint index)")
    ap.add_argument("--attack-rate", type=float, default=0.03,
                    help="share of episodes derived from upstream EQL rules (0: none)")
    ap.add_argument("--upstream", default=str(DEFAULT_UPSTREAM),
                    help="detection-rules checkout whose EQL rules give the attack episodes")
    return ap.parse_args(argv)


def main(argv=None) -> int:
    a = parse_args(argv)
    rng = random.Random(a.seed)
    mix = [float(x) for x in a.os_mix.split(",")]
    if len(mix) != 3 or min(mix) < 0 or abs(sum(mix) - 1) > 1e-6:
        print("gen_telemetry: --os-mix takes three shares that add up to 1", file=sys.stderr)
        return 2
    hosts = make_hosts(max(1, a.hosts), rng, mix)
    macs = [h for h in hosts if h.os_type == "macos"] or hosts
    d = tm.Defend(stream_tag="bench-%d" % a.seed, lean=True)
    work = tm.Workload(rng, d)
    # Draws: [0, m) malicious model loads, [m, m + A) attack episodes, [m + A, cloud + A) cloud
    # documents, the rest benign; with no attacks (A = 0) the bytes are those of before them.
    attacks = None
    if a.attack_rate > 0 and pathlib.Path(a.upstream, "rules").is_dir():
        import eql_episodes  # noqa: E402 (only needed with an upstream snapshot)
        attacks = eql_episodes.UpstreamEpisodes(random.Random(a.seed * 7919 + 1), d, hosts, a.upstream)
    attack_band = a.attack_rate if attacks is not None else 0.0
    encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    t = tm.parse_iso(a.start)
    step = a.days * 86400.0 / max(1, a.events)  # advance per emitted event so the run spans --days
    written = nbytes = malicious = 0
    bad_hosts = set()
    started = time.perf_counter()
    with open(a.out, "w", encoding="utf-8", buffering=1 << 20) as f:
        while written < a.events:
            r = rng.random()
            if r < a.malicious_rate:
                h = macs[int(rng.random() * len(macs))]
                docs = work.malicious_model_load(h, t, label="com.%s.agent" % rng.choice(
                    ["apple.mlcache", "google.updater", "torch.hub", "hf.sync"]))
                malicious += 1
                bad_hosts.add(h.id)
            elif r < a.malicious_rate + attack_band:
                docs = attacks.next(t) or work.episode(hosts[int(rng.random() * len(hosts))], t)
            elif r < attack_band + a.cloud_share:
                docs = [work.cloud_event(t, USERS)]
            else:
                docs = work.episode(hosts[int(rng.random() * len(hosts))], t)
            for doc in docs:
                if written >= a.events:
                    break
                line = encode(doc)
                f.write(line)
                f.write("\n")
                nbytes += len(line) + 1
                written += 1
            t += step * len(docs)
    secs = time.perf_counter() - started
    print("wrote %d events, %.0f bytes/event, %.1f MB, %.1f s, %.0f events/s; "
          "malicious model loads: %d on %d hosts" % (written, nbytes / max(1, written), nbytes / 1e6, secs,
                                                     written / max(secs, 1e-9), malicious, len(bad_hosts)),
          file=sys.stderr)
    if attacks is not None:
        print("attack episodes: " + attacks.stats(), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
