"""Events: what logsentinel reports, and their JSON form (the contract of docs/events.md)."""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from logsentinel.signatures.model import Signature
from logsentinel.timefmt import iso

MESSAGE_MAX_CHARS = 4000
DEDUP_KEY_MAX = 255


@dataclass
class Event:
    id: str
    signature: str
    title: str
    application: str
    category: str
    priority: str
    response_time_s: int
    status: str  # "firing" or "resolved"
    detected_at: int  # epoch ms of the record (or moment) that made it fire
    first_seen: int
    last_seen: int
    count: int
    host: str
    source: str
    path: str | None
    line: int | None
    message: str
    fields: dict[str, Any]
    dedup_key: str
    kind: str = "match"  # "match", "threshold" or "absent"
    resolved_at: int | None = None
    report: str = "fired"  # why: fired, repeated, overdue, acknowledged, closed, updated, resolved
    reported_at: int = 0  # when it was last reported (drives repeats)
    overdue: bool = False  # its deadline passed while it was still firing
    escalated_at: int | None = None  # when it was last reported overdue
    acknowledged_by: str | None = None  # who took it (logsentinel ack, the page): no more escalation
    acknowledged_at: int | None = None
    resolved_by: str | None = None  # who resolved it by hand (None: a record or quiet time did)
    note: str = ""  # the operator's note with the last action
    description: str = ""  # the signature's: what the event means
    runbook: str | None = None  # the signature's link to what to do
    dirty: bool = field(default=False, compare=False)

    @property
    def deadline(self) -> int:
        return self.detected_at + self.response_time_s * 1000

    def snapshot(self, report: str, at: int) -> Event:
        """A copy to report now; marks the event as reported."""
        self.dirty = False
        self.report = report
        self.reported_at = at
        return copy.copy(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "signature": self.signature,
            "title": self.title,
            "application": self.application,
            "category": self.category,
            "priority": self.priority,
            "response_time_s": self.response_time_s,
            "status": self.status,
            "detected_at": iso(self.detected_at),
            "deadline": iso(self.deadline),
            "first_seen": iso(self.first_seen),
            "last_seen": iso(self.last_seen),
            "resolved_at": iso(self.resolved_at),
            "count": self.count,
            "host": self.host,
            "source": self.source,
            "path": self.path,
            "line": self.line,
            "message": self.message,
            "fields": dict(self.fields),
            "dedup_key": self.dedup_key,
            "kind": self.kind,
            "report": self.report,
            "overdue": self.overdue,
            "acknowledged_by": self.acknowledged_by,
            "acknowledged_at": iso(self.acknowledged_at),
            "resolved_by": self.resolved_by,
            "note": self.note or None,
            "description": self.description or None,
            "runbook": self.runbook,
        }


@dataclass(frozen=True)
class EventKey:
    """What makes one open event: its signature, its host and its ``dedup.by`` field values,
    in the signature's order. Its text form (``dedup_key`` in events, PagerDuty's ``dedup_key``)
    is JSON, so no field value can make two keys read the same; nothing parses it back."""

    signature: str
    host: str
    fields: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, sig: Signature, host: str, fields: dict[str, Any]) -> EventKey:
        return cls(sig.id, host, tuple((name, str(fields.get(name, ""))) for name in sig.dedup_by))

    def text(self) -> str:
        """``["signature","host",[["field","value"],...]]``; a longer text than 255 characters
        is cut and ends with a digest of the whole."""
        full = json.dumps(
            [self.signature, self.host, [list(pair) for pair in self.fields]], ensure_ascii=False, separators=(",", ":")
        )
        if len(full) <= DEDUP_KEY_MAX:
            return full
        digest = hashlib.sha256(full.encode("utf-8")).hexdigest()[:16]
        return full[: DEDUP_KEY_MAX - 17] + "#" + digest


def event_id(key: EventKey, first_seen: int, origin: str) -> str:
    """Stable for the same input on every run, unique per event: the origin (file and line of
    the record that made it) tells apart events whose keys would read alike here. The digest's
    input is the one release 0.1 used, so the same input keeps its id across the upgrade."""
    return hashlib.sha256(f"{_id_text(key)}|{first_seen}|{origin}".encode()).hexdigest()[:32]


def _id_text(key: EventKey) -> str:
    text = "|".join([key.signature, key.host] + [f"{name}={value[:200]}" for name, value in key.fields])
    if len(text) > DEDUP_KEY_MAX:
        text = text[: DEDUP_KEY_MAX - 17] + "#" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return text


def cut_message(text: str) -> str:
    if len(text) <= MESSAGE_MAX_CHARS:
        return text
    return text[: MESSAGE_MAX_CHARS - 1] + "…"
