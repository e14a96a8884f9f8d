"""The live sidecar: append-to-event latency, idle CPU, and peak memory on a 1 GiB backlog.

    .venv/bin/python bench/bench_live.py [--events 200] [--idle-seconds 60] [--big-mb 1024]

Each part runs ``logsentinel run`` as its own process on a temporary folder:

1. latency: a writer appends a monitored line (each with its own dedup key) every 50 ms among
   noise; the time from the append to the event's line in the jsonl sink is measured for each
   (polled every 2 ms), and p50/p99 are printed;
2. idle CPU: 50 watched files that do not change; the sidecar's CPU time over the idle period
   (from /proc) divided by the period;
3. memory: a log of --big-mb MB read from the beginning (a backlog), and one a tenth of that
   size: peak RSS of each run (flat means it does not grow with the log), and the backlog's
   read rate.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))


def write_config(folder: Path, paths: list[str], start_at: str = "end") -> Path:
    cfg = folder / "cfg.yaml"
    globs = ", ".join(f"'{p}'" for p in paths)
    cfg.write_text(
        textwrap.dedent(f"""
        host: bench
        patterns: ['{ROOT / "patterns"}']
        state: state/ls.db
        sources:
          - name: app
            paths: [{globs}]
            timezone: UTC
            start_at: {start_at}
        sinks:
          - {{type: jsonl, path: events.jsonl}}
    """)
    )
    return cfg


def start(cfg: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "logsentinel", "run", "-c", str(cfg)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(proc: subprocess.Popen) -> float:
    """SIGTERM, wait; returns the peak RSS in MB (from wait4)."""
    proc.send_signal(signal.SIGTERM)
    _pid, _status, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return usage.ru_maxrss / 1024


def wait_ready(folder: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not (folder / "state" / "ls.db").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)


def stamp() -> str:
    t = datetime.now(UTC)
    return t.strftime("%Y-%m-%d %H:%M:%S,") + f"{t.microsecond // 1000:03d}"


def latency(events: int) -> tuple[float, float, float]:
    folder = Path(tempfile.mkdtemp(prefix="ls-lat-"))
    log = folder / "app.log"
    log.write_text("")
    proc = start(write_config(folder, [str(log)]))
    wait_ready(folder)
    sink = folder / "events.jsonl"
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    pos = 0
    try:
        with open(log, "a", encoding="utf-8") as fh:
            for i in range(events):
                for j in range(3):
                    fh.write(f"{stamp()} [4] INFO StoneVoice.Monitoring - check {i}.{j}: 0 errors\n")
                name = f"DB{i:05d}"
                fh.write(f"{stamp()} [4] WARN StoneVoice.Monitoring - Low database space for database {name}\n")
                fh.flush()
                sent[name] = time.perf_counter()
                end = time.perf_counter() + 0.05
                while time.perf_counter() < end:
                    pos = _collect(sink, pos, seen)
                    time.sleep(0.002)
        deadline = time.perf_counter() + 10
        while len(seen) < events and time.perf_counter() < deadline:
            pos = _collect(sink, pos, seen)
            time.sleep(0.002)
    finally:
        stop(proc)
        shutil.rmtree(folder, ignore_errors=True)
    lat = sorted((seen[k] - sent[k]) * 1000 for k in sent if k in seen)
    if len(lat) < events:
        print(f"warning: {events - len(lat)} events never arrived")
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    return statistics.median(lat), p99, max(lat)


def _collect(sink: Path, pos: int, seen: dict) -> int:
    try:
        with open(sink, "rb") as fh:
            fh.seek(pos)
            data = fh.read()
    except FileNotFoundError:
        return pos
    now = time.perf_counter()
    end = data.rfind(b"\n") + 1
    for line in data[:end].splitlines():
        name = json.loads(line).get("fields", {}).get("database")  # the event's dedup field
        if name:
            seen.setdefault(name, now)
    return pos + end


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_cpu(files: int, seconds: float) -> float:
    folder = Path(tempfile.mkdtemp(prefix="ls-idle-"))
    for i in range(files):
        (folder / f"app{i:02d}.log").write_text(f"{stamp()} [1] INFO x - started\n")
    proc = start(write_config(folder, [str(folder / "*.log")]))
    wait_ready(folder)
    try:
        c0, t0 = cpu_seconds(proc.pid), time.monotonic()
        time.sleep(seconds)
        c1, t1 = cpu_seconds(proc.pid), time.monotonic()
    finally:
        stop(proc)
        shutil.rmtree(folder, ignore_errors=True)
    return (c1 - c0) / (t1 - t0) * 100


def backlog(mb: int, out: Path) -> tuple[float, float]:
    """(peak RSS MB, read rate MB/s) for a log of ``mb`` MB read from its beginning."""
    from loggen import generate

    from logsentinel.signatures.load import load_library

    unit = out / "unit-100MB.log"
    if not unit.exists():
        generate(unit, 950_000, load_library([ROOT / "patterns"]))
    folder = Path(tempfile.mkdtemp(prefix="ls-big-"))
    big = folder / "big.log"
    unit_size = unit.stat().st_size
    with open(big, "wb") as dst:
        written = 0
        while written < mb * 1_000_000:
            with open(unit, "rb") as src:
                shutil.copyfileobj(src, dst, 1 << 20)
            written += unit_size
            if mb * 1_000_000 < unit_size:
                dst.truncate(mb * 1_000_000)
                dst.seek(0, 2)
                break
    size = big.stat().st_size
    proc = start(write_config(folder, [str(big)], start_at="beginning"))
    t0 = time.monotonic()
    try:
        db = folder / "state" / "ls.db"
        import sqlite3

        while True:
            time.sleep(0.5)
            try:
                con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
                row = con.execute("SELECT max(offset) FROM files").fetchone()
                con.close()
            except sqlite3.Error:
                continue
            if row and row[0] is not None and row[0] >= size:
                break
        elapsed = time.monotonic() - t0
    finally:
        rss = stop(proc)
        shutil.rmtree(folder, ignore_errors=True)
    return rss, size / 1e6 / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=200)
    ap.add_argument("--files", type=int, default=50)
    ap.add_argument("--idle-seconds", type=float, default=60.0)
    ap.add_argument("--big-mb", type=int, default=1024)
    ap.add_argument("--out", type=Path, default=HERE / "out")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    p50, p99, worst = latency(args.events)
    print(
        f"latency append -> jsonl event ({args.events} events): p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {worst:.0f} ms"
    )
    cpu = idle_cpu(args.files, args.idle_seconds)
    print(f"idle CPU with {args.files} watched files over {args.idle_seconds:.0f} s: {cpu:.2f} % of one core")
    small_rss, small_rate = backlog(max(args.big_mb // 10, 1), args.out)
    big_rss, big_rate = backlog(args.big_mb, args.out)
    print(f"backlog {args.big_mb // 10} MB: peak RSS {small_rss:.1f} MB, read at {small_rate:.0f} MB/s")
    print(
        f"backlog {args.big_mb} MB: peak RSS {big_rss:.1f} MB, read at {big_rate:.0f} MB/s "
        f"(ratio of peaks {big_rss / small_rss:.2f})"
    )


if __name__ == "__main__":
    main()
