"""A backlog found at start is detected as replay would: time follows the records while
catching up (a threshold spread over many MB of old log still trips), the wall clock after."""

from __future__ import annotations

import json

from support.sidecar import fail_first_call, load_sidecar, write_config

FAIL = "2025-01-10 10:{m:02d}:00,000 [6] ERROR Imagicle.Cloud.ApiClient - GET https://api.imagicle.com/test failed: Unable to connect to the remote server\n"
NOISE = "2025-01-10 10:{m:02d}:{s:02d},000 [6] INFO Imagicle.Cloud.Telemetry - Telemetry batch of 120 samples sent, padding {pad}\n"


def test_threshold_across_a_large_old_backlog(tmp_path):
    log = tmp_path / "cloud.log"
    with open(log, "w") as fh:
        for m in (0, 5, 10):
            fh.write(FAIL.format(m=m))
            for s in range(60 * 4):  # ~1.5 MB of noise between failures: several read batches
                fh.write(NOISE.format(m=m + s // 60, s=s % 60, pad="x" * 6000))
    side = load_sidecar(write_config(tmp_path, log, source="cloud", start_at="beginning"))
    steps = 0
    while side.step() or steps == 0:
        steps += 1
        assert steps < 100
    assert steps >= 3, "the backlog should take several batches"
    assert side.stats.events >= 1, side.detector.snapshot()
    side.dispatcher.start()
    side.dispatcher.stop(timeout=5)
    reports = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [(r["signature"], r["count"], r["first_seen"]) for r in reports][:1] == [
        ("cloud.api_unreachable", 2, "2025-01-10T10:00:00.000Z")
    ]
    side.state.close()


def test_a_failed_commit_loses_nothing_and_repeats_nothing(tmp_path, monkeypatch):
    """If a commit fails (disk full, locked database), the loop goes back to the last committed
    state: the lines of the failed batch are read again and their events made once."""
    import sqlite3

    log = tmp_path / "a.log"
    log.write_text("")
    side = load_sidecar(write_config(tmp_path, log, start_at="beginning"))
    side.step()
    with open(log, "a") as fh:
        fh.write("2026-11-27 10:00:00,000 [1] WARN Mon - Low database space for database DB1\n")
        fh.write("2026-11-27 10:00:01,000 [1] INFO Mon - next\n")
    monkeypatch.setattr(
        side.state,
        "save_detector",
        fail_first_call(side.state.save_detector, sqlite3.OperationalError("database or disk is full")),
    )
    try:
        side.step()
    except sqlite3.OperationalError:
        side.recover()
    for _ in range(3):
        side.step()
    side.dispatcher.start()
    side.dispatcher.stop(timeout=5)
    reports = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    fired = [(r["signature"], r["fields"]) for r in reports if r["report"] == "fired"]
    assert fired == [("database.space_low", {"database": "DB1"})]  # once (it is overdue by now: reported so too)
    side.state.close()
