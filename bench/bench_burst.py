"""A burst of open events (issue 21, item 13): 100k distinct failures in one log read by a
sidecar (``step()`` as fast as it goes, its sink worker running), with one P1 near the end. It
prints how long the P1 took to reach the sink, and what each commit cost at the start of the
burst and at its end (flat when only what changed is written: the whole detector snapshot, 82 MB
at 100k open events, was rewritten on every commit before).

    .venv/bin/python bench/bench_burst.py [--events 100000] [--code DIR]

``--code DIR`` runs another checkout (``git worktree add /tmp/old REV``) on the same burst, side
by side.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RUN = r"""
import json, statistics, sys, textwrap, threading, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from logsentinel.config.load import load_config
from logsentinel.runtime import checkpoint
from logsentinel.runtime.sidecar import Sidecar
from logsentinel.signatures.load import load_effective

events, work, at = int(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4])
(work / "p").mkdir()
(work / "p" / "burst.yaml").write_text(textwrap.dedent('''
    - id: b.job
      title: a job failed
      priority: P3
      match: ['job (?P<job>\d+) failed']
      dedup: {by: [job]}
      examples: {match: ['job 1 failed', 'job 2 failed', 'job 3 failed'], no_match: ['job 1 done']}
    - id: b.crash
      title: the service crashed
      priority: P1
      match: ['service crashed']
      examples: {match: ['the service crashed', 'service crashed now', 'x service crashed'], no_match: ['service ok']}
'''))
log = work / "app.log"
stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() - 5))  # a burst that just happened
with open(log, "w") as fh:
    for i in range(events):
        fh.write(f"{stamp},{i % 1000:03d} ERROR job {i} failed\n")
        if i == int(events * at):
            fh.write(f"{stamp},999 FATAL the service crashed\n")
(work / "cfg.yaml").write_text(textwrap.dedent(f'''
    host: h
    patterns: ['{work / "p"}']
    bundled_patterns: false
    state: state.db
    sources: [{{name: app, paths: ['{log}'], timezone: UTC, start_at: beginning}}]
    sinks: [{{type: jsonl, path: out.jsonl, max_pending: 1000000}}]
'''))
costs = []
real = checkpoint.Checkpoint.commit
def timed(self, *a, **k):
    t = time.perf_counter()
    out = real(self, *a, **k)
    costs.append(time.perf_counter() - t)
    return out
checkpoint.Checkpoint.commit = timed
config = load_config(work / "cfg.yaml")
side = Sidecar(config, load_effective(config.patterns, config.bundled_patterns))
side.dispatcher.start()
t0 = time.perf_counter()
seen = {}
def watch():
    out = work / "out.jsonl"
    while "p1" not in seen:
        if out.exists() and '"b.crash"' in out.read_text(errors="replace"):
            seen["p1"] = time.perf_counter() - t0
        time.sleep(0.05)
threading.Thread(target=watch, daemon=True).start()
while side.step():
    pass
read = time.perf_counter() - t0
while "p1" not in seen and time.perf_counter() - t0 < 600:
    time.sleep(0.05)
side.dispatcher.stop(timeout=5)
n = max(1, len(costs) // 10)
print(json.dumps({
    "read_s": read, "p1_s": seen.get("p1"), "commits": len(costs), "open": len(side.detector.open),
    "first_ms": statistics.median(costs[:n]) * 1000, "last_ms": statistics.median(costs[-n:]) * 1000,
    "state_mb": sum(p.stat().st_size for p in work.glob("state.db*")) / 1e6,
}))
"""


def one(code: Path, events: int, at: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [sys.executable, "-c", RUN, str(code), str(events), tmp, str(at)], cwd=tmp, capture_output=True, text=True
        )
        if out.returncode != 0:
            raise SystemExit(f"{code}: {out.stderr[-2000:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--code", type=Path, help="another checkout to compare with, side by side")
    ap.add_argument("--p1-at", default="0.05,0.9", help="where the P1 line is in the burst (fractions)")
    args = ap.parse_args()
    for at in map(float, args.p1_at.split(",")):
        print(f"a burst of {args.events:,} distinct failures, one P1 at {at:.0%} of it:")
        for name, code in [("this tree", ROOT)] + ([("--code", args.code)] if args.code else []):
            report(name, one(code, args.events, at))
    return 0


def report(name: str, r: dict) -> None:
    p1 = f"{r['p1_s']:.1f} s" if r["p1_s"] is not None else "not delivered"
    print(
        f"  {name:10} P1 delivered after {p1}; read in {r['read_s']:.1f} s, {r['commits']} commits; "
        f"a commit {r['first_ms']:.1f} ms at the start, {r['last_ms']:.1f} ms at the end "
        f"({r['last_ms'] / max(r['first_ms'], 1e-6):.1f}x); {r['open']:,} open; state {r['state_mb']:.0f} MB"
    )


if __name__ == "__main__":
    raise SystemExit(main())
