"""Where replay's time goes: cProfile of the replay pipeline in this process on the bench
corpus, the top costs by own time and by cumulative time (issue 13: profile first).

    .venv/bin/python bench/profile_replay.py [--lines 500000] [--top 15] [--engine auto]

Writes bench/out/replay.prof (open with `python -m pstats` or snakeviz) and prints the tables.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from loggen import generate  # noqa: E402

from logsentinel.cache.matcher import build_matcher  # noqa: E402
from logsentinel.config.load import default_config  # noqa: E402
from logsentinel.signatures.load import load_library  # noqa: E402
from logsentinel.tools.replay import replay  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=500_000)
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--engine", default="auto")
    args = ap.parse_args()
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    library = load_library([ROOT / "patterns"])
    log = out / f"bench-{args.lines}.log"
    if not log.exists():
        generate(log, args.lines, library)
    matcher = build_matcher(library.signatures, args.engine, ["bench"])
    reports: list = []
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    replay([log], default_config(), matcher, reports.append, host="bench", timezone="UTC")
    prof.disable()
    wall = time.perf_counter() - t0
    prof.dump_stats(out / "replay.prof")
    print(
        f"replay of {args.lines:,} lines ({log.stat().st_size / 1e6:.0f} MB), engine {args.engine}: "
        f"{wall:.2f} s under the profiler, {len(reports)} reports"
    )
    for key, title in (("tottime", "own time"), ("cumulative", "cumulative time")):
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(key).print_stats(args.top)
        body = buf.getvalue()
        print(f"\n--- top {args.top} by {title} ---")
        print(body[body.index("ncalls") :].rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
