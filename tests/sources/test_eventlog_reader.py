"""The live event-log reader against what the Windows Event Log API is documented to return
(issue 19's table, row by row), through a pywin32-level double (``fake_pywin32``): the real
``WindowsSubscription`` code runs, and the double raises ``pywintypes.error`` as pywin32 does.

Rows: (1) 1734 on a batch too big, its read position moved; (2) 15011 / 6 / 1722 / 1726 / 1818 /
87 from EvtNext; (3) EvtSubscribe failing with a bookmark for reasons other than a lost record;
(4) a channel that does not exist or cannot be read; (5) one event that will not render;
(6) a first start with no event before a restart; (7) control characters in the XML; (8) a
channel added to an existing state; (9) partial messages and a failed publisher-metadata open;
(10) records lost while running."""

from __future__ import annotations

import json
import logging
import textwrap

import pytest
from conftest import PATTERNS
from support.clock import FakeClock
from support.sidecar import read_jsonl

from logsentinel.config.load import load_config
from logsentinel.runtime.sidecar import Sidecar
from logsentinel.signatures.load import load_effective

NOW = 1_795_773_600.0  # 2026-11-27 10:00 UTC
MS = int(NOW * 1000)
SCM = "Service Control Manager"


def _config(tmp_path, channels=("System", "Application"), start_at="end", query=None, log=None) -> object:
    cfg = tmp_path / "cfg.yaml"
    extra = f", query: {json.dumps(query)}" if query else ""
    files = f"\n          - {{name: app, paths: ['{log}'], timezone: UTC, start_at: beginning}}" if log else ""
    cfg.write_text(
        textwrap.dedent(f"""
        host: h
        patterns: ['{PATTERNS}']
        state: state.db
        sources:
          - {{type: eventlog, name: eventlog, channels: {json.dumps(list(channels))}, start_at: {start_at}{extra}}}{files}
        sinks: [{{type: jsonl, path: out.jsonl}}]
        """)
    )
    return cfg


def _sidecar(cfg, clock: FakeClock) -> Sidecar:
    config = load_config(cfg)
    return Sidecar(config, load_effective(config.patterns, config.bundled_patterns), clock=clock)


def _crash(svc, service: str, ms: int = MS, **kw) -> int:
    return svc.write("System", ms, SCM, 7031, {"param1": service, "param2": "1"}, **kw)


def _noise(svc, n: int, ms: int = MS, channel: str = "System") -> None:
    for i in range(n):
        # 7040, a start type changed: frequent (plaso's System.evtx has 1,018) and read by nothing
        svc.write(
            channel, ms + i, SCM, 7040, {"param1": f"Spooler {i}", "param2": "demand start", "param3": "auto start"}
        )


def _deliver(side: Sidecar) -> list[dict]:
    side.dispatcher.start()
    side.dispatcher.stop(timeout=5)
    side.state.close()
    return read_jsonl(side.config.base / "out.jsonl")


def _crashed(reports: list[dict]) -> list[str]:
    return sorted(r["fields"]["param1"] for r in reports if r["signature"] == "app.crash" and r["report"] == "fired")


def _steps(side: Sidecar, clock: FakeClock, n: int = 30, seconds: float = 5.0) -> None:
    """Passes of the loop with time going on (backoffs expire), each after the backlog is read."""
    for _ in range(n):
        for _pass in range(1000):
            if not side.step():
                break
        clock.advance(seconds)


# ---- 1. 1734: a batch too big, the read position already moved ---------------------------
def test_a_batch_too_big_to_render_is_read_again_in_smaller_batches(tmp_path, fake_pywin32):
    svc, clock = fake_pywin32, FakeClock(NOW)
    svc.channel("System"), svc.channel("Application")
    side = _sidecar(_config(tmp_path), clock)
    side.step()
    pad = "x" * 4000  # big events: a batch of more than 16 is too big for one RPC
    names = [f"Imagicle Service {i:03d}" for i in range(300)]
    for i, name in enumerate(names):
        svc.write("System", MS + i, SCM, 7031, {"param1": name, "param2": "1", "param3": pad})
    svc.xml_limit = 16 * 4200
    _steps(side, clock)
    assert _crashed(_deliver(side)) == names


