"""A damaged state file (issue 21, item 16), through ``logsentinel run`` as a service starts it:
corrupt schema text, detector JSON, an open event or a file position gives exit 2 and one line
naming the file, before the listener binds (a traceback and exit 1 before); a read-only state
is refused at open (``run`` bound its port, then crashed); an empty state is a warning naming
what starts afresh (silently taken as new before); a damaged outbox row is never sent as it is,
and ``logsentinel outbox`` lists it (it crashed)."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import textwrap
import threading

import pytest
from conftest import run_cli
from support.httpserver import free_port
from support.sidecar import read_jsonl

from logsentinel.config.load import load_config
from logsentinel.dispatch.outbox import Outbox
from logsentinel.dispatch.worker import SinkWorker
from logsentinel.sinks.registry import build_sinks
from logsentinel.state.database import State


def _setup(tmp_path):
    log = tmp_path / "app.log"
    log.write_text("")
    port = free_port()
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        textwrap.dedent(f"""
        host: h
        state: state.db
        sources: [{{name: app, paths: ['{log}'], timezone: UTC}}]
        sinks: [{{type: jsonl, name: out, path: out.jsonl}}]
        metrics: {{listen: '127.0.0.1:{port}'}}
    """)
    )
    state = State(tmp_path / "state.db")
    with state.transaction() as db:
        db.execute("INSERT INTO detector VALUES (1, ?)", (json.dumps({"clock": 1, "version": 2}),))
        db.execute(
            "INSERT INTO files VALUES ('app', '1:2', ?, x'', 0, ?, 0, 0)", (str(log), json.dumps({"cutter": {}}))
        )
    state.close()
    return cfg


def _damage(path, sql: str) -> None:
    db = sqlite3.connect(path)
    db.execute("PRAGMA writable_schema = 1")
    db.execute(sql)
    db.commit()
    db.close()


def _refused(cfg, *needles: str) -> None:
    res = run_cli("run", "-c", cfg, cwd=cfg.parent, timeout=60)
    assert res.returncode == 2, res.stderr[-3000:]
    assert "Traceback" not in res.stderr
    assert "status page, metrics and health on" not in res.stderr  # refused before the listener binds
    assert all(n in res.stderr for n in needles), res.stderr[-3000:]


@pytest.mark.parametrize(
    ("sql", "what"),
    [
        ("UPDATE detector SET state = '{not json'", "the detector's state (detector) is damaged"),
        ("UPDATE files SET reader = 'garbage'", "a file position"),
        (
            "INSERT INTO open_events VALUES ('k', 0, 1, '[truncated')",
            "an open event (k) is damaged",
        ),
        ("UPDATE sqlite_master SET sql = 'CREATE TABLE files(' WHERE name = 'files'", "malformed database schema"),
    ],
    ids=["detector", "reader", "open-event", "schema"],
)
def test_a_damaged_state_is_refused_with_one_line(tmp_path, sql, what):
    cfg = _setup(tmp_path)
    _damage(tmp_path / "state.db", sql)
    _refused(cfg, "state.db", what, "move the file aside")


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root writes a read-only file")
def test_a_read_only_state_is_refused_before_the_listener_binds(tmp_path):
    cfg = _setup(tmp_path)
    (tmp_path / "state.db").chmod(0o444)
    _refused(cfg, "state.db", "readonly")


def test_a_read_only_state_is_refused_at_open(tmp_path, monkeypatch):
    """The same where the test runs as root (which writes a read-only file): SQLite's own
    read-only open."""
    from logsentinel.dispatch.outbox import StateError

    _setup(tmp_path)
    real = sqlite3.connect

    def read_only(path, *args, **kwargs):
        return real(f"file:{path}?mode=ro", *args, uri=True, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", read_only)
    with pytest.raises(StateError, match="readonly"):
        State(tmp_path / "state.db")


def test_an_empty_state_is_a_warning_that_names_what_is_reset(tmp_path, caplog):
    from support.sidecar import load_sidecar

    cfg = _setup(tmp_path)
    (tmp_path / "state.db").write_bytes(b"")
    for extra in ("state.db-wal", "state.db-shm"):
        (tmp_path / extra).unlink(missing_ok=True)
    with caplog.at_level("WARNING", logger="logsentinel"):
        side = load_sidecar(cfg)
    side.state.close()
    assert any(
        "state.db is empty (0 bytes): taken as new; file positions, open events" in r.getMessage()
        for r in caplog.records
    )


def test_a_damaged_outbox_row_is_not_sent_and_is_listed(tmp_path):
    cfg = _setup(tmp_path)
    outbox = Outbox.open(tmp_path / "state.db")
    good = {"id": "a" * 32, "signature": "t.sig", "report": "fired", "dedup_key": "k", "priority": "P2"}
    with outbox.transaction() as db:
        Outbox.enqueue(db, ["out"], good, 0.0)
        db.execute("INSERT INTO outbox (sink, rank, event_id, report, created) VALUES ('out', 1, 'x', '{broken', 0)")
    config = load_config(cfg)
    worker = SinkWorker(build_sinks(config.sinks, config.base)[0], tmp_path / "state.db", threading.Event())
    while worker.deliver_once(outbox):
        pass
    lines = read_jsonl(tmp_path / "out.jsonl")
    assert [e["id"] for e in lines] == ["a" * 32]  # the broken row was written verbatim before
    listing = run_cli("outbox", "-c", cfg, cwd=tmp_path)
    assert listing.returncode == 0 and "Traceback" not in listing.stderr, listing.stderr
    assert "(damaged: not an event's JSON)" in listing.stdout and "dead" in listing.stdout
    outbox.close()
