"""A state database written by release 0.1 (schema 1, ``tests/fixtures/state-v1``) is upgraded
on first start: reading goes on at the right byte, the open event and the threshold window carry
over under their new keys, and the outbox keeps its pending report."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import textwrap

from conftest import ROOT
from support.clock import FakeClock
from support.sidecar import read_jsonl

from logsentinel.config.load import load_config
from logsentinel.detection.events import EventKey
from logsentinel.runtime.sidecar import Sidecar
from logsentinel.signatures.load import load_effective
from logsentinel.state.migrate import SCHEMA_VERSION

FIXTURE = ROOT / "tests" / "fixtures" / "state-v1"
NOW = 1_795_773_720.0  # 2026-11-27 10:02:00 UTC, just after the fixture's last record


def _relocate(tmp_path):
    """The fixture's log and state, as if this machine had written them."""
    shutil.copy(FIXTURE / "app.log", tmp_path / "app.log")
    shutil.copy(FIXTURE / "state.db", tmp_path / "state.db")
    st = os.stat(tmp_path / "app.log")
    db = sqlite3.connect(tmp_path / "state.db")
    db.execute("UPDATE files SET file_key = ?, path = ?", (f"{st.st_dev}:{st.st_ino}", str(tmp_path / "app.log")))
    db.commit()
    db.close()
    (tmp_path / "cfg.yaml").write_text(
        textwrap.dedent(f"""
        host: ucx-fixture
        patterns: ['{FIXTURE / "patterns"}']
        bundled_patterns: false
        state: state.db
        sources: [{{name: app, paths: ['{tmp_path / "app.log"}'], timezone: UTC, start_at: beginning}}]
        sinks: [{{type: jsonl, name: out, path: out.jsonl}}]
    """)
    )


def test_schema_1_state_is_upgraded_and_reading_goes_on(tmp_path):
    _relocate(tmp_path)
    with open(tmp_path / "app.log", "a") as fh:
        fh.write("2026-11-27 10:01:00,000 [1] ERROR Up - Upload failed on node-a\n")  # 3rd of the window
        fh.write("2026-11-27 10:01:01,000 [1] WARN Mon - Low database space for database DB|1\n")  # folds in
        fh.write("2026-11-27 10:01:02,000 [1] INFO Mon - Database space ok for database DB|1\n")  # resolves
    config = load_config(tmp_path / "cfg.yaml")
    clock = FakeClock(NOW)
    side = Sidecar(config, load_effective(config.patterns, config.bundled_patterns), clock=clock)
    assert side.state.get_meta("schema") == str(SCHEMA_VERSION)
    side.step()
    clock.advance(1.0)  # quiet: the last record held back is released
    side.step()
    # the open events the old snapshot held are rows now, and the snapshot row holds them no more
    open_rows = side.state.db.execute("SELECT dedup_key FROM open_events").fetchall()
    assert [r[0] for r in open_rows] == list(side.detector.open)
    assert "open" not in json.loads(side.state.db.execute("SELECT state FROM detector").fetchone()[0])
    side.dispatcher.start()
    side.dispatcher.stop(timeout=5)
    side.state.close()
    out = read_jsonl(tmp_path / "out.jsonl")
    by_report = {(e["signature"], e["report"]): e for e in out}
    got = sorted((e["signature"], e["report"], e["count"], e["line"]) for e in out)
    assert got == [
        ("fx.db_low", "fired", 1, 1),  # the report the old release left in the outbox
        ("fx.db_low", "resolved", 2, 1),  # the open event went on: one more hit, then resolved
        ("fx.upload_failed", "fired", 3, 5),  # two hits from before the upgrade, the third after
    ]
    fired, resolved = by_report["fx.db_low", "fired"], by_report["fx.db_low", "resolved"]
    upload = by_report["fx.upload_failed", "fired"]
    assert fired["id"] == resolved["id"]
    assert fired["dedup_key"] == "fx.db_low|ucx-fixture|database=DB|1"  # delivered as it was made
    assert json.loads(resolved["dedup_key"]) == ["fx.db_low", "ucx-fixture", [["database", "DB|1"]]]
    assert upload["dedup_key"] == EventKey("fx.upload_failed", "ucx-fixture", (("node", "node-a"),)).text()
    assert upload["first_seen"] == "2026-11-27T10:00:05.000Z"


def test_a_database_from_a_newer_release_is_refused(tmp_path):
    from logsentinel.state.database import State, StateError

    State(tmp_path / "s.db").close()
    db = sqlite3.connect(tmp_path / "s.db")
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    db.commit()
    db.close()
    try:
        State(tmp_path / "s.db")
    except StateError as exc:
        assert "newer logsentinel" in str(exc)
    else:
        raise AssertionError("a schema-99 database was opened")
