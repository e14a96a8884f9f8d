"""`logsentinel validate` and `run` refuse broken configs with messages naming file, line, key;
the jsonl sink cuts a batch that was written but never confirmed (exactly once)."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC

from conftest import PATTERNS, run_cli
from support.sidecar import fail_first_call, wait_until

from logsentinel.clock import SYSTEM
from logsentinel.dispatch.outbox import Outbox
from logsentinel.sinks.jsonl import JsonlSettings, JsonlSink
from logsentinel.state.database import State


def _cfg(tmp_path, body: str):
    path = tmp_path / "cfg.yaml"
    path.write_text(textwrap.dedent(body))
    return path


def test_validate_ok(tmp_path):
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "a.log").write_text("x\n")
    cfg = _cfg(
        tmp_path,
        f"""
        host: h
        patterns: ['{PATTERNS}']
        sources:
          - {{name: a, paths: ['logs/*.log']}}
          - {{name: b, paths: ['nowhere/*.log']}}
        sinks:
          - {{type: jsonl, path: out.jsonl}}
          - {{type: stdout}}
    """,
    )
    res = run_cli("validate", "-c", cfg)
    assert res.returncode == 0, res.stderr
    assert "source a: 1 glob(s), 1 file(s)" in res.stdout and "nothing matches yet" in res.stdout
    assert "cloud.api_probe_failed" not in res.stdout  # its source "probes" always exists


def test_validate_names_every_problem(tmp_path):
    cfg = _cfg(
        tmp_path,
        f"""
        host: h
        patterns: ['{PATTERNS}']
        sources:
          - name: a
            paths: ['x.log']
            start_at: middle
            multiline: {{start: '(', flush_after: soon}}
        sinks:
          - {{type: carrier-pigeon, to: support}}
          - {{type: jsonl}}
          - {{type: jsonl, path: a.jsonl, pth: b}}
    """,
    )
    res = run_cli("validate", "-c", cfg)
    assert res.returncode == 1
    err = res.stderr
    assert "cfg.yaml:7: start_at" in err and "'middle'" in err
    assert "multiline.start: bad regex" in err and "multiline.flush_after" in err
    assert "unknown sink type 'carrier-pigeon'" in err
    assert "a jsonl sink needs 'path'" in err
    assert "pth" in err and "did you mean 'path'" in err
    assert "Traceback" not in err


def test_run_refuses_broken_patterns(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "bad.yaml").write_text(
        "id: bad\ntitle: B\npriority: P9\nmatch: [x]\nexamples: {match: [x], no_match: [y]}\n"
    )
    cfg = _cfg(
        tmp_path,
        """
        patterns: [p]
        sources: [{name: a, paths: ['*.log']}]
    """,
    )
    res = run_cli("run", "-c", cfg)
    assert res.returncode == 2 and "bad.yaml:3: bad: priority" in res.stderr and "not started" in res.stderr


def test_jsonl_sink_cuts_an_unconfirmed_batch(tmp_path):
    State(tmp_path / "s.db").close()
    outbox = Outbox.open(tmp_path / "s.db")
    store = outbox.sink_store("out")
    sink = JsonlSink("out", JsonlSettings(type="jsonl", path="out.jsonl"), tmp_path, SYSTEM)
    extra = sink.deliver([json.dumps({"n": 1})], store)
    for k, v in extra.items():  # confirmed
        store.put(k, v)
    sink.deliver([json.dumps({"n": 2}), json.dumps({"n": 3})], store)  # written, then "killed"
    sink.recover(store)  # at restart
    assert (tmp_path / "out.jsonl").read_text() == '{"n": 1}\n'
    # a file someone replaced is left alone
    (tmp_path / "new.jsonl").write_text('{"other": true}\n{"more": 1}\n')
    (tmp_path / "new.jsonl").replace(tmp_path / "out.jsonl")
    sink.recover(store)
    assert "other" in (tmp_path / "out.jsonl").read_text()
    outbox.close()


def test_notification_defaults_apply_to_signatures_without_their_own(tmp_path):
    from logsentinel.config.load import load_config
    from logsentinel.signatures.load import load_effective

    cfg = _cfg(
        tmp_path,
        f"""
        patterns: ['{PATTERNS}']
        defaults: {{repeat: 30m, auto_resolve: 6h}}
    """,
    )
    config = load_config(cfg)
    lib = load_effective(config.patterns, config.bundled_patterns)
    own = {s.id: s.auto_resolve_s for s in lib.signatures}
    assert any(v is None for v in own.values()) and any(v is not None for v in own.values())
    config.defaults.apply(lib.signatures)
    assert all(s.repeat_s == 1800 for s in lib.signatures)
    assert all(s.auto_resolve_s == (own[s.id] or 21600) for s in lib.signatures)  # a signature's own wins
    bad = _cfg(tmp_path, "defaults: {repeats: 1h}\n")
    res = run_cli("validate", "-c", bad)
    assert res.returncode == 1 and "did you mean 'repeat'" in res.stderr


def test_a_failed_confirmation_does_not_duplicate_jsonl_lines(tmp_path, monkeypatch):
    import sqlite3
    import threading

    from logsentinel.dispatch.worker import SinkWorker

    db_path = tmp_path / "s.db"
    State(db_path).close()
    outbox = Outbox.open(db_path)
    with outbox.transaction() as db:
        for i in range(3):
            outbox.enqueue(db, ["out"], {"id": f"{i:032d}", "priority": "P2", "n": i}, now=0.0)
    outbox.close()
    monkeypatch.setattr(
        Outbox,
        "mark_delivered",
        staticmethod(fail_first_call(Outbox.mark_delivered, sqlite3.OperationalError("database is locked"))),
    )
    stop = threading.Event()
    worker = SinkWorker(
        JsonlSink("out", JsonlSettings(type="jsonl", path="out.jsonl"), tmp_path, SYSTEM), db_path, stop
    )
    worker.start()
    assert wait_until(lambda: worker.counters.delivered >= 3, timeout=10)
    stop.set()
    worker.wake.set()
    worker.join(timeout=10)
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert [json.loads(x)["n"] for x in lines] == [0, 1, 2]


def test_a_codec_that_is_no_text_encoding_is_refused(tmp_path):
    cfg = _cfg(tmp_path, "sources: [{name: a, paths: ['*.log'], encoding: rot13}]\n")
    res = run_cli("validate", "-c", cfg)
    assert res.returncode == 1 and "'rot13' is not a text encoding" in res.stderr


def test_every_time_is_iso_8601_with_four_year_digits():
    from datetime import datetime

    from logsentinel.timefmt import iso

    year1 = int(datetime(1, 1, 1, tzinfo=UTC).timestamp() * 1000)
    assert iso(year1) == "0001-01-01T00:00:00.000Z"
    assert iso(year1 + 86_400_000 * 400 + 5) == "0002-02-05T00:00:00.005Z"
    assert iso(1_795_773_600_123) == "2026-11-27T10:00:00.123Z"


def test_one_sidecar_per_state(tmp_path):
    """A second run on the same state stops at once, naming the pid; status works meanwhile."""
    import subprocess
    import sys

    from support.sidecar import wait_until

    (tmp_path / "app.log").write_text("")
    cfg = _cfg(tmp_path, f"sources: [{{name: a, paths: ['{tmp_path / 'app.log'}']}}]\nstate: s.db\n")
    first = subprocess.Popen(
        [sys.executable, "-m", "logsentinel", "-v", "run", "-c", str(cfg)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_until(
            lambda: (
                (tmp_path / "s.db.lock").exists() and (tmp_path / "s.db.lock").read_text().strip() == str(first.pid)
            ),
            timeout=30,
        )
        second = run_cli("run", "-c", cfg, timeout=30)
        assert second.returncode == 2 and f"is in use by pid {first.pid}" in second.stderr
        assert "Traceback" not in second.stderr
        assert run_cli("status", "-c", cfg).returncode == 0
    finally:
        first.terminate()
        first.wait(timeout=15)


def test_validate_catches_what_run_would_trip_on(tmp_path):
    cfg = _cfg(
        tmp_path,
        textwrap.dedent("""
        sources: [{name: a, paths: ['*.log']}]
        heartbeat: {interval: 0}
        metrics: {listen: '127.0.0.1:99999'}
        sinks:
          - {type: webhook, url: 'https://hooks.example.com/x', timeout: .inf}
          - {type: webhook, name: two, url: 12, headers: [a, b]}
          - {type: webhook, name: three, url: 'hooks.example.com/x'}
    """),
    )
    res = run_cli("validate", "-c", cfg)
    err = res.stderr
    assert res.returncode == 1 and "Traceback" not in err
    for needle in (
        "interval: expected a positive duration",
        "a port from 1 to 65535",
        "expected an http:// or https:// URL",
        "expected a finite number",
        "expected a string, got 12",
        "expected a mapping of name: value",
    ):
        assert needle in err, needle


def test_listening_everywhere_is_a_warning_and_a_taken_port_one_line(tmp_path):
    import socket

    (tmp_path / "app.log").write_text("")
    cfg = _cfg(
        tmp_path, f"sources: [{{name: a, paths: ['{tmp_path / 'app.log'}']}}]\nmetrics: {{listen: '0.0.0.0:9999'}}\n"
    )
    res = run_cli("validate", "-c", cfg)
    assert res.returncode == 0 and "warning:" in res.stderr and "every interface" in res.stderr
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        port = taken.getsockname()[1]
        cfg = _cfg(
            tmp_path,
            f"sources: [{{name: a, paths: ['{tmp_path / 'app.log'}']}}]\nstate: s.db\n"
            f"metrics: {{listen: '127.0.0.1:{port}'}}\n",
        )
        res = run_cli("run", "-c", cfg, timeout=60)
        assert res.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in res.stderr
        assert "Traceback" not in res.stderr and "running on" not in res.stderr
    finally:
        taken.close()


def test_a_jsonl_batch_cut_short_by_a_full_disk_is_taken_back(tmp_path, monkeypatch):
    import errno
    import os

    from logsentinel.sinks.base import DeliveryError

    State(tmp_path / "s.db").close()
    outbox = Outbox.open(tmp_path / "s.db")
    sink = JsonlSink("out", JsonlSettings(type="jsonl", path="out.jsonl"), tmp_path, SYSTEM)
    sink.deliver([json.dumps({"n": 0})], outbox.sink_store("out"))
    monkeypatch.setattr(os, "fsync", fail_first_call(os.fsync, OSError(errno.ENOSPC, "No space left on device")))
    try:
        sink.deliver([json.dumps({"n": 1}), json.dumps({"n": 2})], outbox.sink_store("out"))
    except DeliveryError as exc:
        assert "No space left" in str(exc)
    else:
        raise AssertionError("the failed write was taken as delivered")
    assert (tmp_path / "out.jsonl").read_text() == '{"n": 0}\n'  # no broken line, no half batch
    sink.deliver([json.dumps({"n": 1}), json.dumps({"n": 2})], outbox.sink_store("out"))  # the retry
    assert [json.loads(x)["n"] for x in (tmp_path / "out.jsonl").read_text().splitlines()] == [0, 1, 2]
    outbox.close()


def test_state_and_event_files_are_private(tmp_path):
    import os
    import stat

    if os.name == "nt":
        return  # Windows: the folder's ACL decides (docs/operations.md)
    State(tmp_path / "s.db").close()
    outbox = Outbox.open(tmp_path / "s.db")
    JsonlSink("out", JsonlSettings(type="jsonl", path="out.jsonl"), tmp_path, SYSTEM).deliver(
        ['{"n": 1}'], outbox.sink_store("out")
    )
    outbox.close()
    for name in ("s.db", "out.jsonl"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
