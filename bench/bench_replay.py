"""Replay throughput and memory against two baselines measured in the same run.

    .venv/bin/python bench/bench_replay.py [--lines 1000000] [--naive-lines 100000]

Generates a deterministic log (bench/loggen.py), then measures on the same machine, one after
the other:

* logsentinel: ``logsentinel replay`` as a process (end to end: start-up, library load and
  hyperscan compile included), and the replay pipeline in this process (steady state);
* the naive loop: every ``match`` regex of the library searched with ``re`` on every line (on
  the first --naive-lines lines; its rate does not depend on the length);
* ``grep -E -i -c -f`` (C locale) with the library's regexes translated to ERE (bench/ere.py);

and prints lines per second and the ratios, plus the peak memory of the replay process for
two log lengths (flat means it does not grow with the log).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from ere import Untranslatable, to_ere  # noqa: E402
from loggen import generate  # noqa: E402

from logsentinel.cache.matcher import build_matcher  # noqa: E402
from logsentinel.config.load import default_config  # noqa: E402
from logsentinel.signatures.load import load_library  # noqa: E402
from logsentinel.tools.replay import replay  # noqa: E402

LAST_CPU = [0.0]  # CPU seconds of the last peak_rss_mb run (steadier than wall time on a busy machine)


def peak_rss_mb(cmd: list[str], env: dict | None = None, cwd: Path = ROOT) -> tuple[float, float]:
    """(wall seconds, peak RSS MB) of ``cmd``, read from its own rusage via wait4."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd, env=env)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed with exit code {proc.returncode}")
    LAST_CPU[0] = usage.ru_utime + usage.ru_stime
    return wall, usage.ru_maxrss / 1024


def naive_rate(path: Path, library, limit: int) -> float:
    regexes = [re.compile(rx.source) for s in library.signatures for rx in s.match]
    n = hits = 0
    t0 = time.perf_counter()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            for rx in regexes:
                if rx.search(line):
                    hits += 1
                    break
            n += 1
            if n >= limit:
                break
    return n / (time.perf_counter() - t0)


def grep_rate(path: Path, library, lines: int) -> tuple[float, int]:
    eres, skipped = [], 0
    for sig in library.signatures:
        for rx in sig.match:
            try:
                eres.append(to_ere(rx.source))
            except Untranslatable:
                skipped += 1
    with tempfile.NamedTemporaryFile("w", suffix=".ere", delete=False) as fh:
        fh.write("\n".join(eres) + "\n")
        ere_file = fh.name
    env = dict(os.environ, LC_ALL="C")
    best = None
    for _ in range(2):
        t0 = time.perf_counter()
        done = subprocess.run(
            ["grep", "-E", "-i", "-c", "-f", ere_file, str(path)], capture_output=True, env=env, check=False
        )
        if done.returncode not in (0, 1):
            raise SystemExit(f"grep failed: {done.stderr.decode()}")
        wall = time.perf_counter() - t0
        best = wall if best is None else min(best, wall)
    os.unlink(ere_file)
    return lines / best, skipped


def inprocess_rate(path: Path, library, lines: int) -> tuple[float, int]:
    matcher = build_matcher(library.signatures, "auto", ["bench"])  # compiled outside the timing
    cfg = default_config()
    sink = []
    t0 = time.perf_counter()
    replay([path], cfg, matcher, sink.append, host="bench", timezone="UTC")
    return lines / (time.perf_counter() - t0), len(sink)


