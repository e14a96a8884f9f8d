"""Record times are hints, not masters: one line dated 9999 does not stop reading (replay or
live), one line dated years ahead does not move the live detector's clock (no false absence),
and every time written is ISO 8601."""

from __future__ import annotations

import json

from conftest import run_cli
from support.clock import FakeClock
from support.sidecar import read_jsonl, write_config

from logsentinel.config.load import load_config
from logsentinel.runtime.sidecar import Sidecar
from logsentinel.signatures.load import load_effective

FAIL = "{t} [1] WARN Mon - Low database space for database DB{n}\n"
BEAT = """
id: demo.heartbeat_missing
title: Demo heartbeat missing
priority: P1
absent: {match: ['heartbeat ok'], for: 120s}
examples: {match: ['heartbeat ok'], no_match: ['heartbeat late']}
"""


def test_a_line_dated_9999_does_not_stop_replay(tmp_path):
    log = tmp_path / "app.log"
    log.write_text(
        FAIL.format(t="2026-11-27 10:00:00,000", n=1)
        + FAIL.format(t="9999-12-31 23:59:59,000", n=2)
        + FAIL.format(t="2026-11-27 10:00:02,000", n=3)
    )
    res = run_cli("replay", "--timezone", "UTC", "--stats", log)
    assert res.returncode == 0, res.stderr
    events = [json.loads(x) for x in res.stdout.splitlines()]
    fired = {e["fields"]["database"]: e for e in events if e["report"] == "fired"}
    assert set(fired) == {"DB1", "DB2", "DB3"}
    assert fired["DB2"]["detected_at"] == "2026-11-27T10:00:00.000Z"  # the time of the record before it
    assert all(e["deadline"].startswith("2026-") for e in events)
    assert "record times not believed" in res.stderr and "9999-12-31" in res.stderr


def test_a_line_dated_years_ahead_does_not_move_the_live_clock(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "beat.yaml").write_text(BEAT)
    log = tmp_path / "app.log"
    log.write_text("")
    cfg = write_config(tmp_path, log, source="app", patterns=tmp_path / "p", bundled=False)
    clock = FakeClock(1_795_773_600.0)  # 2026-11-27 10:00:00 UTC
    config = load_config(cfg)
    side = Sidecar(config, load_effective(config.patterns, config.bundled_patterns), clock=clock)
    side.step()
    for i in range(6):  # a heartbeat every 30 s, one of them from a writer dated 2031
        year = "2031" if i == 3 else "2026"
        with open(log, "a") as fh:
            fh.write(f"{year}-11-27 10:{i // 2:02d}:{(i % 2) * 30:02d},000 [1] INFO Svc - heartbeat ok\n")
        clock.advance(30)
        side.step()
        side.step()
    side.dispatcher.start()
    side.dispatcher.stop(timeout=5)
    side.state.close()
    assert [e["signature"] for e in read_jsonl(tmp_path / "out.jsonl")] == []  # no false absence
    assert side.ignored_times.count == 1
