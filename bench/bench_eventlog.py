"""Live event-log throughput through the pywin32 double (``tests/support/fakewin``): events per
second from ``EvtNext`` to detection (render, convert, match, detect, commit), with and without
the default query, on a storm of unrelated events around a few crashes.

    .venv/bin/python bench/bench_eventlog.py [--events 20000] [--rounds 3] [--code DIR]

``--code DIR`` runs another checkout's logsentinel (``git worktree add /tmp/old REV``) on the same
double, for a before/after side by side. The double's cost is in every figure alike.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

RUN = r"""
import json, sys, time, textwrap
from pathlib import Path
sys.path.insert(0, sys.argv[1])          # the fake pywin32 modules
sys.path.insert(0, sys.argv[2])          # the logsentinel checkout
from fake_eventlog_service import SERVICE
from logsentinel.signatures.load import load_effective
try:
    from logsentinel.config.load import load_config
    from logsentinel.runtime.sidecar import Sidecar
except ImportError:                      # a checkout from before the house's second step
    from logsentinel.app.config import load_config
    from logsentinel.app.sidecar import Sidecar

events, restricted, work = int(sys.argv[3]), sys.argv[4] == "1", Path(sys.argv[5])
patterns = work / "patterns"
patterns.mkdir(exist_ok=True)
query = ""
if restricted:   # only event-selecting signatures: the default query applies (where the code has one)
    (patterns / "crash.yaml").write_text(textwrap.dedent('''
        id: bench.crash
        title: crash
        priority: P1
        event: {provider: Service Control Manager, id: [7031, 7034]}
        match: ['(?i)imagicle']
        dedup: {by: [param1]}
        examples:
          match:
            - event: {provider: Service Control Manager, id: 7031, channel: System, data: {param1: Imagicle A}}
            - event: {provider: Service Control Manager, id: 7031, channel: System, data: {param1: Imagicle B}}
            - event: {provider: Service Control Manager, id: 7034, channel: System, data: {param1: Imagicle C}}
          no_match:
            - event: {provider: Service Control Manager, id: 7036, channel: System, data: {param1: Imagicle A}}
            - event: {provider: Service Control Manager, id: 7031, channel: System, data: {param1: Spooler}}
    '''))
cfg = work / "cfg.yaml"
cfg.write_text(textwrap.dedent(f'''
    host: h
    patterns: ['{patterns}']
    bundled_patterns: {"false" if restricted else "true"}
    state: state.db
    sources: [{{type: eventlog, name: eventlog, channels: [System, Application], start_at: end}}]
    sinks: [{{type: jsonl, path: out.jsonl}}]
'''))
SERVICE.channel("System"); SERVICE.channel("Application")
config = load_config(cfg)
side = Sidecar(config, load_effective(config.patterns, config.bundled_patterns))
side.step()
ms = 1_795_773_600_000
for i in range(events):
    if i % 1000 == 0:
        SERVICE.write("System", ms + i, "Service Control Manager", 7031, {"param1": f"Imagicle Service {i}", "param2": "1"},
                      message=f"The Imagicle Service {i} service terminated unexpectedly.")
    else:
        SERVICE.write("System", ms + i, "Service Control Manager", 7036, {"param1": f"Spooler {i}", "param2": "running"},
                      message=f"The Spooler {i} service entered the running state.")
t0 = time.perf_counter()
while side.step():
    pass
dt = time.perf_counter() - t0
fired = sum(1 for line in (work / "out.jsonl").read_text().splitlines()) if (work / "out.jsonl").exists() else None
print(json.dumps({"seconds": dt, "renders": SERVICE.calls.get("EvtRender", 0),
                  "reports": len(side.checkpoint.state.db.execute("SELECT 1 FROM outbox").fetchall())}))
"""


def one(code: Path, events: int, restricted: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                RUN,
                str(ROOT / "tests" / "support" / "fakewin"),
                str(code),
                str(events),
                "1" if restricted else "0",
                tmp,
            ],
            cwd=tmp,
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            raise SystemExit(f"{code}: {out.stderr[-2000:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--code", type=Path, help="another checkout to compare with, side by side")
    args = ap.parse_args()
    codes = [("this tree", ROOT)] + ([("--code", args.code)] if args.code else [])
    for restricted, label in (
        (False, "bundled library (every event read)"),
        (True, "event signatures only (default query)"),
    ):
        print(f"{label}, {args.events:,} events (1 in 1000 a crash):")
        best: dict[str, dict] = {}
        for _ in range(args.rounds):  # alternating, best of rounds
            for name, code in codes:
                r = one(code, args.events, restricted)
                if name not in best or r["seconds"] < best[name]["seconds"]:
                    best[name] = r
        for name, r in best.items():
            print(
                f"  {name:10} {args.events / r['seconds']:>10,.0f} events/s   {r['renders']:>6} renders   "
                f"{r['reports']} reports"
            )
        if len(best) == 2:
            print(f"  ratio this tree / --code: {best['--code']['seconds'] / best['this tree']['seconds']:.2f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