def side_by_side(cmd: list[str], baseline: Path, rounds: int, lines: int) -> None:
    """Whole-process replay of this tree and of ``baseline``, alternating: best of ``rounds``.
    Both use the baseline's signature library, so the pipelines are compared on the same work."""
    env_new = dict(os.environ, PYTHONPATH=str(ROOT))
    env_old = dict(os.environ, PYTHONPATH=str(baseline))
    old_cmd = [c.replace(str(ROOT / "patterns"), str(baseline / "patterns")) for c in cmd]
    cmd = [*old_cmd[:3], "replay", "--no-bundled", *old_cmd[4:]]
    best = {"this tree": None, "baseline": None}
    cpu = {"this tree": None, "baseline": None}
    rss = {}
    for _ in range(rounds):
        for name, c, env, cwd in (("this tree", cmd, env_new, ROOT), ("baseline", old_cmd, env_old, baseline)):
            wall, rss[name] = peak_rss_mb(c, env=env, cwd=cwd)
            best[name] = wall if best[name] is None else min(best[name], wall)
            cpu[name] = LAST_CPU[0] if cpu[name] is None else min(cpu[name], LAST_CPU[0])
    print(f"side by side, best of {rounds} alternating rounds ({lines:,} lines):")
    for name in best:
        print(
            f"  {name:10} {best[name]:6.2f}s wall, {cpu[name]:6.2f}s CPU  {lines / best[name]:>12,.0f} lines/s"
            f"  peak {rss[name]:.1f} MB"
        )
    print(
        f"  ratio this tree / baseline: wall {best['this tree'] / best['baseline']:.3f}, "
        f"CPU {cpu['this tree'] / cpu['baseline']:.3f}"
    )
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--naive-lines", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ap.add_argument(
        "--baseline",
        type=Path,
        metavar="CHECKOUT",
        help="an earlier release's checkout (git worktree add DIR REV): its replay is timed "
        "side by side with this one's, alternating, and the ratio printed",
    )
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    library = load_library([ROOT / "patterns"])
    n_rx = sum(len(s.match) for s in library.signatures)

    log = args.out / f"bench-{args.lines}.log"
    log2 = args.out / f"bench-{args.lines * 2}.log"
    if not log.exists():
        info = generate(log, args.lines, library)
        print(f"generated {log.name}: {info}")
    if not log2.exists():
        generate(log2, args.lines * 2, library)
    size_mb = log.stat().st_size / 1e6
    print(
        f"log: {args.lines:,} lines, {size_mb:.0f} MB; library: {len(library.signatures)} signatures, {n_rx} match regexes"
    )

    cmd = [
        sys.executable,
        "-m",
        "logsentinel",
        "replay",
        "--patterns",
        str(ROOT / "patterns"),
        "--host",
        "bench",
        "--timezone",
        "UTC",
        "-o",
        os.devnull,
    ]
    if args.baseline:
        side_by_side([*cmd, str(log)], args.baseline, args.rounds, args.lines)
    wall1, rss1 = peak_rss_mb([*cmd, str(log)])
    wall2, rss2 = peak_rss_mb([*cmd, str(log2)])
    e2e = args.lines / wall1
    steady, reports = inprocess_rate(log, library, args.lines)
    naive = naive_rate(log, library, args.naive_lines)
    grep, skipped = grep_rate(log, library, args.lines)

    print()
    print(f"{'':34} {'lines/s':>12} {'vs naive':>9} {'vs grep':>8}")
    for name, rate in (
        ("logsentinel replay (process)", e2e),
        ("logsentinel pipeline (in process)", steady),
        ("naive re loop", naive),
        ("grep -E -i -c -f", grep),
    ):
        print(f"{name:34} {rate:>12,.0f} {rate / naive:>8.1f}x {rate / grep:>7.2f}x")
    print(
        f"(replay reported {reports} event updates; grep ran {n_rx - skipped} of {n_rx} regexes translated to ERE; naive timed on {args.naive_lines:,} lines)"
    )
    print()
    print(
        f"peak memory of the replay process: {rss1:.1f} MB for {args.lines:,} lines, "
        f"{rss2:.1f} MB for {args.lines * 2:,} lines (ratio {rss2 / rss1:.2f}); wall {wall1:.2f}s / {wall2:.2f}s"
    )


if __name__ == "__main__":
    main()
