"""PagerDuty Events API v2 bodies (against a real local HTTP server standing in for the
endpoint), the rate limiter and the bounded outbox."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import ROOT
from support.httpserver import Receiver, free_port
from support.sidecar import wait_until, write_config

from logsentinel.clock import SYSTEM
from logsentinel.sinks.pagerduty import PagerDutySettings, PagerDutySink

EVENT = {
    "id": "a" * 32,
    "signature": "cloud.api_unreachable",
    "title": "UCX Suite cannot reach api.imagicle.com",
    "application": "Imagicle Cloud",
    "category": "cloud",
    "priority": "P1",
    "response_time_s": 3600,
    "status": "firing",
    "detected_at": "2026-11-27T18:10:00.010Z",
    "deadline": "2026-11-27T19:10:00.010Z",
    "first_seen": "2026-11-27T18:00:00.010Z",
    "last_seen": "2026-11-27T18:10:00.010Z",
    "resolved_at": None,
    "count": 3,
    "host": "ucx-demo",
    "source": "cloud",
    "path": "/logs/c.log",
    "line": 816,
    "message": "x" * 5000,
    "fields": {},
    "dedup_key": '["cloud.api_unreachable","ucx-demo",[]]',
    "kind": "threshold",
    "report": "fired",
}


def test_pagerduty_trigger_and_resolve_bodies(tmp_path, monkeypatch):
    monkeypatch.setenv("PD_KEY", "R0UT1NGKEY")
    rx = Receiver(default=202).start()
    try:
        cfg = PagerDutySettings(type="pagerduty", routing_key="${PD_KEY}", url=f"{rx.url}/v2/enqueue")
        sink = PagerDutySink("pd", cfg, tmp_path, SYSTEM)
        resolved = dict(EVENT, status="resolved", report="resolved", resolved_at="2026-11-27T18:45:30.010Z")
        closed = dict(EVENT, report="closed")
        sink.deliver([json.dumps(EVENT), json.dumps(closed), json.dumps(resolved)], None)
        trigger, resolve = rx.bodies  # "closed" sends nothing: silence does not resolve an incident
        assert trigger["routing_key"] == "R0UT1NGKEY" and trigger["event_action"] == "trigger"
        assert trigger["dedup_key"] == EVENT["dedup_key"]
        p = trigger["payload"]
        assert p["severity"] == "critical" and p["source"] == "ucx-demo"
        assert p["summary"] == "[P1] UCX Suite cannot reach api.imagicle.com on ucx-demo (3 times)"
        assert p["timestamp"] == EVENT["detected_at"] and p["class"] == "cloud.api_unreachable"
        assert p["custom_details"]["deadline"] == EVENT["deadline"] and p["custom_details"]["count"] == 3
        assert len(json.dumps(trigger)) < 512 * 1024 and len(p["summary"]) <= 1024
        assert resolve == {"routing_key": "R0UT1NGKEY", "event_action": "resolve", "dedup_key": EVENT["dedup_key"]}
        assert sink.rate_per_min == 120  # PagerDuty's per-key limit is the default
    finally:
        rx.stop()


@pytest.mark.skipif(os.name == "nt", reason="uses POSIX signals")
def test_kill9_while_sink_down_then_everything_arrives(tmp_path):
    port = free_port()
    log = tmp_path / "app.log"
    log.write_text("")
    cfg = write_config(
        tmp_path,
        log,
        source="app",
        sinks=(
            f"[{{type: webhook, url: 'http://127.0.0.1:{port}/hook', timeout: 1, backoff_max: 0.5}}, "
            "{type: jsonl, path: out.jsonl}]"
        ),
    )
    errlog = tmp_path / "sidecar.log"

    def start():
        return subprocess.Popen(
            [sys.executable, "-m", "logsentinel", "-v", "run", "-c", str(cfg)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(errlog, "ab"),
        )

    side = start()
    assert wait_until(lambda: "picked up" in errlog.read_text(), timeout=60), "the sidecar never followed the log"
    stamp = time.strftime("%Y-%m-%d %H:%M:%S,000", time.gmtime())
    with open(log, "a") as fh:
        for i in range(8):
            fh.write(f"{stamp} [1] WARN Mon - Low database space for database DB{i}\n")
    out = tmp_path / "out.jsonl"
    deadline = time.monotonic() + 20
    while (not out.exists() or len(out.read_text().splitlines()) < 8) and time.monotonic() < deadline:
        time.sleep(0.1)
    os.kill(side.pid, signal.SIGKILL)  # the webhook never answered: all 8 are pending
    side.wait()
    rx = Receiver(port=port).start()
    side = start()
    try:
        assert rx.wait_for(lambda bodies: {b["fields"]["database"] for b in bodies} == {f"DB{i}" for i in range(8)})
    finally:
        side.send_signal(signal.SIGTERM)
        side.wait(timeout=10)
        rx.stop()
    assert len(out.read_text().splitlines()) == 8  # and the jsonl sink got each exactly once


def test_an_overdue_report_triggers_again_one_severity_up(tmp_path):
    rx = Receiver(default=202).start()
    try:
        cfg = PagerDutySettings(type="pagerduty", routing_key="R0UT1NGKEY", url=f"{rx.url}/v2/enqueue")
        sink = PagerDutySink("pd", cfg, tmp_path, SYSTEM)
        p4 = dict(EVENT, priority="P4")
        sink.deliver([json.dumps(p4), json.dumps(dict(p4, report="overdue", overdue=True))], None)
        first, overdue = rx.bodies
        assert first["payload"]["severity"] == "info" and overdue["payload"]["severity"] == "warning"
        assert overdue["event_action"] == "trigger" and overdue["dedup_key"] == first["dedup_key"]
        assert overdue["payload"]["summary"].startswith("OVERDUE [P4]")
    finally:
        rx.stop()


def test_an_acknowledged_report_acknowledges_the_incident(tmp_path):
    rx = Receiver(default=202).start()
    try:
        cfg = PagerDutySettings(type="pagerduty", routing_key="K", url=f"{rx.url}/v2/enqueue")
        sink = PagerDutySink("pd", cfg, tmp_path, SYSTEM)
        acked = dict(EVENT, report="acknowledged", acknowledged_by="alice", acknowledged_at=EVENT["detected_at"])
        sink.deliver([json.dumps(acked)], None)
        (body,) = rx.bodies
        assert body == {"routing_key": "K", "event_action": "acknowledge", "dedup_key": EVENT["dedup_key"]}
    finally:
        rx.stop()
