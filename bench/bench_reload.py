"""SIGHUP to the new library matching: the time from a reload request to the first event of a
signature that the reload added, on a running ``logsentinel run`` process.

    .venv/bin/python bench/bench_reload.py [--rounds 5]

The sidecar runs with the bundled library and a folder of its own. Each round writes a new
signature file to that folder, sends SIGHUP, and appends a line only the new signature matches
every 10 ms until its event is in the jsonl sink. Prints each round and the median and worst.
Goal: under 1 s. (ReDoS verdicts are warmed first, as any start after the first has them.)
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_live import stamp, start, stop  # noqa: E402

SIGNATURE = """\
id: bench.reload_{n}
title: Reload probe {n}
priority: P3
match: ['reload probe {n} (?P<code>\\d+)']
examples:
  match: ['2026-11-27 10:00:00 reload probe {n} 1']
  no_match: ['2026-11-27 10:00:00 reload probe {n} ok']
"""


def config(folder: Path, log: Path) -> Path:
    cfg = folder / "cfg.yaml"
    cfg.write_text(
        textwrap.dedent(f"""
        host: bench
        patterns: [mine]
        state: state/ls.db
        sources: [{{name: app, paths: ['{log}'], timezone: UTC}}]
        sinks: [{{type: jsonl, path: events.jsonl}}]
    """)
    )
    return cfg


def fired(sink: Path, sig_id: str) -> bool:
    if not sink.exists():
        return False
    return any(json.loads(line).get("signature") == sig_id for line in sink.read_text().splitlines() if line)


def one_round(proc, folder: Path, log: Path, n: int) -> float:
    t0 = time.perf_counter()
    if n:
        (folder / "mine" / f"r{n}.yaml").write_text(SIGNATURE.format(n=n))
        t0 = time.perf_counter()
        proc.send_signal(signal.SIGHUP)
    sink = folder / "events.jsonl"
    i = 0
    with open(log, "a", encoding="utf-8") as fh:
        while not fired(sink, f"bench.reload_{n}"):
            if time.perf_counter() - t0 > 30:
                raise SystemExit(f"round {n}: no event after 30 s")
            i += 1
            fh.write(f"{stamp()} [1] ERROR Bench - reload probe {n} {i}\n")
            fh.flush()
            time.sleep(0.01)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    subprocess.run([sys.executable, "-m", "logsentinel", "check", "-q"], check=True)  # warm verdicts
    with tempfile.TemporaryDirectory(prefix="ls-reload-") as tmp:
        folder = Path(tmp)
        (folder / "mine").mkdir()
        (folder / "mine" / "r0.yaml").write_text(SIGNATURE.format(n=0))
        log = folder / "app.log"
        log.write_text("")
        proc = start(config(folder, log))
        try:
            while not (folder / "state" / "ls.db").exists():  # the sidecar has started
                if proc.poll() is not None:
                    raise SystemExit("the sidecar exited")
                time.sleep(0.05)
            one_round(proc, folder, log, 0)  # r0 is loaded: the sidecar follows the log, SIGHUP is handled
            times = []
            for n in range(1, args.rounds + 1):
                times.append(one_round(proc, folder, log, n))
                print(f"round {n}: {times[-1]:.2f} s")
        finally:
            stop(proc)
    print(
        f"SIGHUP to the new signature's event: median {statistics.median(times):.2f} s, "
        f"worst {max(times):.2f} s (goal: under 1 s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
