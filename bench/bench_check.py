"""``logsentinel check`` of the bundled library: cold (no cached ReDoS verdicts) against warm,
side by side, as real processes, the way validate, run and a reload meet it.

    .venv/bin/python bench/bench_check.py [--rounds 3]

Each round runs the cold check with a fresh cache folder, then the warm one with the same
folder. Prints the best wall time of each and the ratio warm/cold. Goal: warm under 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed_check(cache: Path) -> float:
    env = dict(os.environ, XDG_CACHE_HOME=str(cache), LOCALAPPDATA=str(cache))
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "logsentinel", "check", "-q"], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    cold, warm = [], []
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            cold.append(timed_check(Path(tmp)))
            warm.append(timed_check(Path(tmp)))
    print(
        f"check, bundled library: cold {min(cold):.2f} s, warm {min(warm):.2f} s, warm/cold {min(warm) / min(cold):.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
