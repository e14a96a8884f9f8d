"""Replay throughput of this signature library against an earlier one, side by side: the same
code, the same log, only the library differs (issue 12: the reworked signatures may cost at most
10 % of replay throughput).

    .venv/bin/python bench/bench_library.py [--old REV] [--lines 500000] [--rounds 5] [--corpus ucx]

The earlier library is taken from git (``git archive REV patterns``). The log is the replay
bench's deterministic corpus (bench/loggen.py, which dates the library's own examples into its
noise), or with ``--corpus ucx`` the UCX-like corpus that takes nothing from the library
(bench/ucxgen.py, issue 25). Each round runs ``logsentinel replay`` as a
process once per library, alternating; prints the median and best wall time of each, and the
ratio new / old (under 1.10 meets the goal).

With ``--old-code`` the earlier library runs on the earlier code too (``git archive REV`` of the
whole tree): the replay throughput of that day against this tree's, which is what a user sees.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
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
from ucxgen import generate as generate_ucx  # noqa: E402

from logsentinel.signatures.load import load_library  # noqa: E402

BEFORE_REWORK = "ab31f40^"  # the commit before "Signatures reworked for recall"
BEFORE_ISSUE = "90b8580^"  # the commit before issue 12's first change, the same library (ab31f40^'s
# code does not start: its cli imports a module committed after it)


def old_tree(rev: str, into: Path, whole: bool) -> Path:
    """``rev``'s patterns/ (and, if ``whole``, its code) unpacked into ``into``."""
    paths = ["logsentinel", "patterns"] if whole else ["patterns"]
    data = subprocess.run(["git", "archive", rev, *paths], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def run(code: Path, patterns: Path, log: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one replay process."""
    cmd = [
        sys.executable,
        "-m",
        "logsentinel",
        "replay",
        "--no-bundled",
        "--patterns",
        str(patterns),
        "--host",
        "bench",
        "--timezone",
        "UTC",
        "-o",
        os.devnull,
        str(log),
    ]
    env = dict(os.environ, PYTHONPATH=str(code))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=code, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--old",
        metavar="REV",
        help=f"the earlier library's commit (default {BEFORE_REWORK}; with --old-code {BEFORE_ISSUE})",
    )
    ap.add_argument("--lines", type=int, default=500_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--old-code", action="store_true", help="run the earlier library on the earlier code too")
    ap.add_argument("--corpus", choices=["loggen", "ucx"], default="loggen", help="the log (default loggen)")
    args = ap.parse_args()
    args.old = args.old or (BEFORE_ISSUE if args.old_code else BEFORE_REWORK)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    if args.corpus == "ucx":
        log = out / f"ucx-{args.lines}.log"
        if not log.exists():
            generate_ucx(log, args.lines)
    else:
        log = out / f"bench-{args.lines}.log"
        if not log.exists():
            generate(log, args.lines, load_library([ROOT / "patterns"]))
    with tempfile.TemporaryDirectory(prefix="ls-oldlib-") as tmp:
        old_root = old_tree(args.old, Path(tmp), args.old_code)
        runs = {"old": (old_root if args.old_code else ROOT, old_root / "patterns"), "new": (ROOT, ROOT / "patterns")}
        for code, lib in runs.values():
            run(code, lib, log)  # warm: scan-database cache, page cache
        times = {"old": [], "new": []}
        cpu = {"old": [], "new": []}
        for _ in range(args.rounds):
            for name in ("old", "new"):
                wall, used = run(*runs[name], log)
                times[name].append(wall)
                cpu[name].append(used)
    print(
        f"replay of {args.corpus} corpus, {args.lines:,} lines ({log.stat().st_size / 1e6:.0f} MB), {args.rounds} alternating rounds:"
    )
    for name in ("old", "new"):
        t = times[name]
        what = "library and code" if args.old_code else "library"
        print(
            f"  {name} {what} ({args.old if name == 'old' else 'this tree'}): median {statistics.median(t):.2f} s, "
            f"best {min(t):.2f} s, {args.lines / statistics.median(t):,.0f} lines/s"
        )
    ratio = statistics.median(times["new"]) / statistics.median(times["old"])
    cpu_ratio = statistics.median(cpu["new"]) / statistics.median(cpu["old"])
    print(f"  CPU seconds (median): old {statistics.median(cpu['old']):.2f}, new {statistics.median(cpu['new']):.2f}")
    print(f"  ratio new / old (median): wall {ratio:.3f}, CPU {cpu_ratio:.3f}  (goal: at most 1.10)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
