"""The live event-log source through the pywin32-level double (``fake_pywin32``): bookmarks
committed with the batch they end, so a failed commit, a kill or a restart loses and repeats
nothing; new events only on a first start; a bookmark that no longer resolves restarts at the
oldest record with a warning; the CLI refuses the source off Windows. The error table of the
Windows API is ``test_eventlog_reader.py``'s."""

from __future__ import annotations

import logging
import os
import sqlite3
import textwrap

import pytest
from conftest import PATTERNS, run_cli
from support.clock import FakeClock
from support.sidecar import fail_first_call, read_jsonl

from logsentinel.config.load import load_config
from logsentinel.runtime.sidecar import Sidecar
from logsentinel.signatures.load import load_effective

NOW = 1_795_773_600.0  # 2026-11-27 10:00 UTC
MS = int(NOW * 1000)


def _config(tmp_path, start_at="end"):
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        textwrap.dedent(f"""
        host: h
        patterns: ['{PATTERNS}']
        state: state.db
        sources: [{{type: eventlog, name: eventlog, channels: [System, Application], start_at: {start_at}}}]
        sinks: [{{type: jsonl, path: out.jsonl}}]
    """)
    )
    return cfg


def _sidecar(cfg, log, clock: FakeClock) -> Sidecar:
    config = load_config(cfg)
    return Sidecar(config, load_effective(config.patterns, config.bundled_patterns), clock=clock)


def _crash(log, service: str, ms: int) -> int:
    return log.write("System", ms, "Service Control Manager", 7031, {"param1": service, "param2": "1"})


def _deliver(side: Sidecar) -> None:
    side.dispatcher.start()
    side.dispatcher.stop(timeout=5)
    side.state.close()


def test_a_failed_commit_and_a_kill_lose_and_repeat_nothing(tmp_path, fake_pywin32):
    log, clock = fake_pywin32, FakeClock(NOW)
    log.channel("System"), log.channel("Application")
    _crash(log, "Imagicle Old Service", MS - 60_000)  # before the first start: not read (start_at end)
    cfg = _config(tmp_path)
    side = _sidecar(cfg, log, clock)
    side.step()
    _crash(log, "Imagicle Call Recording", MS + 1000)
    _crash(log, "Imagicle Advanced Queuing", MS + 2000)
    side.checkpoint.state.save_bookmark = fail_first_call(  # the commit of this batch fails
        side.state.save_bookmark, sqlite3.OperationalError("database or disk is full")
    )
    try:
        side.step()
    except sqlite3.OperationalError:
        side.recover()  # back to the last committed bookmark
    side.step()
    _crash(log, "Imagicle Auto Attendant", MS + 3000)
    assert side.eventlogs[0].read()  # read, then killed before the commit
    side.state.close()
    side = _sidecar(cfg, log, clock)  # a restart on the same state
    side.step()
    _crash(log, "Imagicle Contact Manager", MS + 4000)
    side.step()
    _deliver(side)
    got = [(e["signature"], e["fields"]["param1"]) for e in read_jsonl(tmp_path / "out.jsonl")]
    assert sorted(got) == sorted(
        ("app.crash", s)
        for s in (
            "Imagicle Call Recording",
            "Imagicle Advanced Queuing",
            "Imagicle Auto Attendant",
            "Imagicle Contact Manager",
        )
    )


def test_start_at_beginning_reads_the_channel(tmp_path, fake_pywin32):
    log, clock = fake_pywin32, FakeClock(NOW)
    log.channel("System"), log.channel("Application")
    _crash(log, "Imagicle Old Service", MS - 60_000)
    side = _sidecar(_config(tmp_path, "beginning"), log, clock)
    side.step()
    _deliver(side)
    assert [e["fields"]["param1"] for e in read_jsonl(tmp_path / "out.jsonl")] == ["Imagicle Old Service"]


def test_a_channel_with_nothing_read_yet_is_read_from_its_start_after_a_restart(tmp_path, fake_pywin32):
    log, clock = fake_pywin32, FakeClock(NOW)
    log.channel("System"), log.channel("Application")
    cfg = _config(tmp_path)
    side = _sidecar(cfg, log, clock)
    side.step()  # nothing came: no bookmark yet
    side.state.close()
    _crash(log, "Imagicle Call Recording", MS + 5000)  # while the sidecar was down
    side = _sidecar(cfg, log, clock)
    side.step()
    _deliver(side)
    assert [e["fields"]["param1"] for e in read_jsonl(tmp_path / "out.jsonl")] == ["Imagicle Call Recording"]


def test_a_bookmark_that_no_longer_resolves_restarts_at_the_oldest_record(tmp_path, caplog, fake_pywin32):
    log, clock = fake_pywin32, FakeClock(NOW)
    log.channel("System"), log.channel("Application")
    cfg = _config(tmp_path)
    side = _sidecar(cfg, log, clock)
    side.step()
    _crash(log, "Imagicle Call Recording", MS + 1000)
    side.step()
    side.state.close()
    log.clear("System")  # the log was cleared while it was down
    for i in range(3):
        log.write("System", MS + 2000 + i, "Service Control Manager", 7036, {"param1": "Spooler", "param2": "running"})
    _crash(log, "Imagicle Advanced Queuing", MS + 9000)
    with caplog.at_level(logging.WARNING, logger="logsentinel.eventlog"):
        side = _sidecar(cfg, log, clock)
        side.step()
    _deliver(side)
    reports = read_jsonl(tmp_path / "out.jsonl")
    assert [e["fields"]["param1"] for e in reports if e["signature"] == "app.crash"] == [
        "Imagicle Call Recording",
        "Imagicle Advanced Queuing",
    ]
    warning = [r.getMessage() for r in caplog.records if "no longer resolves" in r.getMessage()]
    assert warning and "(record 1)" in warning[0]  # the bookmarked crash, gone with the clear
    lost = [e for e in reports if e["signature"] == "eventlog.records_lost" and e["report"] == "fired"]
    assert [e["fields"]["lost_channel"] for e in lost] == ["System"]


@pytest.mark.skipif(os.name == "nt", reason="on Windows the event log is there to read")
def test_validate_and_run_refuse_an_eventlog_source_off_windows(tmp_path):
    cfg = _config(tmp_path)
    for command, code in (("validate", 1), ("run", 2)):
        res = run_cli(command, "-c", cfg)
        assert res.returncode == code and "reads the Windows event log of the machine it runs on" in res.stderr
        assert "Traceback" not in res.stderr
