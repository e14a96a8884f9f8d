"""Events: what logsentinel reports, and their JSON form (the contract of docs/events.md)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

from logsentinel.signatures.model import Signature
from logsentinel.timefmt import iso

MESSAGE_MAX_CHARS = 4000
DEDUP_KEY_MAX = 255
FIELD_VALUE_MAX = 200


@dataclass
class Event:
    id: str
    signature: str
    title: str
    application: str
    category: str
    priority: str
    response_time_s: int
    status: str            # "firing" or "resolved"
    detected_at: int       # epoch ms of the record (or moment) that made it fire
    first_seen: int
    last_seen: int
    count: int
    host: str
    source: str
    path: str | None
    line: int | None
    message: str
    fields: dict
    dedup_key: str
    kind: str = "match"    # "match", "threshold" or "absent"
    resolved_at: int | None = None
    report: str = "fired"  # why this report: fired, repeated, closed, updated, resolved
    reported_at: int = 0   # when it was last reported (drives repeats)
    dirty: bool = field(default=False, compare=False)

    @property
    def deadline(self) -> int:
        return self.detected_at + self.response_time_s * 1000

    def snapshot(self, report: str, at: int) -> "Event":
        """A copy to report now; marks the event as reported."""
        self.dirty = False
        self.report = report
        self.reported_at = at
        return replace(self)

    def to_dict(self) -> dict:
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
        }


def dedup_key(sig: Signature, host: str, fields: dict) -> str:
    """signature|host|by=value...: one open event per key; at most 255 characters."""
    parts = [sig.id, host] + [f"{name}={str(fields.get(name, ''))[:FIELD_VALUE_MAX]}" for name in sig.dedup_by]
    key = "|".join(parts)
    if len(key) > DEDUP_KEY_MAX:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
        key = key[: DEDUP_KEY_MAX - 17] + "#" + digest
    return key


def event_id(key: str, first_seen: int, origin: str) -> str:
    """Stable for the same input on every run, unique per event."""
    return hashlib.sha256(f"{key}|{first_seen}|{origin}".encode("utf-8")).hexdigest()[:32]


def cut_message(text: str) -> str:
    if len(text) <= MESSAGE_MAX_CHARS:
        return text
    return text[: MESSAGE_MAX_CHARS - 1] + "…"
