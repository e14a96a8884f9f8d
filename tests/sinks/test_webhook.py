"""Webhook delivery through a real HTTP server that refuses connections, answers 500, 429 with
Retry-After, hangs past the timeout, then recovers: every event arrives (a re-sent one with
the same id and dedup_key), detection goes on meanwhile, the sidecar stays up, and no secret
from a log line reaches any sink."""

from __future__ import annotations

import json
import textwrap
import time

from conftest import PATTERNS
from support.httpserver import Receiver
from support.sidecar import read_jsonl, start_sidecar, stop_sidecar, utc_stamp, wait_following, wait_until

SECRET = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3ZWJleCJ9.c2VjcmV0LXNpZ25hdHVyZQ"
LINE = "{t} [4] WARN StoneVoice.Monitoring - Low database space for database DB{i:02d} (Authorization: Bearer {s})\n"


def _sidecar(tmp_path, sinks: str, fresh_log: bool = True):
    if fresh_log:
        (tmp_path / "app.log").write_text("")
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        textwrap.dedent(f"""
        host: h
        patterns: ['{PATTERNS}']
        state: state.db
        sources: [{{name: app, paths: ['{tmp_path / "app.log"}'], timezone: UTC}}]
    """)
        + sinks
    )
    return start_sidecar(cfg)


def test_webhook_through_outages(tmp_path):
    rx = Receiver()  # not started yet: connections are refused
    side, thread = _sidecar(
        tmp_path,
        textwrap.dedent(f"""
        sinks:
          - {{type: webhook, url: '{rx.url}/hook', timeout: 0.5, backoff_max: 0.3, headers: {{X-Token: abc}}}}
          - {{type: jsonl, path: out.jsonl}}
    """),
    )
    try:
        wait_following(side)
        with open(tmp_path / "app.log", "a") as fh:
            for i in range(5):
                fh.write(LINE.format(t=utc_stamp(), i=i, s=SECRET))
        # detection goes on while the webhook is down: the jsonl sink has every event
        assert wait_until(lambda: len(read_jsonl(tmp_path / "out.jsonl")) == 5)
        assert not rx.bodies
        rx.script = [(500, {}, 0.0), (429, {"Retry-After": "1"}, 0.0), (200, {}, 1.5), (503, {}, 0.0)]
        rx.start()
        expected = {e["id"]: e for e in read_jsonl(tmp_path / "out.jsonl")}
        assert rx.wait_for(lambda bodies: {b["id"] for b in bodies} >= set(expected)), rx.attempts
        statuses = [a[0] for a in rx.attempts]
        assert sorted(statuses[:4]) == [200, 429, 500, 503]  # every failure mode was met
        arrivals = sorted(a[3] for a in rx.attempts)
        t429 = next(a[3] for a in rx.attempts if a[0] == 429)
        after = [t for t in arrivals if t > t429]
        assert after and after[0] - t429 >= 0.9  # Retry-After: 1 was honoured
        assert thread.is_alive()
        for body in rx.bodies:  # a re-sent event is the same event
            assert body == expected[body["id"]]
            assert json.loads(body["dedup_key"])[:2] == ["database.space_low", "h"]
        assert all(a[2].get("X-Token") == "abc" for a in rx.attempts)
        # still up and detecting
        with open(tmp_path / "app.log", "a") as fh:
            fh.write(LINE.format(t=utc_stamp(), i=99, s=SECRET))
        assert rx.wait_for(lambda bodies: any(b["fields"].get("database") == "DB99" for b in bodies))
        everything = json.dumps(rx.bodies) + (tmp_path / "out.jsonl").read_text()
        assert SECRET not in everything and SECRET[:24] not in everything
        assert "Bearer ***" in everything
    finally:
        stop_sidecar(side, thread)
        rx.stop()


def test_permanent_refusal_goes_to_dead_letters_and_retry_sends_it(tmp_path):
    from conftest import run_cli

    rx = Receiver(default=400).start()
    sinks = textwrap.dedent(f"""
        sinks:
          - {{type: webhook, name: hook, url: '{rx.url}/hook', backoff_max: 0.2}}
    """)
    side, thread = _sidecar(tmp_path, sinks)
    try:
        wait_following(side)
        with open(tmp_path / "app.log", "a") as fh:
            fh.write(LINE.format(t=utc_stamp(), i=1, s="x"))
        assert wait_until(lambda: len(rx.attempts) >= 1)
        time.sleep(0.5)
        assert len(rx.attempts) == 1  # a 400 is not retried
    finally:
        stop_sidecar(side, thread)
    res = run_cli("outbox", "-c", tmp_path / "cfg.yaml")
    assert res.returncode == 0, res.stderr
    assert "dead" in res.stdout and "HTTP 400" in res.stdout and "database.space_low" in res.stdout
    res = run_cli("outbox", "-c", tmp_path / "cfg.yaml", "--retry")
    assert "1 report(s) queued again" in res.stdout
    rx.default = 202
    side, thread = _sidecar(tmp_path, sinks, fresh_log=False)
    try:
        assert rx.wait_for(lambda bodies: len(bodies) == 1)
    finally:
        stop_sidecar(side, thread)
        rx.stop()


