"""``email`` sink: one short message per report (text and HTML), the priority and the deadline
in the subject, sent with ``smtplib`` over STARTTLS (the default, port 587), implicit TLS
(``tls: implicit``, port 465) or, on a trusted relay only, none. The account comes from the
environment (``username: ${SMTP_USER}``, ``password: ${SMTP_PASSWORD}``) and is never logged.

What an SMTP answer means for the report: 2xx delivered; a connection error, a time-out, a 4xx
or a refused login (535: fix the account, the reports wait) is retried; any other 5xx (a
recipient or sender refused, a message refused) is permanent and goes to the dead letters with
the server's words.
"""

from __future__ import annotations

import html
import json
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from logsentinel.sinks.base import POSITIVE, DeliveryError, Sink, SinkSettings
from logsentinel.sinks.http import expand_env

TLS_MODES = ("starttls", "implicit", "none")
REPORT_WORDS = {
    "fired": "new",
    "repeated": "still happening",
    "overdue": "OVERDUE",
    "acknowledged": "acknowledged",
    "resolved": "resolved",
    "closed": "quiet (closed)",
    "updated": "updated",
}
SUBJECT_MAX = 200


@dataclass(frozen=True, kw_only=True)
class EmailSettings(SinkSettings):
    host: str
    to: list[str]
    sender: str
    port: int | None = None  # 587 with starttls, 465 with implicit TLS, 25 without
    tls: str = "starttls"
    username: str | None = None
    password: str | None = None
    timeout: float = field(default=30.0, metadata=POSITIVE)
    verify_tls: bool = True
    ca_file: str | None = field(default=None, metadata={"path": True})

    def target(self) -> str:
        return f"{self.host}:{','.join(self.to)}"

    def problems(self) -> list[tuple[str, str]]:
        out = []
        if self.tls not in TLS_MODES:
            out.append(("tls", f"expected one of {', '.join(TLS_MODES)}, got {self.tls!r}"))
        if not self.to or not all(isinstance(a, str) and "@" in a for a in self.to):
            out.append(("to", "expected a list of e-mail addresses"))
        if "@" not in self.sender:
            out.append(("sender", f"expected an e-mail address, got {self.sender!r}"))
        if (self.username is None) != (self.password is None):
            out.append(
                ("password" if self.password is None else "username", "give both username and password, or neither")
            )
        for key in ("username", "password"):
            value = getattr(self, key)
            if value is not None:
                try:
                    expand_env(value)
                except KeyError as exc:
                    out.append((key, f"environment variable {exc.args[0]} is not set"))
        if self.password is not None and "${" not in self.password:
            out.append(("password", "read it from the environment (password: ${SMTP_PASSWORD}), not the config file"))
        return out


def subject(event: dict) -> str:
    """``[P1] Application crash on ucx-01: new, respond by 2026-11-27 11:02 UTC``."""
    word = REPORT_WORDS.get(event["report"], event["report"])
    who = event.get("acknowledged_by") if event["report"] == "acknowledged" else event.get("resolved_by")
    if who and event["report"] in ("acknowledged", "resolved"):
        word += f" by {who}"
    text = f"[{event['priority']}] {event['title']} on {event['host']}: {word}"
    if event["status"] != "resolved" and event["report"] != "closed":
        text += f", respond by {_when(event['deadline'])}"
    return " ".join(text.split())[:SUBJECT_MAX]  # one line: a header never holds a line break


def _when(iso: str | None) -> str:
    return (iso or "-").replace("T", " ")[:16] + " UTC" if iso else "-"


def _facts(event: dict) -> list[tuple[str, str]]:
    where = (event.get("path") or "") + (f":{event['line']}" if event.get("line") else "")
    facts = [
        ("Priority", event["priority"] + (" (overdue)" if event.get("overdue") else "")),
        ("Deadline", _when(event["deadline"])),
        ("Host", event["host"]),
        ("Signature", event["signature"]),
        ("Count", str(event["count"])),
        ("First seen", _when(event["first_seen"])),
        ("Last seen", _when(event["last_seen"])),
        ("Read from", f"{event.get('source') or ''} {where}".strip()),
        ("Event id", event["id"]),
    ]
    if event.get("acknowledged_by"):
        facts.append(("Taken by", event["acknowledged_by"]))
    if event.get("note"):
        facts.append(("Note", event["note"]))
    if event.get("runbook"):
        facts.append(("Runbook", event["runbook"]))
    return facts


