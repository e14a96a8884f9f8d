"""Operations: /metrics counters move as lines are appended; /healthz and /readyz; a signature
changed under a running sidecar fires, a broken one is refused and the old library keeps
working with its open events."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request

from conftest import PATTERNS, ROOT
from support.httpserver import free_port
from support.sidecar import start_sidecar, stop_sidecar, utc_stamp, wait_following, wait_until

from logsentinel.detection.events import EventKey

NEW_SIG = """\
id: demo.{name}
title: Demo {name}
priority: P2
match: ['demo failure (?P<code>\\d+)']
examples:
  match: ['2026-11-27 10:00:00 demo failure 42']
  no_match: ['2026-11-27 10:00:00 demo success']
"""


def _start(tmp_path, patterns, extra: str = "", sinks: str = "[{type: jsonl, path: out.jsonl}]"):
    log = tmp_path / "app.log"
    log.write_text("")
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        textwrap.dedent(f"""
        host: h
        patterns: ['{patterns}']
        state: state.db
        sources: [{{name: app, paths: ['{log}'], timezone: UTC}}]
        sinks: {sinks}
    """)
        + textwrap.dedent(extra)
    )
    side, thread = start_sidecar(cfg)
    wait_following(side)
    return side, thread, log


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _metric(text: str, name: str, **labels) -> float:
    for line in text.splitlines():
        if line.startswith(name) and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_move_as_lines_are_appended(tmp_path):
    port = free_port()
    side, thread, log = _start(tmp_path, PATTERNS, f"metrics: {{listen: '127.0.0.1:{port}'}}\n")
    base = f"http://127.0.0.1:{port}"
    try:
        status, before = _get(f"{base}/metrics")
        assert status == 200
        assert _get(f"{base}/healthz") == (200, "ok\n")
        assert _get(f"{base}/readyz")[0] == 200
        with open(log, "a") as fh:
            for i in range(20):
                fh.write(f"{utc_stamp()} [1] INFO Mon - all good {i}\n")
            fh.write(f"{utc_stamp()} [1] WARN Mon - Low database space for database DB7\n")

        def moved():
            text = _get(f"{base}/metrics")[1]
            return (
                _metric(text, "logsentinel_lines_read_total", source="app") >= 21
                and _metric(text, "logsentinel_events_total", signature="database.space_low", report="fired") == 1
                and _metric(text, "logsentinel_deliveries_total", sink="jsonl:out.jsonl", result="ok") >= 1
            )

        assert wait_until(moved), _get(f"{base}/metrics")[1][-3000:]
        text = _get(f"{base}/metrics")[1]
        assert _metric(before, "logsentinel_lines_read_total", source="app") == 0
        assert _metric(text, "logsentinel_matches_total", signature="database.space_low", kind="hit") == 1
        assert _metric(text, "logsentinel_signature_last_hit_timestamp_seconds", signature="database.space_low") > 1e9
        assert re.search(r'logsentinel_tail_lag_bytes\{path="[^"]+app.log",source="app"\} 0', text)
        assert _metric(text, "logsentinel_outbox_pending", sink="jsonl:out.jsonl") == 0
    finally:
        stop_sidecar(side, thread)


def test_reload_takes_a_good_library_and_refuses_a_broken_one(tmp_path):
    import shutil

    patterns = tmp_path / "patterns"
    shutil.copytree(PATTERNS, patterns)
    side, thread, log = _start(tmp_path, patterns)
    out = tmp_path / "out.jsonl"
    events = lambda: [json.loads(x) for x in out.read_text().splitlines()] if out.exists() else []  # noqa: E731
    try:
        # an open event of an existing signature, to see it carried over reloads
        with open(log, "a") as fh:
            fh.write(f"{utc_stamp()} [1] WARN Mon - Low database space for database DB1\n")
        assert wait_until(lambda: len(events()) == 1)
        (patterns / "demo.yaml").write_text(NEW_SIG.format(name="one"))
        assert wait_until(lambda: side.stats.reloads == 1)
        with open(log, "a") as fh:
            fh.write(f"{utc_stamp()} [1] ERROR Mon - demo failure 42\n")
        assert wait_until(lambda: any(e["signature"] == "demo.one" for e in events()))
        # a broken signature: refused, the old library (with demo.one) keeps working
        (patterns / "broken.yaml").write_text(NEW_SIG.format(name="two").replace("(?P<code>", "(?P<code"))
        assert wait_until(lambda: side.stats.reloads_refused == 1)
        assert side.stats.reloads == 1
        with open(log, "a") as fh:
            fh.write(f"{utc_stamp()} [1] ERROR Mon - demo failure 43\n")
            fh.write(f"{utc_stamp()} [1] WARN Mon - Low database space for database DB1\n")
        assert wait_until(lambda: side.matcher.stats.per_signature["demo.one"].hits == 2)
        # the DB1 event stayed open through the reload: the second line folded into it
        key = EventKey("database.space_low", "h", (("database", "DB1"),)).text()
        assert wait_until(lambda: side.detector.open[key].count == 2)
        assert [e["signature"] for e in events()].count("database.space_low") == 1
    finally:
        stop_sidecar(side, thread)


def test_json_log_lines(tmp_path):
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        f"patterns: ['{PATTERNS}']\nsources: [{{name: a, paths: ['{tmp_path}/*.log']}}]\n"
        "state: s.db\nlog: {format: json, level: info}\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "logsentinel", "run", "-c", str(cfg)], cwd=ROOT, stderr=subprocess.PIPE, text=True
    )
    time.sleep(2)
    proc.terminate()
    _out, err = proc.communicate(timeout=15)
    lines = [json.loads(x) for x in err.splitlines() if x.strip()]
    assert lines and all({"time", "level", "logger", "message"} <= set(x) for x in lines)
    assert any("logsentinel running on" in x["message"] for x in lines)
    assert proc.returncode == 0


def test_readyz_reports_a_sink_that_cannot_deliver(tmp_path):
    port, dead = free_port(), free_port()
    side, thread, log = _start(
        tmp_path,
        PATTERNS,
        f"metrics: {{listen: '127.0.0.1:{port}'}}\n",
        sinks=f"[{{type: webhook, name: support, url: 'http://127.0.0.1:{dead}/hook', timeout: 0.5, backoff_max: 0.3}}]",
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert _get(f"{base}/readyz")[0] == 200
        with open(log, "a") as fh:
            fh.write(f"{utc_stamp()} [1] WARN Mon - Low database space for database DB9\n")
        assert wait_until(lambda: _get(f"{base}/readyz")[0] == 503)
        _status, body = _get(f"{base}/readyz")
        assert "sink support: 1 report(s) waiting" in body and "cannot connect" in body
        assert _get(f"{base}/healthz")[0] == 200  # alive all the same
    finally:
        stop_sidecar(side, thread)


def test_a_reload_request_reloads_once_and_never_triggers_the_next(tmp_path, caplog):
    """Issue 11, item 4: reading the pattern files (watchdog's opened / closed_no_write) made
    every reload trigger the next one. Only a change reloads; a request without one is counted."""
    import logging

    caplog.set_level(logging.INFO, logger="logsentinel")
    patterns = tmp_path / "patterns"
    patterns.mkdir()
    (patterns / "demo.yaml").write_text(NEW_SIG.format(name="one"))
    side, thread, _log = _start(tmp_path, patterns)
    try:
        side.reloader.request()  # SIGHUP with nothing changed
        assert wait_until(lambda: side.stats.reloads_unchanged == 1)
        assert side.stats.reloads == 0
        (patterns / "demo.yaml").write_text(NEW_SIG.format(name="one").replace("P2", "P1"))
        (patterns / "more.yaml").write_text(NEW_SIG.format(name="two"))
        assert wait_until(lambda: side.stats.reloads == 1)
        said = lambda text: any(text in r.getMessage() for r in caplog.records)  # noqa: E731
        assert wait_until(lambda: said("added: demo.two; removed: none; changed: demo.one"))
        side.reloader.request()  # SIGHUP again: the files are read, nothing changed
        assert wait_until(lambda: side.stats.reloads_unchanged == 2)
        (patterns / "more.yaml").unlink()
        assert wait_until(lambda: side.stats.reloads == 2)
        assert wait_until(lambda: said("removed: demo.two; changed: none"))
        # each reload read every file (and the hash read them again): none of it asked for more
        assert side.stats.reloads_unchanged == 2 and side.stats.reloads_refused == 0
    finally:
        stop_sidecar(side, thread)


def test_only_a_written_yaml_file_is_a_change():
    from watchdog.events import (
        DirModifiedEvent,
        FileClosedNoWriteEvent,
        FileCreatedEvent,
        FileDeletedEvent,
        FileModifiedEvent,
        FileMovedEvent,
        FileOpenedEvent,
    )

    from logsentinel.runtime.reload import is_change

    assert not is_change(FileOpenedEvent("/p/a.yaml"))
    assert not is_change(FileClosedNoWriteEvent("/p/a.yaml"))
    assert not is_change(FileModifiedEvent("/p/a.yaml.swp"))
    assert not is_change(DirModifiedEvent("/p/sub.yaml"))
    assert is_change(FileModifiedEvent("/p/a.yaml")) and is_change(FileCreatedEvent("/p/b.yml"))
    assert is_change(FileDeletedEvent("/p/a.yaml"))
    assert is_change(FileMovedEvent("/p/.a.yaml.tmp", "/p/a.yaml"))  # an editor's atomic save


def test_healthz_fails_while_the_loop_keeps_failing_on_the_same_batch(tmp_path):
    """Issue 11, item 16: /healthz said ok while the loop rolled back to the same batch forever."""
    port = free_port()
    side, thread, _log = _start(tmp_path, PATTERNS, f"metrics: {{listen: '127.0.0.1:{port}'}}\n")
    base = f"http://127.0.0.1:{port}"
    real_step = side.step
    try:
        assert _get(f"{base}/healthz") == (200, "ok\n")

        def failing_step():
            raise ValueError("year 10000 is out of range")

        side.step = failing_step  # every round fails, as on a poisoned batch
        assert wait_until(lambda: _get(f"{base}/healthz")[0] == 503, timeout=30)
        _status, body = _get(f"{base}/healthz")
        assert "main loop failed" in body and "year 10000 is out of range" in body
        assert "main loop failed" in _get(f"{base}/readyz")[1]
        side.step = real_step  # the batch goes through: healthy again
        assert wait_until(lambda: _get(f"{base}/healthz") == (200, "ok\n"), timeout=30)
    finally:
        side.step = real_step
        stop_sidecar(side, thread)


def test_readyz_fails_on_a_full_disk_and_on_a_deleted_state_file(tmp_path, monkeypatch):
    """Issue 11, item 16: /readyz said ready with the state disk full and the state file deleted
    (its check even created a new, empty database in its place)."""
    import collections

    from logsentinel.runtime import health

    port = free_port()
    side, thread, _log = _start(tmp_path, PATTERNS, f"metrics: {{listen: '127.0.0.1:{port}'}}\n")
    base = f"http://127.0.0.1:{port}"
    state = tmp_path / "state.db"
    try:
        assert _get(f"{base}/readyz") == (200, "ready\n")
        usage = collections.namedtuple("usage", "total used free")
        monkeypatch.setattr(health.shutil, "disk_usage", lambda _p: usage(10 << 30, (10 << 30) - 4096, 4096))
        status, body = _get(f"{base}/readyz")
        assert status == 503 and "nearly full: 0 MB free" in body
        monkeypatch.undo()
        assert _get(f"{base}/readyz") == (200, "ready\n")
        if sys.platform != "win32":  # Windows refuses to delete an open file
            state.unlink()
            status, body = _get(f"{base}/readyz")
            assert status == 503 and "is gone" in body
            assert not state.exists()  # the check did not make an empty one
    finally:
        stop_sidecar(side, thread)


def test_a_record_that_keeps_failing_is_set_aside_and_reading_goes_on(tmp_path, caplog):
    """Issue 11, items 1 and 2: one record the loop fails on made it roll back to the same batch
    forever. After two failures the batch goes record by record; the record that still fails is
    set aside (counted, logged with its place) and the records around it are detected."""
    import logging

    caplog.set_level(logging.INFO, logger="logsentinel")
    side, thread, log = _start(tmp_path, PATTERNS)
    out = tmp_path / "out.jsonl"
    events = lambda: [json.loads(x) for x in out.read_text().splitlines()] if out.exists() else []  # noqa: E731
    real_process = side.detector.process
    poisoned = []

    def process(mr, advance=True):
        if "DB_POISON" in mr.record.text:
            poisoned.append(mr.record.line)
            raise OverflowError("a record no detector can take")
        return real_process(mr, advance=advance)

    try:
        side.detector.process = process
        original_recover = side.recover  # recover() loads the detector anew: patch that one too

        def recover():
            original_recover()
            nonlocal real_process
            real_process = side.detector.process
            side.detector.process = process

        side.recover = recover
        with open(log, "a") as fh:
            for name in ("DB_BEFORE", "DB_POISON", "DB_AFTER"):
                fh.write(f"{utc_stamp()} [1] WARN Mon - Low database space for database {name}\n")
        assert wait_until(lambda: {e["fields"].get("database") for e in events()} >= {"DB_BEFORE", "DB_AFTER"})
        assert side.stats.records_set_aside == 1 and len(poisoned) >= 3  # twice whole, once alone
        assert "DB_POISON" not in {e["fields"].get("database") for e in events()}
        assert [e["fields"]["database"] for e in events()].count("DB_BEFORE") == 1  # nothing twice
        assert any(f"{log}:2: set aside" in r.getMessage() for r in caplog.records)
        with open(log, "a") as fh:
            fh.write(f"{utc_stamp()} [1] WARN Mon - Low database space for database DB_LATER\n")
        assert wait_until(lambda: "DB_LATER" in {e["fields"].get("database") for e in events()})
        assert side.health.failures_in_row == 0
    finally:
        stop_sidecar(side, thread)
