"""Silences, as Alertmanager has them: for a time, reports of the events that match every
matcher of a silence are recorded but not delivered (a planned restart of the suite, a known
problem being worked on). Pure: the state database keeps them (``state.database``), the
checkpoint applies them to each batch's reports, the page and ``status`` show them.

A matcher is ``FIELD=VALUE`` (equal) or ``FIELD=~REGEX`` (the whole value, as Alertmanager's),
on an event's label: ``signature``, ``priority``, ``host``, ``category``, ``application``,
``source``, ``title``, or one of its ``fields`` (``param1``, ``component``, ``volume``...).
The reports that end an event (``resolved``, ``closed``) are always delivered: a sink that holds
the event open learns it ended, whatever was silenced since.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from logsentinel.timefmt import iso

LABELS = ("signature", "priority", "host", "category", "application", "source", "title")
NEVER_SILENCED = ("resolved", "closed")
MATCHER_RE = re.compile(r"^\s*([A-Za-z_][\w.\-]*)\s*(=~|=)(.*)$", re.S)


@dataclass(frozen=True)
class Matcher:
    name: str
    value: str
    regex: bool = False

    def matches(self, event: dict) -> bool:
        got = event.get(self.name) if self.name in LABELS else (event.get("fields") or {}).get(self.name)
        if got is None:
            return False
        text = str(got)
        if self.regex:
            return re.fullmatch(self.value, text) is not None
        return text == self.value

    def __str__(self) -> str:
        return f"{self.name}{'=~' if self.regex else '='}{self.value}"

    def to_dict(self) -> dict:
        return {"name": self.name, "value": self.value, "regex": self.regex}


def parse_matcher(text: str) -> Matcher:
    """``FIELD=VALUE`` or ``FIELD=~REGEX``; ValueError with the reason for anything else."""
    m = MATCHER_RE.match(text)
    if m is None:
        raise ValueError(f"{text!r}: expected FIELD=VALUE or FIELD=~REGEX (e.g. param1=Imagicle Call Recording)")
    name, op, value = m.group(1), m.group(2), m.group(3).strip()
    if not value:
        raise ValueError(f"{text!r}: the value is empty")
    if op == "=~":
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"{text!r}: bad regex: {exc}") from None
    return Matcher(name, value, op == "=~")


@dataclass(frozen=True)
class Silence:
    id: str
    matchers: tuple[Matcher, ...]
    starts_at: int  # epoch ms
    ends_at: int  # epoch ms
    by: str
    reason: str
    created_at: int
    expired_by: str | None = None

    def active(self, now_ms: int) -> bool:
        return self.starts_at <= now_ms < self.ends_at

    def matches(self, event: dict) -> bool:
        return bool(self.matchers) and all(m.matches(event) for m in self.matchers)

    def state(self, now_ms: int) -> str:
        if now_ms >= self.ends_at:
            return "expired"
        return "active" if now_ms >= self.starts_at else "pending"

    def to_dict(self, now_ms: int) -> dict:
        return {
            "id": self.id,
            "matchers": [str(m) for m in self.matchers],
            "starts_at": iso(self.starts_at),
            "ends_at": iso(self.ends_at),
            "by": self.by,
            "reason": self.reason,
            "created_at": iso(self.created_at),
            "expired_by": self.expired_by,
            "state": self.state(now_ms),
        }


def new_silence(
    matchers: list[Matcher], ends_at_ms: int, reason: str, by: str, now_ms: int, redact: Callable[[str], str]
) -> Silence:
    """A silence from checked parts (the command and the page make them so); ValueError if
    something is missing. ``redact`` masks a secret pasted into the reason before it is stored."""
    if not matchers:
        raise ValueError("say what to silence: --signature ID or --match FIELD=VALUE")
    if ends_at_ms <= now_ms:
        raise ValueError("the silence would end before it starts: give a time in the future")
    reason = redact(reason.strip())[:500]
    if not reason:
        raise ValueError("say why (--reason): the next engineer reads it")
    return Silence(secrets.token_hex(4), tuple(matchers), now_ms, ends_at_ms, by[:100], reason, now_ms)


def silencing(event: dict, silences: Iterable[Silence], now_ms: int) -> Silence | None:
    """The first active silence that takes this report (None: deliver it)."""
    if event.get("report") in NEVER_SILENCED:
        return None
    for silence in silences:
        if silence.active(now_ms) and silence.matches(event):
            return silence
    return None


def silenced_by(event: dict, silences: Iterable[Silence], now_ms: int) -> Silence | None:
    """The first active silence matching an open event (whatever its last report was)."""
    return next((s for s in silences if s.active(now_ms) and s.matches(event)), None)
