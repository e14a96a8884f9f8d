"""Replay throughput of this signature library against an earlier one, side by side: the same
code, the same log, only the library differs (issue 12: the reworked signatures may cost at most
10 % of replay throughput).

    .venv/bin/python bench/bench_library.py [--old REV] [--lines 500000] [--rounds 5]

The earlier library is taken from git (``git archive REV patterns``). The log is the replay
bench's deterministic corpus (bench/loggen.py). Each round runs ``logsentinel replay`` as a
process once per library, alternating; prints the median and best wall time of each, and the
ratio new / old (under 1.10 meets the goal).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from loggen import generate  # noqa: E402

from logsentinel.signatures.load import load_library  # noqa: E402

BEFORE_REWORK = "ab31f40^"   # the commit before "Signatures reworked for recall"


def old_library(rev: str, into: Path) -> Path:
    data = subprocess.run(["git", "archive", rev, "patterns"], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into / "patterns"


def run(patterns: Path, log: Path) -> float:
    cmd = [sys.executable, "-m", "logsentinel", "replay", "--no-bundled", "--patterns", str(patterns),
           "--host", "bench", "--timezone", "UTC", "-o", os.devnull, str(log)]
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", default=BEFORE_REWORK, metavar="REV", help=f"the earlier library's commit (default {BEFORE_REWORK})")
    ap.add_argument("--lines", type=int, default=500_000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    log = out / f"bench-{args.lines}.log"
    if not log.exists():
        generate(log, args.lines, load_library([ROOT / "patterns"]))
    with tempfile.TemporaryDirectory(prefix="ls-oldlib-") as tmp:
        old = old_library(args.old, Path(tmp))
        new = ROOT / "patterns"
        for lib in (old, new):
            run(lib, log)                      # warm: scan-database cache, page cache
        times = {"old": [], "new": []}
        for _ in range(args.rounds):
            times["old"].append(run(old, log))
            times["new"].append(run(new, log))
    print(f"replay of {args.lines:,} lines ({log.stat().st_size / 1e6:.0f} MB), {args.rounds} alternating rounds:")
    for name in ("old", "new"):
        t = times[name]
        print(f"  {name} library ({args.old if name == 'old' else 'this tree'}): median {statistics.median(t):.2f} s, "
              f"best {min(t):.2f} s, {args.lines / statistics.median(t):,.0f} lines/s")
    ratio = statistics.median(times["new"]) / statistics.median(times["old"])
    print(f"  ratio new / old (median): {ratio:.3f}  (goal: at most 1.10)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