# ---- 2. EvtNext errors: resubscribe from the last bookmark, with backoff --------------------
@pytest.mark.parametrize("winerror", [15011, 6, 1722, 1726, 1818, 87])
def test_a_subscription_that_dies_is_opened_again_after_the_last_bookmark(tmp_path, fake_pywin32, winerror, caplog):
    svc, clock = fake_pywin32, FakeClock(NOW)
    svc.channel("System"), svc.channel("Application")
    side = _sidecar(_config(tmp_path), clock)
    side.step()
    first = [f"Imagicle First {i:02d}" for i in range(20)]
    for i, name in enumerate(first):
        _crash(svc, name, MS + i)
    side.step()
    svc.kill_subscriptions(winerror)  # the EventLog service restarted, the log was cleared...
    second = [f"Imagicle Second {i:02d}" for i in range(20)]
    for i, name in enumerate(second):
        _crash(svc, name, MS + 100 + i)
    with caplog.at_level(logging.WARNING, logger="logsentinel.eventlog"):
        side.step()
        states = {c["channel"]: c for c in side.eventlogs[0].channel_states()}
        assert states["System"]["state"] == "retrying" and str(winerror) in states["System"]["error"]
        _steps(side, clock)
    assert any(f"error {winerror}" in r.getMessage() and "System" in r.getMessage() for r in caplog.records)
    assert side.eventlogs[0].stats.resubscribes >= 1
    assert {c["channel"]: c["state"] for c in side.eventlogs[0].channel_states()} == {
        "System": "open",
        "Application": "open",
    }
    assert _crashed(_deliver(side)) == sorted(first + second)


# ---- 3. EvtSubscribe with a bookmark: only a lost record means the bookmark is lost -----------
@pytest.mark.parametrize("winerror", [1722, 5, 15001, 15007])
def test_a_subscribe_failure_is_not_taken_for_a_lost_bookmark(tmp_path, fake_pywin32, winerror):
    svc, clock = fake_pywin32, FakeClock(NOW)
    svc.channel("Application")
    _crash(svc, "Imagicle Old", MS - 5000)
    cfg = _config(tmp_path, start_at="beginning")
    side = _sidecar(cfg, clock)
    side.step()
    _crash(svc, "Imagicle Before Restart", MS + 1000)
    side.step()
    side.state.close()
    svc.fail("EvtSubscribe", winerror, times=3, channel="System")  # at the restart
    _crash(svc, "Imagicle While Down", MS + 2000)
    side = _sidecar(cfg, clock)
    _steps(side, clock)
    _crash(svc, "Imagicle After", MS + 3000)
    _steps(side, clock)
    reports = _deliver(side)
    # each crash once: nothing of the history came back as new
    assert _crashed(reports) == ["Imagicle After", "Imagicle Before Restart", "Imagicle Old", "Imagicle While Down"]


# ---- 4. a channel that does not exist or cannot be read never stops the sidecar -----------
def test_a_missing_channel_is_a_warning_and_the_file_sources_go_on(tmp_path, fake_pywin32, caplog):
    svc, clock = fake_pywin32, FakeClock(NOW)
    svc.channel("System")  # "Imagicle/Operational" is not installed yet
    log = tmp_path / "app.log"
    log.write_text("")
    cfg = _config(tmp_path, channels=("System", "Imagicle/Operational"), log=log)
    with caplog.at_level(logging.WARNING, logger="logsentinel.eventlog"):
        side = _sidecar(cfg, clock)  # does not raise
        side.step()
    assert any("Imagicle/Operational" in r.getMessage() and "15007" in r.getMessage() for r in caplog.records)
    states = {c["channel"]: c["state"] for c in side.eventlogs[0].channel_states()}
    assert states == {"System": "open", "Imagicle/Operational": "retrying"}
    with open(log, "a") as fh:  # the file source is read and committed meanwhile
        fh.write(
            "2026-11-27 10:00:05,000 [7] ERROR Imagicle.Cloud.ApiClient - GET https://api.imagicle.com/test "
            "failed: Unable to connect to the remote server\n"
        )
    _crash(svc, "Imagicle Call Recording", MS + 1000)
    _steps(side, clock, n=3)
    assert side.state.load_files("app")[0].offset > 0
    svc.channel("Imagicle/Operational")  # installed: the channel opens on a later retry
    svc.write("Imagicle/Operational", MS + 2000, "Imagicle", 1, {"x": "1"})
    _steps(side, clock)
    states = {c["channel"]: c["state"] for c in side.eventlogs[0].channel_states()}
    assert states == {"System": "open", "Imagicle/Operational": "open"}
    assert _crashed(_deliver(side)) == ["Imagicle Call Recording"]


