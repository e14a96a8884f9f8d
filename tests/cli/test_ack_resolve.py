"""``logsentinel ack`` and ``logsentinel resolve`` (issue 23), as an operator runs them: on a
stopped sidecar (the command applies the action to the state itself; the reports wait in the
outbox for the next start) and beside a running ``logsentinel run`` (it takes the action at its
next pass). Before them an overdue event could only wait for a record that resolved it."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli
from support.clock import FakeClock
from support.sidecar import read_jsonl, start_run, stop_run, utc_stamp, wait_until, write_config
from support.signatures import slow_answer

from logsentinel.config.load import load_config
from logsentinel.runtime.sidecar import Sidecar
from logsentinel.signatures.load import load_effective
from logsentinel.state.database import State

T0 = 1_795_773_600.0  # 2026-11-27 10:00:00 UTC


def _setup(tmp_path: Path, start_at: str = "beginning", text: str = "") -> Path:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "demo.yaml").write_text(slow_answer("1m"))
    log = tmp_path / "app.log"
    log.write_text(text)
    return write_config(tmp_path, log, source="app", start_at=start_at, patterns=tmp_path / "p", bundled=False)


def _sidecar(cfg: Path, clock: FakeClock) -> Sidecar:
    config = load_config(cfg)
    return Sidecar(config, load_effective(config.patterns, config.bundled_patterns), clock=clock)


def _deliver(side: Sidecar) -> None:
    side.dispatcher.start()
    side.dispatcher.stop(timeout=5)
    side.state.close()


def _open_events(cfg: Path) -> list[dict]:
    res = run_cli("status", "-c", cfg, "--json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)["events"]


def test_ack_then_resolve_on_a_stopped_sidecar(tmp_path):
    cfg = _setup(
        tmp_path,
        text="2026-11-27 10:00:00,000 [1] ERROR Demo - demo failure 7\n2026-11-27 10:00:05,000 [1] INFO Demo - later\n",
    )
    clock = FakeClock(T0 + 10)
    side = _sidecar(cfg, clock)
    side.step()
    side.state.close()  # stopped, the fired report still in the outbox
    (event,) = _open_events(cfg)

    res = run_cli("ack", event["id"][:8], "-c", cfg, "--by", "alice", "--note", "restarting the service")
    assert res.returncode == 0, res.stderr
    assert "acknowledged demo.slow_answer P2" in res.stdout and "sidecar is not running" in res.stdout
    (event,) = _open_events(cfg)
    assert (event["acknowledged_by"], event["note"]) == ("alice", "restarting the service")
    table = run_cli("status", "-c", cfg).stdout.splitlines()
    row = next(line for line in table if "demo.slow_answer" in line)
    assert row.split()[0] == event["id"][:8] and row.split()[-1] == "alice"  # the id to type, who took it

    side = _sidecar(cfg, clock)  # started again an hour later: no overdue report for a taken event
    for _ in range(60):
        clock.advance(60)
        side.step()
    _deliver(side)
    reports = read_jsonl(tmp_path / "out.jsonl")
    assert [r["report"] for r in reports] == ["fired", "acknowledged"]
    assert reports[1]["acknowledged_by"] == "alice" and reports[1]["status"] == "firing"

    res = run_cli("resolve", event["id"], "-c", cfg, "--by", "bob", "--note", "fixed, password=Hunter2")
    assert res.returncode == 0, res.stderr
    assert _open_events(cfg) == []
    _deliver(_sidecar(cfg, clock))
    last = read_jsonl(tmp_path / "out.jsonl")[-1]
    assert (last["report"], last["status"], last["resolved_by"], last["acknowledged_by"]) == (
        "resolved",
        "resolved",
        "bob",
        "alice",
    )
    assert last["note"] == "fixed, password=***"  # a pasted secret is masked, in the report and the state
    assert "Hunter2" not in (tmp_path / "out.jsonl").read_text()
    state = State(tmp_path / "state.db")  # who, when and why stay on record
    try:
        rows = state.recent_actions()
    finally:
        state.close()
    assert "Hunter2" not in json.dumps(rows)
    assert [(r["kind"], r["by"], r["ok"], r["event_id"]) for r in rows] == [
        ("resolve", "bob", 1, event["id"]),
        ("ack", "alice", 1, event["id"]),
    ]


def test_an_unknown_event_is_one_clear_line_and_exit_1(tmp_path):
    cfg = _setup(tmp_path)
    res = run_cli("resolve", "deadbeef", "-c", cfg)
    assert res.returncode == 1
    assert res.stderr.strip().splitlines() == [
        "error: no open event has the id 'deadbeef' (logsentinel status lists them)"
    ]


def test_ack_reaches_a_running_sidecar(tmp_path):
    cfg = _setup(tmp_path, start_at="end")
    log = tmp_path / "app.log"
    errlog = tmp_path / "sidecar.log"
    side = start_run(cfg, errlog)
    try:
        assert wait_until(lambda: "logsentinel running" in errlog.read_text(), timeout=30)
        assert wait_until(lambda: "picked up" in errlog.read_text())  # what is appended from now on is read
        with log.open("a") as fh:
            fh.write(f"{utc_stamp()} [1] ERROR Demo - demo failure 9\n")
        assert wait_until(lambda: any(r["report"] == "fired" for r in read_jsonl(tmp_path / "out.jsonl")), timeout=30)
        (event,) = _open_events(cfg)
        res = run_cli("ack", event["id"][:10], "-c", cfg, "--by", "carol")
        assert res.returncode == 0, res.stderr
        assert "applied by the running sidecar" in res.stdout
        assert wait_until(
            lambda: [r["report"] for r in read_jsonl(tmp_path / "out.jsonl")] == ["fired", "acknowledged"], timeout=30
        )
        assert "operator action 1: acknowledged demo.slow_answer" in errlog.read_text()
    finally:
        stop_run(side)


def test_a_sidecar_starting_while_a_command_holds_the_state_waits_for_it(tmp_path):
    """An ack on a stopped sidecar holds the state's lock for a moment; a service start at that
    moment waits for it instead of failing with "in use"."""
    from logsentinel.state.lock import StateLock

    cfg = _setup(tmp_path, start_at="end")
    errlog = tmp_path / "sidecar.log"
    lock = StateLock(tmp_path / "state.db", role="command")
    lock.acquire()
    side = start_run(cfg, errlog)
    try:
        assert wait_until(lambda: "logsentinel" in errlog.read_text() or side.poll() is not None, timeout=5) is None
        assert side.poll() is None  # still waiting, not failed
    finally:
        lock.release()
    try:
        assert wait_until(lambda: "logsentinel running" in errlog.read_text(), timeout=30), errlog.read_text()
    finally:
        stop_run(side)