def test_heartbeat_reaches_the_webhook(tmp_path):
    rx = Receiver().start()
    side, thread = _sidecar(
        tmp_path,
        textwrap.dedent(f"""
        heartbeat: {{interval: 0.3s}}
        sinks:
          - {{type: webhook, url: '{rx.url}/hook'}}
    """),
    )
    try:
        assert rx.wait_for(lambda bodies: sum(b.get("type") == "heartbeat" for b in bodies) >= 2, timeout=10)
        assert rx.bodies[0]["host"] == "h"
    finally:
        stop_sidecar(side, thread)
        rx.stop()


def test_extra_redaction_rules_from_config(tmp_path):
    from conftest import run_cli

    log = tmp_path / "a.log"
    log.write_text("2026-11-27 10:00:00,000 [1] WARN Mon - Low database space for database DB1 customer-id=4711\n")
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        textwrap.dedent(f"""
        host: h
        patterns: ['{PATTERNS}']
        redact:
          - {{pattern: 'customer-id=\\d+', replace: 'customer-id=#'}}
    """)
    )
    res = run_cli("replay", "-c", cfg, "--timezone", "UTC", log)
    assert res.returncode == 0, res.stderr
    assert "customer-id=#" in res.stdout and "4711" not in res.stdout


def test_a_redirect_never_turns_a_report_into_a_bodyless_get(tmp_path):
    """301/302/303 would make requests re-send the POST as a GET without the report: such an
    answer is refused for good, naming the Location. 307/308 keep the method: followed."""
    import pytest as _pytest

    from logsentinel.clock import SYSTEM
    from logsentinel.sinks.base import DeliveryError
    from logsentinel.sinks.webhook import WebhookSettings, WebhookSink

    rx = Receiver().start()
    try:
        sink = WebhookSink("hook", WebhookSettings(type="webhook", url=f"{rx.url}/hook"), tmp_path, SYSTEM)
        rx.script = [(301, {"Location": "/moved"}, 0.0)]
        with _pytest.raises(DeliveryError) as info:
            sink.deliver([json.dumps({"id": "1", "n": 1})], None)
        assert info.value.permanent and "redirect to /moved" in str(info.value)
        assert rx.bodies == []  # nothing was taken as delivered
        rx.script = [(308, {"Location": "/moved"}, 0.0)]
        sink.deliver([json.dumps({"id": "2", "n": 2})], None)
        assert rx.bodies == [{"id": "2", "n": 2}] and [a[1] for a in rx.attempts][-2:] == [{"id": "2", "n": 2}] * 2
    finally:
        rx.stop()


def test_a_password_in_a_sink_url_goes_nowhere(tmp_path, caplog):
    """http://alice:pw@host/hook: the password is in no log line, metric, readiness answer,
    outbox listing or state database."""
    import logging
    import urllib.request

    from conftest import run_cli
    from support.httpserver import free_port

    password = "s3cr3tPassw0rd"
    rx = Receiver()
    rx.script = [(500, {}, 0.0)] * 3
    rx.start()
    port = free_port()
    url = f"http://alice:{password}@127.0.0.1:{rx.port}/hook"
    with caplog.at_level(logging.DEBUG):
        side, thread = _sidecar(
            tmp_path,
            textwrap.dedent(f"""
            metrics: {{listen: '127.0.0.1:{port}'}}
            sinks: [{{type: webhook, url: '{url}', backoff_max: 0.2}}]
        """),
        )
        try:
            wait_following(side)
            with open(tmp_path / "app.log", "a") as fh:
                fh.write(LINE.format(t=utc_stamp(), i=1, s="x"))
            assert wait_until(lambda: rx.bodies)  # after three 500s, delivered
            metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
            ready = urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5).read().decode()
            status = urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=5).read().decode()
        finally:
            stop_sidecar(side, thread)
            rx.stop()
    assert rx.attempts[0][2].get("Authorization", "").startswith("Basic ")  # the user info still authenticates
    outbox = run_cli("outbox", "-c", tmp_path / "cfg.yaml").stdout
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("state.db*"))
    assert "webhook:http://***@127.0.0.1" in metrics and "HTTP 500" in caplog.text
    for where, text in (
        ("log", caplog.text),
        ("metrics", metrics),
        ("readyz", ready),
        ("status", status),
        ("outbox", outbox),
    ):
        assert password not in text, where
    assert password.encode() not in stored