def test_a_channel_that_cannot_be_read_is_shown_failing_and_the_others_are_read(tmp_path, fake_pywin32):
    svc, clock = fake_pywin32, FakeClock(NOW)
    svc.channel("System"), svc.channel("Security")
    svc.channels["Security"].readable = False  # not in Event Log Readers
    side = _sidecar(_config(tmp_path, channels=("Security", "System")), clock)
    _crash(svc, "Imagicle Call Recording", MS + 1000)
    _steps(side, clock, n=3)
    states = {c["channel"]: c for c in side.eventlogs[0].channel_states()}
    assert states["Security"]["state"] == "retrying" and "access" in states["Security"]["error"].lower()
    assert _crashed(_deliver(side)) == ["Imagicle Call Recording"]


def test_recover_opens_new_subscriptions_before_it_closes_the_old_ones(tmp_path, fake_pywin32):
    svc, clock = fake_pywin32, FakeClock(NOW)
    svc.channel("System"), svc.channel("Application")
    side = _sidecar(_config(tmp_path), clock)
    side.step()
    _crash(svc, "Imagicle One", MS + 1000)
    svc.fail("EvtSubscribe", 1722, times=2)  # the reopening fails: the old tails stay
    side.recover()
    assert side.eventlogs, "recover() left the sidecar without its event-log source"
    _steps(side, clock)
    assert _crashed(_deliver(side)) == ["Imagicle One"]


# ---- 5. one event that will not render ----------------------------------------------------
def test_an_event_that_will_not_render_is_retried_then_skipped_and_the_rest_commits(tmp_path, fake_pywin32, caplog):
    svc, clock = fake_pywin32, FakeClock(NOW)
    svc.channel("System"), svc.channel("Application")
    log = tmp_path / "app.log"
    log.write_text("")
    side = _sidecar(_config(tmp_path, log=log), clock)
    side.step()
    _crash(svc, "Imagicle Before", MS + 1000)
    bad = _crash(svc, "Imagicle Unrenderable", MS + 2000)
    _crash(svc, "Imagicle After", MS + 3000)
    svc.render_failures[("System", bad)] = 99  # never renders
    with open(log, "a") as fh:
        fh.write("2026-11-27 10:00:05,000 [7] INFO Imagicle.Suite - started\n")
    with caplog.at_level(logging.WARNING, logger="logsentinel.eventlog"):
        _steps(side, clock, n=8)
    skipped = [r.getMessage() for r in caplog.records if "could not be rendered" in r.getMessage()]
    assert len(skipped) == 1 and "System" in skipped[0] and f"record {bad}" in skipped[0]
    assert side.eventlogs[0].stats.unrendered == 1
    assert side.health.failures_in_row == 0 and side.state.load_files("app")[0].offset > 0
    assert _crashed(_deliver(side)) == ["Imagicle After", "Imagicle Before"]


def test_an_event_that_renders_on_a_retry_is_not_lost(tmp_path, fake_pywin32):
    svc, clock = fake_pywin32, FakeClock(NOW)
    svc.channel("System"), svc.channel("Application")
    side = _sidecar(_config(tmp_path), clock)
    side.step()
    flaky = _crash(svc, "Imagicle Flaky", MS + 2000)
    svc.render_failures[("System", flaky)] = 2
    _steps(side, clock, n=5)
    assert _crashed(_deliver(side)) == ["Imagicle Flaky"]


# ---- 6. a first start bookmarks the newest record --------------------------------------
def test_a_first_start_with_nothing_new_does_not_read_the_history_after_a_restart(tmp_path, fake_pywin32):
    svc, clock = fake_pywin32, FakeClock(NOW)
    svc.channel("Application")
    for i in range(600):
        _crash(svc, f"Imagicle Old {i:03d}", MS - 100_000 + i)
    cfg = _config(tmp_path)
    side = _sidecar(cfg, clock)
    side.step()  # nothing new
    side.state.close()
    side = _sidecar(cfg, clock)
    _steps(side, clock, n=10)
    _crash(svc, "Imagicle New", MS + 1000)
    _steps(side, clock, n=3)
    assert _crashed(_deliver(side)) == ["Imagicle New"]


