"""`logsentinel run` as a real process, a separate writer process appending and rotating logs,
and a SIGKILL in the middle: after a restart the jsonl sink holds each event exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import PATTERNS, ROOT
from support.sidecar import wait_until

from logsentinel.detection.events import EventKey

WRITER = textwrap.dedent("""
    import os, sys, time
    from datetime import datetime, timezone
    logs, n_events, pause = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    path = os.path.join(logs, "app.log")
    rotations = 0
    def stamp():
        t = datetime.now(timezone.utc)
        return t.strftime("%Y-%m-%d %H:%M:%S,") + f"{t.microsecond // 1000:03d}"
    for i in range(n_events):
        with open(path, "a", encoding="utf-8", newline="\\r\\n") as fh:
            for j in range(5):
                fh.write(f"{stamp()} [4] INFO StoneVoice.Monitoring - check {i}.{j}: 0 errors\\n")
            fh.write(f"{stamp()} [4] WARN StoneVoice.Monitoring - Low database space for database DB{i:03d}\\n")
            fh.write("   at StoneVoice.Monitoring.Check()\\n")
        if i % 7 == 6:  # log4net-style rotation by rename
            rotations += 1
            os.replace(path, path + f".{rotations}")
        time.sleep(pause)
    print("done", flush=True)
""")


def _start(cfg: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "logsentinel", "-v", "run", "-c", str(cfg)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(log, "ab"),
    )


def _reports(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_kill9_and_restart_delivers_every_event_once(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        textwrap.dedent(f"""
        host: e2e
        patterns: ['{PATTERNS}']
        state: state/ls.db
        sources:
          - name: monitoring
            paths: ['logs/app.log*']   # rotated names too: files rotated while it is down are read
            timezone: UTC
            start_at: beginning
        sinks:
          - {{type: jsonl, path: out/events.jsonl}}
    """)
    )
    sink = tmp_path / "out" / "events.jsonl"
    errlog = tmp_path / "sidecar.log"
    n = 60
    side = _start(cfg, errlog)
    assert wait_until(lambda: "logsentinel running" in errlog.read_text())
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(logs), str(n), "0.05"], stdout=subprocess.PIPE)
    # kill -9 once some events are out, while the writer goes on writing and rotating
    assert wait_until(lambda: len(_reports(sink)) >= 10, timeout=30)
    side.kill()  # SIGKILL; TerminateProcess on Windows
    side.wait()
    killed_at = len(_reports(sink))
    assert 0 < killed_at < n, "the kill should land in the middle"
    rotated = len(list(logs.glob("app.log.*")))
    assert wait_until(lambda: len(list(logs.glob("app.log.*"))) > rotated)  # a rotation while it is down
    side = _start(cfg, errlog)
    assert writer.wait(timeout=60) == 0
    assert wait_until(lambda: len(_reports(sink)) >= n, timeout=30)
    if os.name == "nt":  # Wine delivers no console event: wait until all is delivered, then kill
        assert wait_until(lambda: len(_reports(sink)) >= n and "event fired" in errlog.read_text())
        side.kill()
        side.wait(timeout=10)
    else:
        side.send_signal(signal.SIGTERM)  # it delivers what it has before it exits: duplicates would show
        assert side.wait(timeout=10) == 0, errlog.read_text()
    reports = _reports(sink)
    keys = [r["dedup_key"] for r in reports]
    assert sorted(keys) == sorted(
        EventKey("database.space_low", "e2e", (("database", f"DB{i:03d}"),)).text() for i in range(n)
    ), errlog.read_text()[-3000:]
    assert len({r["id"] for r in reports}) == n
    assert all(r["status"] == "firing" and r["count"] == 1 for r in reports)
    # each event carries the line of its record in whichever file it was in
    assert all(r["line"] and r["path"].startswith(str(logs)) for r in reports)
