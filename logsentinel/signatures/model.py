"""Signatures: the typed form of one YAML signature (built and checked by ``build``), and its
record-level matching. Matching here is the reference semantics (the "naive loop"): the fast
matcher must produce exactly the same hits."""

from __future__ import annotations

from dataclasses import dataclass

import regex

PRIORITY_RESPONSE_S = {"P1": 3600, "P2": 7200, "P3": 14400, "P4": 28800}
CATEGORIES = ("degradation", "anomaly", "space", "capacity", "cloud")
ARM_MODES = ("seen", "start")
DEFAULT_MATCH_TIMEOUT_S = 0.2
ID_RE = regex.compile(r"^[a-z0-9][a-z0-9_.\-]*$")

TOP_KEYS = {
    "id", "title", "description", "application", "category", "priority", "response_time",
    "sources", "match", "exclude", "dedup", "threshold", "resolve", "absent", "examples",
    "monitored_event", "auto_resolve", "repeat", "event",
}
NESTED_KEYS = {
    "dedup": {"by", "window"},
    "threshold": {"count", "within"},
    "absent": {"match", "for", "arm"},
    "examples": {"match", "no_match", "resolve"},
    "event": {"provider", "id", "channel"},
}
EXAMPLE_EVENT_KEYS = {"channel", "provider", "id", "level", "data", "record_id", "computer", "time"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a signature file or signature."""

    file: str
    line: int | None
    sig_id: str | None
    key: str | None
    message: str
    level: str = "error"  # or "warning"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        parts = [where]
        if self.sig_id:
            parts.append(self.sig_id)
        if self.key:
            parts.append(self.key)
        prefix = "warning: " if self.level == "warning" else ""
        return ": ".join(parts) + f": {prefix}{self.message}"


@dataclass(frozen=True)
class Rx:
    """One compiled regex of a signature, with where it was written."""

    source: str
    compiled: regex.Pattern
    key: str  # e.g. "match[1]"
    line: int | None
    written: str | None = None   # as written, with {{fragments}}, when that differs from ``source``

    def search(self, text: str, timeout: float | None):
        return self.compiled.search(text, timeout=timeout)


@dataclass(frozen=True)
class Example:
    text: str
    fields: dict
    line: int | None
    attrs: dict | None = None   # an event-log example's event fields (the record's attrs)


@dataclass(frozen=True)
class EventSelector:
    """Which event-log records a signature looks at (``event:``): any of the providers
    (case-insensitive), ids and channels given; a key left out selects all."""

    providers: frozenset[str] | None = None   # case-folded
    ids: frozenset[int] | None = None
    channels: frozenset[str] | None = None    # case-folded

    def selects(self, attrs: dict | None) -> bool:
        if attrs is None:
            return False
        if self.providers is not None and attrs.get("provider", "").casefold() not in self.providers:
            return False
        if self.channels is not None and attrs.get("channel", "").casefold() not in self.channels:
            return False
        return self.ids is None or int(attrs.get("event_id") or -1) in self.ids


@dataclass(frozen=True)
class Threshold:
    count: int
    within_s: float


@dataclass(frozen=True)
class Absent:
    match: tuple[Rx, ...]
    for_s: float
    arm: str = "seen"


@dataclass
class Signature:
    """A monitored event: how to recognise it in a record and how to report it."""

    id: str
    title: str
    priority: str
    response_time_s: int
    category: str
    application: str = ""
    description: str = ""
    monitored_event: str = ""
    sources: tuple[str, ...] | None = None
    match: tuple[Rx, ...] = ()
    exclude: tuple[Rx, ...] = ()
    resolve: tuple[Rx, ...] = ()
    dedup_by: tuple[str, ...] = ()
    dedup_window_s: float = 0.0
    threshold: Threshold | None = None
    absent: Absent | None = None
    event: EventSelector | None = None
    auto_resolve_s: float | None = None
    repeat_s: float | None = None
    examples_match: tuple[Example, ...] = ()
    examples_no_match: tuple[Example, ...] = ()
    examples_resolve: tuple[Example, ...] = ()
    file: str = ""
    line: int | None = None

    # ---- reference matching semantics -------------------------------------------------
    def applies_to(self, source: str) -> bool:
        return self.sources is None or source in self.sources

    def hit(self, text: str, timeout: float | None = DEFAULT_MATCH_TIMEOUT_S, attrs: dict | None = None) -> dict | None:
        """Fields of a hit if ``text`` (one whole record) matches and is not excluded. With an
        ``event`` selector only selected event-log records hit (``attrs``: their fields, which
        the hit carries), by the selector alone when there is no ``match``."""
        if self.event is not None and not self.event.selects(attrs):
            return None
        captured: dict = {}
        if self.match:
            for rx in self.match:
                m = rx.search(text, timeout)
                if m is not None:
                    break
            else:
                return None
            captured = {k: v for k, v in m.groupdict().items() if v is not None}
        elif self.event is None:
            return None
        for rx in self.exclude:
            if rx.search(text, timeout) is not None:
                return None
        return {**attrs, **captured} if self.event is not None else captured

    def resolves(self, text: str, timeout: float | None = DEFAULT_MATCH_TIMEOUT_S, attrs: dict | None = None) -> dict | None:
        """Captured fields if ``text`` matches one of the ``resolve`` regexes (of a selected
        event-log record, with an ``event`` selector)."""
        if self.event is not None and not self.event.selects(attrs):
            return None
        for rx in self.resolve:
            m = rx.search(text, timeout)
            if m is not None:
                return {k: v for k, v in m.groupdict().items() if v is not None}
        return None

    def heartbeat(self, text: str, timeout: float | None = DEFAULT_MATCH_TIMEOUT_S) -> bool:
        """True if ``text`` is one of the records whose absence this signature watches."""
        if self.absent is None:
            return False
        return any(rx.search(text, timeout) is not None for rx in self.absent.match)

    def all_regexes(self) -> list[tuple[str, Rx]]:
        """(kind, regex) for every regex that can make a record interesting to this signature."""
        out = [("hit", rx) for rx in self.match]
        out += [("resolve", rx) for rx in self.resolve]
        if self.absent:
            out += [("heartbeat", rx) for rx in self.absent.match]
        return out