# ---- 7. control characters in the event's XML ---------------------------------------------
@pytest.mark.parametrize("bad", ["\x01", "&#x1;", "\x1b[0m", "&#x0B;"])
def test_control_characters_in_the_xml_do_not_drop_the_event(tmp_path, fake_pywin32, bad):
    svc, clock = fake_pywin32, FakeClock(NOW)
    svc.channel("System"), svc.channel("Application")
    side = _sidecar(_config(tmp_path), clock)
    side.step()
    rid = _crash(svc, "Imagicle Call Recording", MS + 1000)
    rec = svc.channels["System"].records[-1]
    rec.raw = rec.xml().replace("<Data Name='param2'>1</Data>", f"<Data Name='param2'>1{bad}</Data>")
    assert rid == rec.record_id
    _steps(side, clock, n=3)
    assert side.eventlogs[0].stats.malformed == 0
    assert _crashed(_deliver(side)) == ["Imagicle Call Recording"]


# ---- 8. a channel added to an existing state --------------------------------------------
def test_a_channel_added_to_an_existing_state_honours_start_at(tmp_path, fake_pywin32):
    svc, clock = fake_pywin32, FakeClock(NOW)
    svc.channel("Application")
    for i in range(50):
        _crash(svc, f"Imagicle History {i:02d}", MS - 100_000 + i)
    side = _sidecar(_config(tmp_path, channels=("Application",)), clock)
    side.step()
    side.state.close()
    side = _sidecar(_config(tmp_path, channels=("Application", "System")), clock)  # System added, start_at end
    _steps(side, clock, n=3)
    _crash(svc, "Imagicle New", MS + 1000)
    _steps(side, clock, n=3)
    assert _crashed(_deliver(side)) == ["Imagicle New"]


# ---- 9. messages: partial ones kept, a failed metadata open not cached for ever ---------------
def test_a_failed_publisher_metadata_open_is_tried_again_after_its_ttl(tmp_path, fake_pywin32):
    svc, clock = fake_pywin32, FakeClock(NOW)
    svc.channel("System"), svc.channel("Application")
    side = _sidecar(_config(tmp_path), clock)
    side.step()
    svc.publishers_missing.add(SCM)  # the message DLL is being replaced by an update
    _crash(svc, "Imagicle One", MS + 1000, message="The Imagicle One service terminated unexpectedly.")
    side.step()
    svc.publishers_missing.clear()
    clock.advance(3600)
    _crash(svc, "Imagicle Two", MS + 2000, message="The Imagicle Two service terminated unexpectedly.")
    side.step()
    reports = {r["fields"]["param1"]: r for r in _deliver(side) if r["report"] == "fired"}
    assert "terminated unexpectedly" not in reports["Imagicle One"]["message"]  # the data stood in
    assert "The Imagicle Two service terminated unexpectedly." in reports["Imagicle Two"]["message"]


# ---- 10. records lost while running ----------------------------------------------------
def test_records_overwritten_while_running_are_reported(tmp_path, fake_pywin32, caplog):
    svc, clock = fake_pywin32, FakeClock(NOW)
    svc.channel("System").max_records = 50  # a small log that wraps
    svc.channel("Application")
    side = _sidecar(_config(tmp_path), clock)
    side.step()
    _noise(svc, 10)
    side.step()
    _noise(svc, 200, MS + 100)  # 200 records in one pass: 150 are overwritten before they are read
    with caplog.at_level(logging.WARNING, logger="logsentinel.eventlog"):
        _steps(side, clock, n=5)
    assert any("lost" in r.getMessage() and "System" in r.getMessage() for r in caplog.records)
    assert side.eventlogs[0].stats.lost >= 150
    lost = [r for r in _deliver(side) if r["signature"] == "eventlog.records_lost" and r["report"] == "fired"]
    assert len(lost) == 1 and lost[0]["priority"] == "P3" and lost[0]["fields"]["lost_channel"] == "System"


def test_a_cleared_watched_channel_is_reported(tmp_path, fake_pywin32):
    svc, clock = fake_pywin32, FakeClock(NOW)
    svc.channel("System"), svc.channel("Application")
    side = _sidecar(_config(tmp_path), clock)
    side.step()
    _noise(svc, 5, channel="Application")
    side.step()
    svc.clear("Application", MS + 500)  # System says so with event 104
    _steps(side, clock, n=5)
    lost = [r for r in _deliver(side) if r["signature"] == "eventlog.records_lost" and r["report"] == "fired"]
    assert [r["fields"]["lost_channel"] for r in lost] == ["Application"]


