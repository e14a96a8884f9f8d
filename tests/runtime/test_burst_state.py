"""A burst of open events (issue 21, items 12 and 13), against a running sidecar: a commit writes
only the open events that changed (the whole 82.7 MB snapshot was rewritten on every commit of a
100k-event burst), a restart reads them back without rewriting them, and ``/api/status`` gives a
page of them (87 MB in 25 s with 100k open; six at once took the sidecar to 2.4 GB), with at
most two answers built at once."""

from __future__ import annotations

import json
import sqlite3
import textwrap
import urllib.error
import urllib.request

from support.httpserver import free_port
from support.sidecar import start_sidecar, stop_sidecar, wait_following, wait_until

import logsentinel.web.listener as listener

BURST = 1200

SIG = """\
id: t.burst
title: A job failed
priority: P3
match: ['job (?P<job>\\d+) failed']
dedup:
  by: [job]
examples:
  match: ['2026-12-03 10:00:00 job 1 failed', '2026-12-03 10:00:00 job 2 failed', '2026-12-03 10:00:00 job 3 failed']
  no_match: ['2026-12-03 10:00:00 job 1 done']
"""


def _config(tmp_path):
    patterns = tmp_path / "patterns"
    patterns.mkdir(exist_ok=True)
    (patterns / "burst.yaml").write_text(SIG)
    log = tmp_path / "app.log"
    if not log.exists():
        log.write_text("")
    port = free_port()
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        textwrap.dedent(f"""
        host: h
        patterns: ['{patterns}']
        bundled_patterns: false
        state: state.db
        sources: [{{name: app, paths: ['{log}'], timezone: UTC}}]
        sinks: [{{type: jsonl, path: out.jsonl}}]
        metrics: {{listen: '127.0.0.1:{port}'}}
    """)
    )
    return cfg, log, port


def _rows(tmp_path) -> int:
    db = sqlite3.connect(tmp_path / "state.db")
    try:
        return db.execute("SELECT COUNT(*) FROM open_events").fetchone()[0]
    finally:
        db.close()


def _get(url: str) -> tuple[int, str, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read().decode(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


def test_a_burst_is_written_as_it_changes_and_listed_a_page_at_a_time(tmp_path):
    cfg, log, port = _config(tmp_path)
    side, thread = start_sidecar(cfg)
    try:
        wait_following(side)
        with open(log, "a") as fh:
            fh.writelines(f"2026-12-03 10:00:{i % 60:02d},000 ERROR job {i} failed\n" for i in range(BURST))
        assert wait_until(lambda: len(side.detector.open) == BURST and _rows(tmp_path) == BURST, timeout=60)

        # one more hit folds into one event: that commit changes a few rows, not 1,200
        db = side.state.db
        before, commits = db.total_changes, side.stats.commits
        with open(log, "a") as fh:
            fh.write("2026-12-03 10:01:00,000 ERROR job 7 failed\n")
        assert wait_until(
            lambda: side.stats.commits > commits and any(e.count == 2 for e in side.detector.open.values())
        )
        assert db.total_changes - before < 20

        base = f"http://127.0.0.1:{port}"
        code, body, _ = _get(f"{base}/api/status")
        status = json.loads(body)
        assert code == 200 and status["events_total"] == BURST
        assert len(status["events"]) == listener.DEFAULT_LIMIT  # every one of 100k before
        deadlines = [e["deadline"] for e in status["events"]]
        assert deadlines == sorted(deadlines)
        code, body, _ = _get(f"{base}/api/status?offset={BURST - 30}&limit=100")
        assert code == 200 and len(json.loads(body)["events"]) == 30
        assert _get(f"{base}/api/status?limit=lots")[0] == 400
        code, page, _ = _get(f"{base}/")
        assert code == 200 and page.count("<tr class='event") == listener.PAGE_EVENTS
        assert f"Open events: {BURST}" in page and f"{BURST - listener.PAGE_EVENTS} more" in page

        # two answers being built: a third is told to come back, the others still answer
        server = side.metrics
        assert server is not None
        for _ in range(listener.BUSY_AFTER):
            server._building.acquire()
        try:
            code, _, headers = _get(f"{base}/api/status")
            assert code == 503 and headers.get("Retry-After") == "1"
            assert _get(f"{base}/healthz")[0] == 200
        finally:
            for _ in range(listener.BUSY_AFTER):
                server._building.release()
        assert _get(f"{base}/api/status")[0] == 200
    finally:
        stop_sidecar(side, thread)

    # a restart reads the rows back and does not write them again
    side, thread = start_sidecar(cfg)
    try:
        assert len(side.detector.open) == BURST
        db = side.state.db
        before, commits = db.total_changes, side.stats.commits
        with open(log, "a") as fh:
            fh.write("2026-12-03 10:02:00,000 ERROR job 9 failed\n")
        assert wait_until(lambda: side.stats.commits > commits)
        assert db.total_changes - before < 20
        assert _rows(tmp_path) == BURST
    finally:
        stop_sidecar(side, thread)


def test_readyz_stays_ready_while_a_long_commit_holds_the_database(tmp_path):
    """Item 13: /readyz said "database is locked" for 20 s while a burst was committed."""
    cfg, _log, port = _config(tmp_path)
    side, thread = start_sidecar(cfg)
    try:
        wait_following(side)
        writer = sqlite3.connect(tmp_path / "state.db", timeout=1)
        writer.execute("BEGIN IMMEDIATE")  # what a commit holds while it writes
        try:
            code, body, _ = _get(f"http://127.0.0.1:{port}/readyz")
            assert (code, body) == (200, "ready\n")
        finally:
            writer.execute("ROLLBACK")
            writer.close()
    finally:
        stop_sidecar(side, thread)
