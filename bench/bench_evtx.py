"""Replay of .evtx files against the evtx package's own parse of the same file, side by side.

    .venv/bin/python bench/bench_evtx.py [FILE.evtx ...]   (default: ../shared/fixtures/evtx/*.evtx)

For each file, best of --rounds, alternating: the parser alone (every record's XML), our reading
(the parser + the converter to records), and a whole in-process replay (+ matching with the
bundled library + detection). Prints records per second and the ratios to the parser alone.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from evtx import PyEvtxParser  # noqa: E402

from logsentinel.cache.matcher import build_matcher  # noqa: E402
from logsentinel.config.load import default_config  # noqa: E402
from logsentinel.signatures.load import load_effective  # noqa: E402
from logsentinel.sources.eventlog.capture import EventStats, read_events  # noqa: E402
from logsentinel.tools.replay import replay  # noqa: E402


def parser_alone(path: Path) -> int:
    n = 0
    for record in PyEvtxParser(str(path)).records():
        n += len(record["data"]) > 0
    return n


def reading(path: Path) -> int:
    return sum(1 for _ in read_events(path, "eventlog", EventStats(), "evtx"))


def whole_replay(path: Path, matcher) -> int:
    stats = replay([path], default_config(), matcher, lambda ev: None, host="bench")
    return stats.eventlog.events


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    files = args.files or sorted((ROOT.parent / "shared" / "fixtures" / "evtx").glob("*.evtx"))
    matcher = build_matcher(load_effective([]).signatures)
    for path in files:
        best: dict[str, float] = {}
        counts: dict[str, int] = {}
        runs = {
            "parser alone": parser_alone,
            "parser + converter": reading,
            "whole replay": lambda p: whole_replay(p, matcher),
        }
        for _ in range(args.rounds):
            for name, run in runs.items():
                t0 = time.perf_counter()
                counts[name] = run(path)
                best[name] = min(best.get(name, float("inf")), time.perf_counter() - t0)
        print(f"{path.name}: {counts['parser alone']:,} records, {path.stat().st_size / 1e6:.1f} MB")
        base = counts["parser alone"] / best["parser alone"]
        for name in runs:
            rate = counts[name] / best[name]
            print(f"  {name:20} {rate:>12,.0f} records/s  {rate / base:6.2f}x the parser alone")


if __name__ == "__main__":
    main()
