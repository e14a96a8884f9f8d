"""What the new-error radar costs (issue 24): replay with and without ``--radar``, side by side
(the same code, the same log, alternating rounds; the machine is noisy), and the memory of the
radar's templates at 10,000 of them.

    .venv/bin/python bench/bench_radar.py [--lines 500000] [--rounds 5] [--templates 10000]

The log is the replay bench's deterministic corpus (bench/loggen.py): noise, near misses (some at
WARN and ERROR that no signature takes: the radar's records) and events. Goals: replay at most
1.10x without the radar; at most 5 MB for 10,000 templates.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from loggen import generate  # noqa: E402

from logsentinel.detection.radar import Radar, RadarSettings  # noqa: E402
from logsentinel.signatures.load import load_library  # noqa: E402


def run(log: Path, radar: bool) -> float:
    cmd = [sys.executable, "-m", "logsentinel", "replay", "--host", "bench", "--timezone", "UTC", "-o", os.devnull]
    cmd += ["--radar"] if radar else []
    t0 = time.perf_counter()
    subprocess.run([*cmd, str(log)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


VOCABULARY = [
    "call",
    "recording",
    "queue",
    "trunk",
    "channel",
    "licence",
    "license",
    "database",
    "connection",
    "socket",
    "timeout",
    "refused",
    "failed",
    "cannot",
    "unable",
    "invalid",
    "missing",
    "expired",
    "rejected",
    "stream",
    "codec",
    "payload",
    "mailbox",
    "attendant",
    "menu",
    "agent",
    "webex",
    "token",
    "presence",
    "user",
    "sync",
    "download",
    "cdr",
    "report",
    "storage",
    "file",
    "folder",
    "disk",
    "share",
    "service",
    "host",
    "engine",
    "worker",
    "thread",
    "request",
    "response",
    "header",
    "session",
    "transaction",
    "register",
    "invite",
    "bye",
    "media",
    "rtp",
    "sip",
    "gateway",
    "proxy",
    "cluster",
    "replica",
    "node",
    "backup",
    "export",
    "import",
    "schedule",
    "job",
    "task",
]


def template_memory(n: int, seed: int = 7) -> tuple[int, int]:
    """(bytes held by a radar holding ``n`` templates of one source, templates kept). The
    kinds of error are made of a UCX-like vocabulary (the words repeat across kinds, as a
    host's errors do), 3 to 14 words long, with numbers the masks take; kinds are added until
    Drain holds ``n`` templates (it merges some). Times are epoch milliseconds, as a log's; the
    changed templates are taken at the end, as the sidecar's checkpoint takes them."""
    import random

    rng = random.Random(seed)
    tracemalloc.start()
    radar = Radar(RadarSettings(learn_s=0, max_templates=n))
    radar.learning = True
    before = tracemalloc.get_traced_memory()[0]
    t0, i = 1_764_230_400_000, 0
    while sum(len(m.templates) for m in radar.sources.values()) < n and i < 10 * n:
        words = " ".join(rng.choice(VOCABULARY) for _ in range(3 + i % 12))
        line = f"2026-11-27 10:00:00,000 [1] ERROR Part{i % 40}.Worker - {words} {i}"
        radar.observe("app", line, t0 + i * 1000, None, str)
        i += 1
    radar.take_changes()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return held, sum(len(m.templates) for m in radar.sources.values())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=500_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--templates", type=int, default=10_000)
    args = ap.parse_args()
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    log = out / f"bench-{args.lines}.log"
    if not log.exists():
        generate(log, args.lines, load_library([ROOT / "patterns"]))
    run(log, False), run(log, True)  # warm: the scan-database cache, the page cache
    times: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(args.rounds):
        for radar in (False, True):
            times[radar].append(run(log, radar))
    plain, radar_t = statistics.median(times[False]), statistics.median(times[True])
    print(f"replay of {args.lines:,} lines ({log.stat().st_size / 1e6:.0f} MB), {args.rounds} alternating rounds:")
    print(f"  without the radar: median {plain:.2f} s; with --radar: median {radar_t:.2f} s")
    print(f"  ratio radar / plain (median): {radar_t / plain:.3f}  (goal: at most 1.10)")
    held, kept = template_memory(args.templates)
    print(f"  {kept:,} templates held in {held / 1e6:.2f} MB  (goal: at most 5 MB for 10,000)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
