"""Signatures: the typed form of one YAML signature (built and checked by ``build``), and its
record-level matching. Matching here is the reference semantics (the "naive loop"): the fast
matcher must produce exactly the same hits."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from typing import Any

import regex

from logsentinel.units import parse_elapsed

PRIORITY_RESPONSE_S = {"P1": 3600, "P2": 7200, "P3": 14400, "P4": 28800}
CATEGORIES = ("degradation", "anomaly", "space", "capacity", "cloud", "sidecar")  # sidecar: its own health
ARM_MODES = ("seen", "start")
DEFAULT_MATCH_TIMEOUT_S = 0.2
ID_RE = regex.compile(r"^[a-z0-9][a-z0-9_.\-]*\Z")  # \Z: a trailing newline is not an id's

TOP_KEYS = {
    "id",
    "title",
    "description",
    "application",
    "category",
    "priority",
    "response_time",
    "sources",
    "match",
    "exclude",
    "dedup",
    "threshold",
    "resolve",
    "resolve_event",
    "absent",
    "examples",
    "monitored_event",
    "auto_resolve",
    "repeat",
    "event",
    "at_least",
    "runbook",
}
NESTED_KEYS = {
    "dedup": {"by", "window"},
    "threshold": {"count", "within"},
    "absent": {"match", "for", "arm"},
    "examples": {"match", "no_match", "resolve"},
    "event": {"provider", "id", "channel"},
    "resolve_event": {"provider", "id", "channel"},
}
EXAMPLE_EVENT_KEYS = {"channel", "provider", "id", "level", "data", "record_id", "computer", "time"}


MAX_PROBLEM_CHARS = 2000


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
        message = self.message
        if len(message) > MAX_PROBLEM_CHARS:  # a 10 MB value quoted in a message is one line, not 10 MB
            message = message[:MAX_PROBLEM_CHARS] + f"... ({len(message) - MAX_PROBLEM_CHARS} characters cut)"
        return ": ".join(parts) + f": {prefix}{message}"


class Rx:
    """One regex of a signature, with where it was written. It is compiled with the ``regex``
    module (timeouts) on first use: a replay that never confirms a signature never pays for its
    regexes (0.5 s for the bundled library), while building it checked it already."""

    __slots__ = ("_compiled", "groups", "key", "line", "source", "written")

    def __init__(
        self,
        source: str,
        compiled: regex.Pattern[str] | None = None,
        key: str = "",
        line: int | None = None,
        written: str | None = None,
        groups: frozenset[str] | None = None,
    ) -> None:
        self.source = source
        self._compiled = compiled
        self.key = key  # e.g. "match[1]"
        self.line = line
        self.written = written  # as written, with {{fragments}}, when that differs from ``source``
        self.groups = groups if groups is not None else frozenset(compiled.groupindex if compiled else ())

    @property
    def compiled(self) -> regex.Pattern[str]:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = regex.compile(self.source, flags=regex.V0)
        return compiled

    def search(self, text: str, timeout: float | None) -> regex.Match[str] | None:
        return self.compiled.search(text, timeout=timeout)

    def _id(self) -> tuple[Any, ...]:
        return (self.source, self.key, self.line, self.written)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Rx) and self._id() == other._id()

    def __hash__(self) -> int:
        return hash(self._id())

    def __repr__(self) -> str:
        return f"Rx({self.source!r}, key={self.key!r}, line={self.line})"


@dataclass(frozen=True)
class Example:
    text: str
    fields: dict[str, Any]
    line: int | None
    attrs: dict[str, Any] | None = None  # an event-log example's event fields (the record's attrs)


@dataclass(frozen=True)
class EventSelector:
    """Which event-log records a signature looks at (``event:``): any of the providers
    (case-insensitive), ids and channels given; a key left out selects all."""

    providers: frozenset[str] | None = None  # case-folded
    ids: frozenset[int] | None = None
    channels: frozenset[str] | None = None  # case-folded
    provider_names: tuple[str, ...] | None = field(default=None, compare=False)  # as written

    def selects(self, attrs: dict[str, Any] | None) -> bool:
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
    # the event-log records that may resolve (``resolve_event``): by default those ``event`` takes
    resolve_event: EventSelector | None = None
    auto_resolve_s: float | None = None
    repeat_s: float | None = None
    # (field, seconds): a hit that captures the field needs a time span at least this long there
    at_least: tuple[tuple[str, float], ...] = ()
    runbook: str | None = None  # a link to what to do (every report and sink carries it)
    # only a record no other signature takes (the radar's level rule): its hits become "radar" matches
    only_unmatched: bool = False
    examples_match: tuple[Example, ...] = ()
    examples_no_match: tuple[Example, ...] = ()
    examples_resolve: tuple[Example, ...] = ()
    file: str = ""
    line: int | None = None

    # ---- reference matching semantics -------------------------------------------------
    def applies_to(self, source: str) -> bool:
        return self.sources is None or source in self.sources

    def hit(
        self,
        text: str,
        timeout: float | None = DEFAULT_MATCH_TIMEOUT_S,
        attrs: dict[str, Any] | None = None,
        only: Container[int] | None = None,
    ) -> dict[str, Any] | None:
        """Fields of a hit if ``text`` (one whole record) matches and is not excluded. With an
        ``event`` selector only selected event-log records hit (``attrs``: their fields, which
        the hit carries), by the selector alone when there is no ``match``.

        ``only``: the ``id()`` of the regexes that may match (a block scanner's candidates);
        the others are skipped, which changes nothing when every regex that matches is in it."""
        if self.event is not None and not self.event.selects(attrs):
            return None
        captured: dict[str, Any] = {}
        if self.match:
            for rx in self.match:
                if only is not None and id(rx) not in only:
                    continue
                m = rx.search(text, timeout)
                if m is not None:
                    break
            else:
                return None
            captured = {k: v for k, v in m.groupdict().items() if v is not None}
        elif self.event is None:
            return None
        if self.at_least and not self.long_enough(captured):
            return None
        for rx in self.exclude:
            if rx.search(text, timeout) is not None:
                return None
        return {**(attrs or {}), **captured} if self.event is not None else captured

    def long_enough(self, captured: dict[str, Any]) -> bool:
        """Whether every ``at_least`` field the hit captured is a span of at least its limit (a
        regex without the field is not held to it)."""
        for name, minimum in self.at_least:
            if name not in captured:
                continue
            seconds = parse_elapsed(str(captured[name]))
            if seconds is None or seconds < minimum:
                return False
        return True

    def resolves(
        self,
        text: str,
        timeout: float | None = DEFAULT_MATCH_TIMEOUT_S,
        attrs: dict[str, Any] | None = None,
        only: Container[int] | None = None,
    ) -> dict[str, Any] | None:
        """Fields if ``text`` matches one of the ``resolve`` regexes: its captures, and with an
        event selector the selected event-log record's fields (so a service's "running" event
        resolves that service's crash by its ``param1``); ``only`` as for ``hit``."""
        selector = self.resolving_selector
        if selector is not None and not selector.selects(attrs):
            return None
        for rx in self.resolve:
            if only is not None and id(rx) not in only:
                continue
            m = rx.search(text, timeout)
            if m is not None:
                captured = {k: v for k, v in m.groupdict().items() if v is not None}
                return {**(attrs or {}), **captured} if selector is not None else captured
        return None

    @property
    def resolving_selector(self) -> EventSelector | None:
        """Which event-log records may resolve: ``resolve_event``, else those ``event`` takes."""
        return self.resolve_event if self.resolve_event is not None else self.event

    def selects_record(self, attrs: dict[str, Any] | None) -> bool:
        """Whether an event-log record may mean anything to this event-selecting signature
        (a hit or a resolve)."""
        return (self.event is not None and self.event.selects(attrs)) or (
            self.resolve_event is not None and self.resolve_event.selects(attrs)
        )

    def heartbeat(
        self, text: str, timeout: float | None = DEFAULT_MATCH_TIMEOUT_S, only: Container[int] | None = None
    ) -> bool:
        """True if ``text`` is one of the records whose absence this signature watches;
        ``only`` as for ``hit``."""
        if self.absent is None:
            return False
        return any(rx.search(text, timeout) is not None for rx in self.absent.match if only is None or id(rx) in only)

    def all_regexes(self) -> list[tuple[str, Rx]]:
        """(kind, regex) for every regex that can make a record interesting to this signature."""
        out = [("hit", rx) for rx in self.match]
        out += [("resolve", rx) for rx in self.resolve]
        if self.absent:
            out += [("heartbeat", rx) for rx in self.absent.match]
        return out
