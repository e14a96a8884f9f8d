"""What is open right now: ``logsentinel status`` (table and JSON) while a sidecar runs, the
status page and ``/api/status`` on the metrics listener (also behind TLS and basic auth), the
open-event metrics, and the page as a real browser renders it (headless Chromium)."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import ssl
import subprocess
import textwrap
import urllib.error
import urllib.request

import pytest
from conftest import run_cli
from support.httpserver import free_port
from support.sidecar import start_sidecar, stop_sidecar, utc_stamp, wait_following, wait_until
from support.signatures import slow_answer
from support.tls import self_signed

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LINES = [
    "{t} [2] WARN StoneVoice.Monitoring - Low database space for database UCX_Analytics\n",  # P4, 8 h
    "{t} [3] ERROR Demo - demo failure 7\n",  # P2, 2 s: overdue
]
DEMO = slow_answer("2s")


def _sidecar(tmp_path, metrics: str = ""):
    log = tmp_path / "app.log"
    log.write_text("")
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "demo.yaml").write_text(DEMO)
    port = free_port()
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        textwrap.dedent(f"""
        host: ucx-status
        patterns: ['{tmp_path / "p"}']
        state: state.db
        sources: [{{name: app, paths: ['{log}'], timezone: UTC}}]
        sinks: [{{type: jsonl, path: out.jsonl}}]
        metrics: {{listen: '127.0.0.1:{port}'{metrics}}}
    """)
    )
    side, thread = start_sidecar(cfg)
    wait_following(side)
    with open(log, "a") as fh:
        for line in LINES:
            fh.write(line.format(t=utc_stamp()))
    assert wait_until(lambda: any(ev.overdue for ev in side.detector.open.values()) and len(side.detector.open) == 2)
    return side, thread, cfg, port


def test_status_table_and_json_while_the_sidecar_runs(tmp_path):
    side, thread, cfg, _port = _sidecar(tmp_path)
    try:
        res = run_cli("status", "-c", cfg, "--json")
        assert res.returncode == 0, res.stderr
        status = json.loads(res.stdout)
        assert set(status) == {
            "events",
            "events_total",
            "events_overdue",
            "events_offset",
            "silences",
            "recently_resolved",
            "new_errors",
            "problems",
            "sinks",
            "sources",
            "probes",
            "sidecar",
        }
        assert status["sidecar"]["running"] and status["sidecar"]["pid"] == os.getpid()
        assert status["problems"] == []  # a sink that delivers, a file that is read
        assert all(e["silenced_by"] is None for e in status["events"])
        first, second = status["events"]  # sorted by deadline: the overdue P2 first
        assert (first["signature"], first["overdue"], first["report"]) == ("demo.slow_answer", True, "overdue")
        assert first["seconds_to_deadline"] < 0 < second["seconds_to_deadline"] <= 8 * 3600
        assert second["signature"] == "database.space_low" and second["fields"] == {"database": "UCX_Analytics"}
        assert status["sinks"][0]["name"] == "jsonl:out.jsonl" and status["sources"][0]["files"] == 1
        table = run_cli("status", "-c", cfg, env_tz="Europe/Rome").stdout
        assert "running since" in table and "overdue by" in table and "in 7h" in table
        assert "CET" in table or "CEST" in table  # local times, with the zone shown
    finally:
        stop_sidecar(side, thread)
    stopped = json.loads(run_cli("status", "-c", cfg, "--json").stdout)
    assert not stopped["sidecar"]["running"] and len(stopped["events"]) == 2  # it works stopped too
    assert stopped["problems"] == ["the sidecar is not running: nothing is read and nothing is sent"]


def _get(url: str, context=None, auth: str | None = None) -> tuple[int, str, str]:
    req = urllib.request.Request(url)
    if auth:
        import base64

        req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=10, context=context) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read().decode()


def test_page_api_and_metrics(tmp_path):
    side, thread, _cfg, port = _sidecar(tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        code, kind, body = _get(f"{base}/api/status")
        assert code == 200 and kind == "application/json"
        assert [e["signature"] for e in json.loads(body)["events"]] == ["demo.slow_answer", "database.space_low"]
        code, kind, page = _get(f"{base}/")
        assert code == 200 and kind.startswith("text/html") and "overdue by" in page and "UCX_Analytics" in page
        metrics = _get(f"{base}/metrics")[2]
        assert 'logsentinel_open_events{priority="P4",signature="database.space_low"} 1.0' in metrics
        assert 'logsentinel_overdue_events{priority="P2"} 1.0' in metrics
        earliest = [m for m in metrics.splitlines() if m.startswith("logsentinel_earliest_deadline_timestamp_seconds ")]
        assert earliest and float(earliest[0].split()[1]) > 1.7e9
        assert _get(f"{base}/healthz")[0] == 200
    finally:
        stop_sidecar(side, thread)


def test_a_page_shows_a_log_line_escaped(tmp_path):
    from logsentinel.web.page import Session, render

    status = {
        "events": [
            {
                "id": "<id>",
                "signature": "s'><script>",
                "title": "<b>t</b>",
                "priority": "P1",
                "fields": {"x": "<script>"},
                "message": "<script>alert(1)</script>",
                "description": "<script>d</script>",
                "runbook": "https://x/'><script>r</script>",
                "path": "<p>",
                "line": 1,
                "count": 1,
                "first_seen": None,
                "last_seen": None,
                "deadline": "2026-11-27T10:00:00.000Z",
                "seconds_to_deadline": 5,
                "acknowledged_by": "<script>who",
                "note": "<script>note",
                "silenced_by": "<script>",
            }
        ],
        "silences": [
            {
                "id": "<s>",
                "matchers": ["a=<script>"],
                "state": "active",
                "ends_at": None,
                "by": "<b>",
                "reason": "<script>why",
            }
        ],
        "recently_resolved": [],
        "problems": ["sink <script>x</script> is failing"],
        "sinks": [],
        "sources": [],
        "probes": [],
        "sidecar": {"running": False, "since": None, "pid": None},
    }
    for session in (None, Session("<script>u", "<t>")):
        page = render(status, "h", session, flash="<script>flash")
        assert page.count("<script") == 1 and page.count("</script>") == 1  # the page's own script only
        assert "&lt;script&gt;alert(1)" in page and "&lt;script&gt;x&lt;/script&gt;" in page


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl makes the test certificate")
def test_tls_and_basic_auth(tmp_path, caplog):
    import bcrypt

    cert, key = self_signed(tmp_path)
    hashed = bcrypt.hashpw(b"s3cret", bcrypt.gensalt(rounds=4)).decode()
    caplog.set_level(logging.DEBUG)
    side, thread, _cfg, port = _sidecar(
        tmp_path,
        f", tls_server_config: {{cert_file: '{cert}', key_file: '{key}'}}, basic_auth_users: {{ops: '{hashed}'}}",
    )
    context = ssl.create_default_context(cafile=str(cert))
    base = f"https://127.0.0.1:{port}"
    try:
        assert _get(f"{base}/api/status", context)[0] == 401
        assert _get(f"{base}/api/status", context, auth="ops:wrong")[0] == 401
        code, _kind, body = _get(f"{base}/api/status", context, auth="ops:s3cret")
        assert code == 200 and len(json.loads(body)["events"]) == 2
        assert _get(f"{base}/metrics", context, auth="ops:s3cret")[0] == 200
        with pytest.raises(OSError):  # plain HTTP is not served (URLError is an OSError)
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
        # issue 21, item 17: a password past bcrypt's 72 bytes is refused, not a 500
        assert _get(f"{base}/api/status", context, auth="ops:" + "x" * 100)[0] == 401
    finally:
        stop_sidecar(side, thread)
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.exc_info]  # nothing from the network


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_the_page_in_a_real_browser(tmp_path):
    side, thread, _cfg, port = _sidecar(tmp_path)
    url = f"http://127.0.0.1:{port}/"
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium'}",
    ]
    try:
        browser_env = dict(os.environ, TZ="Europe/Rome")  # the reader's zone, not the server's
        dom = subprocess.run(
            [CHROMIUM, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120, env=browser_env
        ).stdout
        shot = tmp_path / "status-page.png"
        subprocess.run(
            [CHROMIUM, *flags, "--window-size=1100,700", "--hide-scrollbars", f"--screenshot={shot}", url],
            capture_output=True,
            timeout=120,
            env=browser_env,
        )
    finally:
        stop_sidecar(side, thread)
    rows = dom.count('class="event"')
    assert rows == 2, dom[:2000]
    assert "Open events: 2" in dom and "1 overdue" in dom and "Demo event with a short response time" in dom
    times = re.findall(r"<time datetime=\"[^\"]+\">([^<]*)</time>", dom)
    assert times and not any(re.match(r"\d{4}-", t) for t in times), times  # the script showed the reader's time
    assert any("GMT+1" in t or "CET" in t for t in times), times
    assert shot.is_file() and shot.stat().st_size > 10_000
    if os.environ.get("LOGSENTINEL_SCREENSHOT_TO"):  # a picture of the read-only page
        shutil.copy(shot, os.environ["LOGSENTINEL_SCREENSHOT_TO"])


def test_an_unknown_user_costs_a_bcrypt_check_as_a_known_one_does(monkeypatch):
    """Issue 21, item 17: user names cannot be told apart by how fast a wrong password is refused."""
    import base64

    import bcrypt

    from logsentinel.web.auth import BasicAuth

    calls = []
    real = bcrypt.checkpw
    monkeypatch.setattr(bcrypt, "checkpw", lambda pw, h: calls.append(h) or real(pw, h))
    auth = BasicAuth({"ops": bcrypt.hashpw(b"s3cret", bcrypt.gensalt(rounds=4)).decode()})

    def header(user, pw):
        return "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()

    assert not auth.allows(header("nobody", "guess"))
    assert not auth.allows(header("ops", "guess"))
    assert len(calls) == 2  # the unknown user was checked against a dummy hash too
    assert auth.allows(header("ops", "s3cret"))
    assert not auth.allows(header("nobody", "s3cret"))


def test_a_signature_id_with_a_newline_is_refused(tmp_path):
    from conftest import run_cli

    res = run_cli("new", "ok.id\n", "--priority", "P3", cwd=tmp_path)
    assert res.returncode != 0 and not any("\n" in p.name for p in tmp_path.rglob("*"))
