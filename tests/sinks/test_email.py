"""The ``email`` sink (issue 23) against a real SMTP server (aiosmtpd) on this machine: plain
with a login (a trusted relay), STARTTLS, implicit TLS; what a refusal means (5xx: a dead
letter; 4xx, a refused login, a server that never answers: retried); the account comes from
the environment and shows nowhere."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import ssl
import threading

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from conftest import SAMPLES
from support.httpserver import free_port
from support.tls import self_signed

from logsentinel.clock import SYSTEM
from logsentinel.config.sections import parse_section
from logsentinel.sinks.base import DeliveryError
from logsentinel.sinks.smtp import EmailSettings, EmailSink

EVENTS = [json.loads(x) for x in (SAMPLES / "expected" / "events.jsonl").read_text().splitlines()]
CRASH = next(e for e in EVENTS if e["signature"] == "app.crash" and e["report"] == "overdue")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 <nobody@example.net>: user unknown"
        if address.startswith("later@"):
            return "451 4.3.0 mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def _login(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"ops", b"Pa55-word")
    return AuthResult(success=ok, handled=False)  # handled=True would mean "the 535 was sent"


def _server(inbox: Inbox, **kw) -> Controller:
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), authenticator=_login, **kw)
    controller.start()
    return controller


def _sink(tmp_path, port: int, **raw) -> EmailSink:
    raw = {"type": "email", "host": "127.0.0.1", "port": port, "sender": "logsentinel@ucx-01.example.net",
           "to": ["support@example.net"], "timeout": 5, **raw}  # fmt: skip
    settings, problems = parse_section(EmailSettings, raw, "sink email")
    assert not problems, problems
    return EmailSink("email", settings, tmp_path, SYSTEM)


def test_a_report_is_one_message_with_text_html_priority_and_deadline(tmp_path, monkeypatch):
    monkeypatch.setenv("SMTP_USER", "ops")
    monkeypatch.setenv("SMTP_PASSWORD", "Pa55-word")
    inbox = Inbox()
    server = _server(inbox, auth_require_tls=False)
    try:
        sink = _sink(tmp_path, server.port, tls="none", username="${SMTP_USER}", password="${SMTP_PASSWORD}")
        sink.deliver([json.dumps(CRASH), json.dumps(EVENTS[0])], None)
    finally:
        server.stop()
    assert len(inbox.messages) == 2
    msg = inbox.messages[0]
    assert msg["Subject"].strip() == "[P1] Application crash on ucx-demo: OVERDUE, respond by 2026-11-27 11:02 UTC"
    assert msg["To"] == "support@example.net" and msg["X-Logsentinel-Event"] == CRASH["id"]
    text = msg.get_body(("plain",)).get_content()
    page = msg.get_body(("html",)).get_content()
    assert "Deadline: 2026-11-27 11:02 UTC" in text and "Imagicle Call Recording" in text
    assert "<th align=left>Priority</th><td>P1 (overdue)</td>" in page
    assert "Pa55-word" not in inbox.envelopes[0].content.decode()


def test_starttls_and_implicit_tls_with_the_servers_certificate(tmp_path, monkeypatch):
    monkeypatch.setenv("SMTP_PASSWORD", "Pa55-word")
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    # aiosmtpd offers AUTH under implicit TLS only when told (it knows TLS from STARTTLS)
    implicit = {"ssl_context": context, "auth_require_tls": False}
    for mode, kw in (("starttls", {"tls_context": context, "require_starttls": True}), ("implicit", implicit)):
        inbox = Inbox()
        server = _server(inbox, **kw)
        try:
            sink = _sink(
                tmp_path, server.port, tls=mode, ca_file=str(cert), username="ops", password="${SMTP_PASSWORD}"
            )
            sink.deliver([json.dumps(CRASH)], None)
        finally:
            server.stop()
        assert [m["Subject"].strip()[:26] for m in inbox.messages] == ["[P1] Application crash on "], mode
    inbox = Inbox()
    server = _server(inbox, tls_context=context, require_starttls=True)
    try:  # a certificate nobody vouches for is refused, and retried (the reports wait)
        sink = _sink(tmp_path, server.port, tls="starttls")
        with pytest.raises(DeliveryError) as err:
            sink.deliver([json.dumps(CRASH)], None)
        assert not err.value.permanent and "CERTIFICATE_VERIFY_FAILED" in str(err.value)
    finally:
        server.stop()


@pytest.mark.parametrize(
    "to,permanent,needle",
    [(["nobody@example.net"], True, "550"), (["later@example.net"], False, "451")],
)
def test_a_refused_recipient_is_a_dead_letter_and_a_busy_one_is_retried(tmp_path, to, permanent, needle):
    inbox = Inbox()
    server = _server(inbox, auth_require_tls=False)
    try:
        sink = _sink(tmp_path, server.port, tls="none", to=to)
        with pytest.raises(DeliveryError) as err:
            sink.deliver([json.dumps(CRASH)], None)
    finally:
        server.stop()
    assert err.value.permanent is permanent and needle in str(err.value) and not inbox.messages


def test_a_refused_login_is_retried_and_names_no_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("SMTP_PASSWORD", "wrong-Secret-9")
    server = _server(Inbox(), auth_require_tls=False)
    try:
        sink = _sink(tmp_path, server.port, tls="none", username="ops", password="${SMTP_PASSWORD}")
        with pytest.raises(DeliveryError) as err:
            sink.deliver([json.dumps(CRASH)], None)
    finally:
        server.stop()
    assert not err.value.permanent and "login refused (535)" in str(err.value)
    assert "wrong-Secret-9" not in str(err.value)


def test_a_server_that_never_answers_is_a_timeout_not_a_hang(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    held: list[socket.socket] = []
    threading.Thread(target=lambda: held.append(listener.accept()[0]), daemon=True).start()
    try:
        sink = _sink(tmp_path, listener.getsockname()[1], tls="none", timeout=0.5)
        with pytest.raises(DeliveryError) as err:
            sink.deliver([json.dumps(CRASH)], None)
        assert not err.value.permanent and "no answer in time" in str(err.value)
    finally:
        for conn in held:
            conn.close()
        listener.close()


@pytest.mark.parametrize(
    "raw,key",
    [
        ({"password": "plain-text", "username": "ops"}, "password"),
        ({"username": "ops"}, "password"),
        ({"tls": "ssl"}, "tls"),
        ({"to": ["not-an-address"]}, "to"),
        ({"password": "${NOT_SET_ANYWHERE_42}", "username": "ops"}, "password"),
    ],
)
def test_a_wrong_setting_is_named(raw, key):
    base = {"type": "email", "host": "smtp.example.net", "sender": "a@example.net", "to": ["b@example.net"]}
    settings, problems = parse_section(EmailSettings, {**base, **raw}, "sink email")
    assert settings is None and key in [k for k, _m in problems], problems


def test_test_sinks_sends_a_test_message_and_its_resolve(tmp_path):
    """The administrator's check after setting the sink up: ``logsentinel test-sinks``."""
    from conftest import run_cli

    inbox = Inbox()
    server = _server(inbox, auth_require_tls=False)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        f"host: ucx-01\nstate: state.db\nsources: []\n"
        f"sinks: [{{type: email, host: 127.0.0.1, port: {server.port}, tls: none, "
        f"sender: logsentinel@ucx-01.example.net, to: [support@example.net]}}]\n"
    )
    try:
        res = run_cli("test-sinks", "-c", cfg)
    finally:
        server.stop()
    assert res.returncode == 0, res.stderr
    subjects = [m["Subject"].strip() for m in inbox.messages]
    assert len(subjects) == 2 and subjects[0].startswith("[P4] logsentinel test event") and ": resolved" in subjects[1]