def message(event: dict, sender: str, to: list[str]) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject(event)
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg["X-Logsentinel-Event"] = event["id"]
    record = (event.get("message") or "")[:2000]
    text = [subject(event), ""]
    if event.get("description"):
        text += [event["description"], ""]
    text += [f"{k}: {v}" for k, v in _facts(event)]
    text += ["", "Record:", record]
    msg.set_content("\n".join(text))
    e = html.escape
    rows = "".join(f"<tr><th align=left>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in _facts(event))
    runbook = f"<p><a href='{e(event['runbook'])}'>Runbook</a></p>" if event.get("runbook") else ""
    desc = f"<p>{e(event['description'])}</p>" if event.get("description") else ""
    msg.add_alternative(
        f"<html><body><h3>{e(subject(event))}</h3>{desc}<table>{rows}</table>{runbook}"
        f"<pre style='white-space:pre-wrap'>{e(record)}</pre></body></html>",
        subtype="html",
    )
    return msg


class EmailSink(Sink):
    type = "email"
    settings = EmailSettings
    batch = 10  # messages sent on one connection
    default_rate_per_min = 30.0  # a burst is not a flood of mail

    def __init__(self, name, cfg: EmailSettings, base, clock) -> None:
        super().__init__(name, cfg, base, clock)
        self.cfg: EmailSettings = cfg
        self.port = cfg.port or {"starttls": 587, "implicit": 465}.get(cfg.tls, 25)
        self.username = expand_env(cfg.username) if cfg.username else None
        self.password = expand_env(cfg.password) if cfg.password else None

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.cfg.ca_file)
        if not self.cfg.verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _connect(self) -> smtplib.SMTP:
        cfg = self.cfg
        if cfg.tls == "implicit":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(cfg.host, self.port, timeout=cfg.timeout, context=self._context())
        else:
            smtp = smtplib.SMTP(cfg.host, self.port, timeout=cfg.timeout)
        try:
            smtp.ehlo()
            if cfg.tls == "starttls":
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if self.username is not None and self.password is not None:
                smtp.login(self.username, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def deliver(self, reports, store):
        where = f"{self.cfg.host}:{self.port}"
        try:
            smtp = self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                f"{where}: login refused ({exc.smtp_code}): check the account", status=exc.smtp_code
            ) from None
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise DeliveryError(f"{where}: {_describe(exc)}") from None
        try:
            for report in reports:
                event = json.loads(report)
                try:
                    smtp.send_message(message(event, self.cfg.sender, list(self.cfg.to)))
                except smtplib.SMTPRecipientsRefused as exc:
                    codes = [code for code, _text in exc.recipients.values()]
                    raise DeliveryError(
                        f"{where}: recipients refused: {_refusals(exc.recipients)}",
                        permanent=all(c >= 500 for c in codes),
                    ) from None
                except smtplib.SMTPResponseException as exc:
                    raise DeliveryError(
                        f"{where}: {exc.smtp_code} {_text(exc.smtp_error)}",
                        permanent=exc.smtp_code >= 500,
                        status=exc.smtp_code,
                    ) from None
                except (smtplib.SMTPException, OSError) as exc:
                    raise DeliveryError(f"{where}: {_describe(exc)}") from None
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
        return None


def _text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())[:300]


def _refusals(recipients: dict) -> str:
    return "; ".join(f"{addr} ({code} {_text(text)})" for addr, (code, text) in recipients.items())


def _describe(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError) or "timed out" in str(exc):
        return "no answer in time"  # smtplib says a time-out as "Connection unexpectedly closed: timed out"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}"[:300]