# ---- each channel's state: status, /api/status, /readyz, metrics ---------------------------
def test_a_failing_channel_is_shown_by_status_readyz_and_the_metrics(tmp_path, fake_pywin32):
    from conftest import run_cli
    from prometheus_client import CollectorRegistry, generate_latest

    from logsentinel.runtime.telemetry import Telemetry
    from logsentinel.web.metrics import SidecarCollector
    from logsentinel.web.status import collect

    svc, clock = fake_pywin32, FakeClock(NOW)
    svc.channel("System")
    cfg = _config(tmp_path, channels=("System", "Imagicle/Operational"))
    side = _sidecar(cfg, clock)
    side.step()
    assert any("Imagicle/Operational" in p and "15007" in p for p in side.health.readiness())
    api = collect(side.config, clock.time())
    channels = {c["channel"]: c for c in api["sources"][0]["channels"]}
    assert channels["System"]["state"] == "open" and channels["Imagicle/Operational"]["state"] == "retrying"
    registry = CollectorRegistry()
    registry.register(
        SidecarCollector(
            Telemetry(
                side.tails,
                side.matcher,
                side.stats,
                [],
                [],
                side.config.state,
                clock,
                side.detector,
                eventlogs=side.eventlogs,
            )
        )
    )
    metrics = generate_latest(registry).decode()
    assert 'logsentinel_eventlog_channel_up{channel="Imagicle/Operational",source="eventlog"} 0.0' in metrics
    assert 'logsentinel_eventlog_channel_up{channel="System",source="eventlog"} 1.0' in metrics
    side.state.close()
    res = run_cli("status", "-c", cfg)  # from the state database, the sidecar stopped
    assert res.returncode == 0, res.stderr
    line = next(x for x in res.stdout.splitlines() if "Imagicle/Operational" in x)
    assert "retrying" in line and "15007" in line


# ---- handles are closed, not left to the garbage collector ------------------------------
def test_every_handle_is_closed_when_the_sidecar_stops(tmp_path, fake_pywin32):
    svc, clock = fake_pywin32, FakeClock(NOW)
    svc.channel("System"), svc.channel("Application")
    side = _sidecar(_config(tmp_path), clock)
    for i in range(30):
        _crash(svc, f"Imagicle {i}", MS + i, message=f"The Imagicle {i} service terminated unexpectedly.")
    _steps(side, clock, n=3)
    svc.kill_subscriptions(1722)
    _steps(side, clock, n=5)
    assert svc.open_handles(), "the running reader holds its subscriptions"
    for tail in side.eventlogs:
        tail.close()
    assert svc.open_handles() == []


# ---- the rest of the reader's contract ------------------------------------------------------
def test_a_querylist_query_is_refused_with_one_clear_line(tmp_path):
    from logsentinel.config.load import ConfigError

    cfg = _config(tmp_path, query="<QueryList><Query Id='0'><Select Path='System'>*</Select></Query></QueryList>")
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    assert len(err.value.problems) == 1 and "QueryList" in err.value.problems[0] and "cfg.yaml" in err.value.problems[0]


def test_validate_checks_each_channel_and_the_query(fake_pywin32):
    from logsentinel.sources.eventlog.check import channel_problems
    from logsentinel.sources.eventlog.config import EventLogConfig

    svc = fake_pywin32
    svc.channel("System"), svc.channel("Security")
    svc.channels["Security"].readable = False
    errors, warnings = channel_problems(EventLogConfig("ev", ["System", "Security", "Imagicle/Operational"]))
    assert errors == []
    assert [w.split(":")[1].strip() for w in warnings] == ["channel Security", "channel Imagicle/Operational"]
    assert "Event Log Readers" in warnings[0] and "15007" in warnings[1]
    errors, _ = channel_problems(EventLogConfig("ev", ["System"], query="*[System[(EventID=7031]]"))
    assert len(errors) == 1 and "15001" in errors[0]


def test_a_corrupt_stored_bookmark_is_a_warning_and_the_channel_starts_as_configured(tmp_path, fake_pywin32, caplog):
    svc, clock = fake_pywin32, FakeClock(NOW)
    svc.channel("Application")
    _crash(svc, "Imagicle Old", MS - 5000)
    cfg = _config(tmp_path)
    side = _sidecar(cfg, clock)
    side.step()
    side.state.close()
    import sqlite3

    db = sqlite3.connect(tmp_path / "state.db")
    db.execute("UPDATE bookmarks SET xml = '<BookmarkList><garbage' WHERE channel = 'System'")
    db.commit()
    db.close()
    with caplog.at_level(logging.WARNING, logger="logsentinel.eventlog"):
        side = _sidecar(cfg, clock)
        _steps(side, clock, n=2)
    assert any("stored bookmark of channel System cannot be read" in r.getMessage() for r in caplog.records)
    _crash(svc, "Imagicle New", MS + 1000)
    _steps(side, clock, n=2)
    assert _crashed(_deliver(side)) == ["Imagicle New"]  # start_at end: the history stays unread


