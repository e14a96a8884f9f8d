"""The page's actions (issue 23) in a real browser (Debian's chromium, driven by playwright): a
signed-in operator acknowledges, resolves and silences from the page, sees a failing sink in a
red banner and the events resolved lately; the POSTs are refused from another site, without
the form's token, and on a read-only page."""

from __future__ import annotations

import base64
import json
import os
import shutil
import textwrap
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import bcrypt
import pytest
from support.httpserver import Receiver, free_port
from support.sidecar import read_jsonl, start_sidecar, stop_sidecar, utc_stamp, wait_following, wait_until

from logsentinel.state.requests import Requests

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SIGNATURE = """
id: demo.failure
title: Demo service failure
priority: P2
description: The demo service failed to answer.
runbook: https://wiki.example.net/ucx/demo-failure
auto_resolve: 1d
match: ['demo failure (?P<code>\\d+)']
dedup: {by: [code]}
examples: {match: ['demo failure 1'], no_match: ['demo ok']}
"""


def _sidecar(tmp_path, auth: bool = True):
    log = tmp_path / "app.log"
    log.write_text("")
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "demo.yaml").write_text(SIGNATURE)
    port = free_port()
    failing = Receiver(default=500).start()  # a sink that answers 500: the banner's
    users = f", basic_auth_users: {{ops: '{bcrypt.hashpw(b's3cret', bcrypt.gensalt(4)).decode()}'}}" if auth else ""
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        textwrap.dedent(f"""
        host: ucx-demo
        patterns: ['{tmp_path / "p"}']
        bundled_patterns: false
        state: state.db
        sources: [{{name: app, paths: ['{log}'], timezone: UTC}}]
        sinks:
          - {{type: jsonl, path: out.jsonl}}
          - {{type: webhook, name: ticketing, url: '{failing.url}/hook'}}
        metrics: {{listen: '127.0.0.1:{port}'{users}}}
    """)
    )
    side, thread = start_sidecar(cfg)
    wait_following(side)
    with open(log, "a") as fh:
        for code in (1, 2, 3):
            fh.write(f"{utc_stamp()} [3] ERROR Demo - demo failure {code}\n")
        fh.write(f"{utc_stamp()} [3] INFO Demo - later\n")
    assert wait_until(lambda: len(side.detector.open) == 3)
    assert wait_until(lambda: len(read_jsonl(tmp_path / "out.jsonl")) == 3)
    return side, thread, failing, port


def _browser(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])