def test_a_backlog_of_events_no_signature_wants_is_read_in_one_go(tmp_path, fake_pywin32):
    """The busy flag counts events fetched, not kept: a backlog of filtered events does not wait a
    poll interval per batch."""
    svc, clock = fake_pywin32, FakeClock(NOW)
    svc.channel("System"), svc.channel("Application")
    side = _sidecar(_config(tmp_path), clock)
    side.step()
    _noise(svc, 1000)
    _crash(svc, "Imagicle After The Noise", MS + 5000)
    passes = 0
    while side.step():
        passes += 1
        assert passes < 100
    assert passes >= 2  # 1001 events, 500 a pass in batches of 100: read pass after pass without idling
    assert _crashed(_deliver(side)) == ["Imagicle After The Noise"]


def test_the_default_query_selects_only_what_the_signatures_read(tmp_path, fake_pywin32):
    from logsentinel.signatures.load import load_library
    from logsentinel.sources.eventlog.query import default_query

    lib = load_library([PATTERNS])
    assert default_query(lib.signatures, "eventlog") is None  # text signatures read every event's text
    only_events = [s for s in lib.signatures if s.event is not None]
    query = default_query(only_events, "eventlog")
    assert query is not None and "Provider[@Name='Service Control Manager']" in query and "EventID=7031" in query
    assert "EventID=7036" in query  # a service running again resolves its crash (resolve_event)
    assert "EventID=104" in query and "EventID=1001" in query and "logsentinel" not in query
    # a subscription with it renders the crash and skips the storm
    svc, clock = fake_pywin32, FakeClock(NOW)
    svc.channel("System"), svc.channel("Application")
    cfg = _config(tmp_path, query=query)
    side = _sidecar(cfg, clock)
    side.step()
    _noise(svc, 500)
    _crash(svc, "Imagicle Call Recording", MS + 5000)
    before = svc.calls.get("EvtRender", 0)
    _steps(side, clock, n=2)
    renders = svc.calls.get("EvtRender", 0) - before
    assert renders < 20  # the crash and the bookmarks, not the 500 unrelated events
    assert _crashed(_deliver(side)) == ["Imagicle Call Recording"]


def test_a_crashed_service_resolves_when_it_runs_again_even_past_its_deadline(tmp_path, fake_pywin32):
    """Issue 23: a past crash no longer stays overdue once its service runs again (SCM 7036
    "running" for the same param1), under the default query; "stopped" or another service's
    "running" changes nothing."""
    from logsentinel.signatures.load import load_library
    from logsentinel.sources.eventlog.query import default_query

    query = default_query([s for s in load_library([PATTERNS]).signatures if s.event is not None], "eventlog")
    svc, clock = fake_pywin32, FakeClock(NOW)
    svc.channel("System"), svc.channel("Application")
    side = _sidecar(_config(tmp_path, query=query), clock)
    side.step()
    _crash(svc, "Imagicle Call Recording", MS + 1000)
    _crash(svc, "Imagicle Advanced Queuing", MS + 2000)
    _steps(side, clock, n=2)
    clock.advance(3700)  # past the 1 h deadline: both are reported overdue
    _steps(side, clock, n=2)
    at = int(clock.time() * 1000)
    svc.write("System", at, SCM, 7036, {"param1": "Imagicle Call Recording", "param2": "stopped"})
    svc.write("System", at + 1, SCM, 7036, {"param1": "Print Spooler", "param2": "running"})
    svc.write("System", at + 2, SCM, 7036, {"param1": "Imagicle Call Recording", "param2": "running"})
    _steps(side, clock, n=2)
    reports = [(r["fields"]["param1"], r["report"]) for r in _deliver(side) if r["signature"] == "app.crash"]
    assert reports == [
        ("Imagicle Call Recording", "fired"),
        ("Imagicle Advanced Queuing", "fired"),
        ("Imagicle Call Recording", "overdue"),
        ("Imagicle Advanced Queuing", "overdue"),
        ("Imagicle Call Recording", "resolved"),
    ]