def _row(page, code: int):
    return page.locator("tr.event", has_text=f"code={code}")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_an_operator_acks_resolves_and_silences_from_the_page(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    side, thread, failing, port = _sidecar(tmp_path)
    url = f"http://127.0.0.1:{port}/"
    try:
        with sync_playwright() as pw:
            browser = _browser(pw)
            context = browser.new_context(
                http_credentials={"username": "ops", "password": "s3cret"},
                timezone_id="Europe/Rome",
                viewport={"width": 1280, "height": 1000},
            )
            page = context.new_page()
            page.goto(url)
            expect(page.locator("#problems")).to_contain_text("sink ticketing is failing")
            expect(page.locator(".meta")).to_contain_text("signed in as ops")
            expect(page.locator("tr.event")).to_have_count(3)
            expect(_row(page, 1).locator("a.runbook")).to_have_attribute(
                "href", "https://wiki.example.net/ucx/demo-failure"
            )

            _row(page, 1).locator("input[name=note]").fill("looking at it")
            _row(page, 1).get_by_role("button", name="Acknowledge").click()
            expect(page.locator("#flash")).to_contain_text("acknowledged demo.failure")
            expect(_row(page, 1)).to_contain_text("acknowledged by ops: looking at it")

            _row(page, 2).get_by_role("button", name="Resolve").click()
            expect(page.locator("#flash")).to_contain_text("resolved demo.failure")
            expect(page.locator("tr.event")).to_have_count(2)
            expect(page.locator("#resolved-list")).to_contain_text("resolved by ops")

            form = page.locator("form.new-silence")
            form.locator("input[name=matchers]").fill("code=3")
            form.locator("select[name=for]").select_option("4h")
            form.locator("input[name=reason]").fill("planned restart")
            form.get_by_role("button", name="Add silence").click()
            expect(page.locator("#flash")).to_contain_text("silence")
            expect(page.locator("#silence-list")).to_contain_text("planned restart")
            expect(_row(page, 3)).to_contain_text("silenced")

            shot = tmp_path / "status-page.png"
            page.screenshot(path=str(shot), full_page=True)
            if os.environ.get("LOGSENTINEL_SCREENSHOT_TO"):  # to refresh docs/status-page-actions.png
                shutil.copy(shot, os.environ["LOGSENTINEL_SCREENSHOT_TO"])

            # a new occurrence of the silenced event is recorded, not sent
            with open(tmp_path / "app.log", "a") as fh:
                fh.write(f"{utc_stamp()} [3] ERROR Demo - demo failure 3\n{utc_stamp()} [3] INFO Demo - later\n")

            page.locator("#silence-list tr.silence").get_by_role("button", name="Expire").click()
            expect(page.locator("#flash")).to_contain_text("expired")
            expect(page.locator("#silences")).to_be_visible()
            browser.close()
        reports = read_jsonl(tmp_path / "out.jsonl")
        assert [(r["report"], r["fields"]["code"]) for r in reports[3:]] == [("acknowledged", "1"), ("resolved", "2")]
        assert reports[3]["acknowledged_by"] == "ops" and reports[4]["resolved_by"] == "ops"
        requests = Requests.open(tmp_path / "state.db")
        try:
            assert [(a["kind"], a["by"], a["ok"]) for a in requests.recent_actions()] == [
                ("resolve", "ops", 1),
                ("ack", "ops", 1),
            ]
        finally:
            requests.close()
    finally:
        stop_sidecar(side, thread)
        failing.stop()


class _Evil(BaseHTTPRequestHandler):
    """Another site: its page posts a form to the listener as soon as it loads."""

    target = ""

    def do_GET(self):
        body = (
            f"<form id=f method=post action='{self.target}actions/resolve'>"
            "<input name=event value=all><input name=csrf value=guess></form>"
            "<script>document.getElementById('f').submit()</script>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_a_form_posted_from_another_site_is_refused(tmp_path):
    from playwright.sync_api import sync_playwright

    side, thread, failing, port = _sidecar(tmp_path)
    _Evil.target = f"http://127.0.0.1:{port}/"
    evil = ThreadingHTTPServer(("127.0.0.1", 0), _Evil)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as pw:
            browser = _browser(pw)
            context = browser.new_context(http_credentials={"username": "ops", "password": "s3cret"})
            page = context.new_page()
            with page.expect_response(lambda r: "/actions/" in r.url) as answer:
                page.goto(f"http://localhost:{evil.server_address[1]}/")
            assert answer.value.status == 403
            assert "refused" in answer.value.text()
            browser.close()
        assert len(side.detector.open) == 3
    finally:
        evil.shutdown()
        stop_sidecar(side, thread)
        failing.stop()


def _post(url: str, form: str, auth: str | None = "ops:s3cret", headers: dict | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, data=form.encode(), method="POST")
    req.add_header("Content-Type", "application/x-www-form-urlencoded")
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_posts_without_the_token_or_sign_in_are_refused_and_a_read_only_page_has_no_forms(tmp_path):
    side, thread, failing, port = _sidecar(tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        event_id = next(iter(side.detector.open.values())).id
        assert _post(f"{base}/actions/resolve", f"event={event_id}", auth=None)[0] == 401
        assert _post(f"{base}/actions/resolve", f"event={event_id}&csrf=guess")[0] == 403
        token = side.metrics.tokens.of("ops") if side.metrics else ""
        code, text = _post(
            f"{base}/actions/resolve", f"event={event_id}&csrf={token}", headers={"Origin": "http://evil.example"}
        )
        assert code == 403 and "another origin" in text
        code, text = _post(
            f"{base}/actions/resolve", f"event={event_id}&csrf={token}", headers={"Sec-Fetch-Site": "cross-site"}
        )
        assert code == 403 and "cross-site" in text
        assert len(side.detector.open) == 3
    finally:
        stop_sidecar(side, thread)
        failing.stop()


def test_a_read_only_page_has_no_forms_and_refuses_posts(tmp_path):
    side, thread, failing, port = _sidecar(tmp_path, auth=False)
    base = f"http://127.0.0.1:{port}"
    try:
        with urllib.request.urlopen(f"{base}/", timeout=10) as resp:
            page = resp.read().decode()
            assert resp.headers["X-Frame-Options"] == "DENY"
        assert "<form" not in page and "read-only" in page
        code, text = _post(f"{base}/actions/ack", "event=x", auth=None)
        assert code == 403 and "read-only" in text
        status = json.loads(urllib.request.urlopen(f"{base}/api/status", timeout=10).read())
        assert any("sink ticketing is failing" in p for p in status["problems"])
    finally:
        stop_sidecar(side, thread)
        failing.stop()
