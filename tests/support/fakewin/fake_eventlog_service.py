"""The Windows Event Log service as the fake ``win32evtlog`` sees it (tests only).

Channels of records (record ids go on across a clear; a channel of ``max_records`` wraps, the
oldest going first), and the faults the real API is documented to return, injected by a test:

- ``fail(function, winerror, times=1, channel=None, moves=0)``: the next ``times`` calls of
  ``function`` (on ``channel``) raise ``pywintypes.error(winerror, function, ...)``; for
  ``EvtNext``, ``moves`` events are consumed first (1734: the read position has moved);
- a clear or a wrap that overtakes a subscription: its ``EvtNext`` raises 15011 until the caller
  subscribes again;
- a strict subscription after a bookmark whose record is gone: 1168;
- a channel that does not exist (15007) or cannot be read (5); a query that does not parse (15001);
- a record that does not render (``render_failures``) or whose message has an insert that does
  not resolve (``partial``: pywin32's EvtFormatMessage raises 15029, losing what it had).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

NS = "http://schemas.microsoft.com/win/2004/08/events/event"

MESSAGES = {
    5: "Access is denied.",
    6: "The handle is invalid.",
    87: "The parameter is incorrect.",
    1168: "Element not found.",
    1722: "The RPC server is unavailable.",
    1726: "The remote procedure call failed.",
    1734: "The array bounds are invalid.",
    1818: "The remote procedure call was cancelled.",
    15001: "The specified query is invalid.",
    15005: "The event data raised by the publisher is not compatible with the event template definition.",
    15007: "The specified channel could not be found.",
    15011: "The result set is no longer valid; the query must be recreated.",
    15027: "The publisher metadata cannot be found in the resource.",
    15029: "The replacement strings for the message could not be resolved.",
}


@dataclass
class FakeRecord:
    record_id: int
    channel: str
    provider: str
    event_id: int
    ms: int
    data: dict[str, str]
    level: int = 2
    message: str | None = None  # what EvtFormatMessage gives
    partial: bool = False  # EvtFormatMessage fails with 15029 (an insert does not resolve)
    raw: str | None = None  # XML as given (control characters...), instead of the built one

    def xml(self) -> str:
        if self.raw is not None:
            return self.raw
        t = datetime.fromtimestamp(self.ms / 1000, tz=UTC)
        items = "".join(f"<Data Name='{k}'>{v}</Data>" for k, v in self.data.items())
        return (
            f"<Event xmlns='{NS}'><System><Provider Name='{self.provider}'/><EventID>{self.event_id}</EventID>"
            f"<Level>{self.level}</Level><TimeCreated SystemTime='{t:%Y-%m-%dT%H:%M:%S}.{self.ms % 1000:03d}0000Z'/>"
            f"<EventRecordID>{self.record_id}</EventRecordID><Channel>{self.channel}</Channel>"
            f"<Computer>ucx-01</Computer></System><EventData>{items}</EventData></Event>"
        )


@dataclass
class FakeChannel:
    name: str
    records: list[FakeRecord] = field(default_factory=list)
    next_id: int = 1
    max_records: int | None = None
    readable: bool = True
    generation: int = 0  # bumped by a clear or a wrap that drops records


@dataclass
class Fault:
    function: str
    winerror: int
    times: int
    channel: str | None
    moves: int


class EventLogService:
    def __init__(self) -> None:
        self.channels: dict[str, FakeChannel] = {}
        self.faults: list[Fault] = []
        self.render_failures: dict[tuple[str, int], int] = {}  # (channel, record id) -> failures left
        self.publishers_missing: set[str] = set()
        self.calls: dict[str, int] = {}
        self.handles: list = []  # every handle given out (tests check they are closed)
        self.batch_limit = 1024  # EvtNext asked for more raises 1734 (Windows errors above ~1024)
        self.xml_limit: int | None = None  # EvtNext of a batch whose XML is bigger raises 1734

    # ---- what a test does -----------------------------------------------------------
    def channel(self, name: str) -> FakeChannel:
        return self.channels.setdefault(name, FakeChannel(name))

    def write(self, channel: str, ms: int, provider: str, event_id: int, data: dict, **kw) -> int:
        ch = self.channel(channel)
        rec = FakeRecord(ch.next_id, channel, provider, event_id, ms, {k: str(v) for k, v in data.items()}, **kw)
        ch.next_id += 1
        ch.records.append(rec)
        if ch.max_records is not None and len(ch.records) > ch.max_records:
            del ch.records[: len(ch.records) - ch.max_records]
            ch.generation += 1
        return rec.record_id

    def clear(self, channel: str, ms: int = 0) -> None:
        """``wevtutil cl``: the records go, the ids go on; System says so with event 104
        (Security with 1102)."""
        ch = self.channel(channel)
        ch.records = []
        ch.generation += 1
        if channel == "Security":
            self.write("Security", ms, "Microsoft-Windows-Eventlog", 1102, {"SubjectUserName": "admin"})
        else:
            self.write(
                "System", ms, "Microsoft-Windows-Eventlog", 104, {"Channel": channel, "SubjectUserName": "admin"}
            )

    def fail(self, function: str, winerror: int, times: int = 1, channel: str | None = None, moves: int = 0) -> None:
        self.faults.append(Fault(function, winerror, times, channel, moves))

    def kill_subscriptions(self, winerror: int) -> None:
        """Every open subscription and query now fails with ``winerror`` (the EventLog service
        restarted: 1722, 1726, 1818; the log was cleared under it: 15011; its handle closed: 6;
        an auto-backup: 87), until the caller subscribes again."""
        for h in self.handles:
            if hasattr(h, "take") and not h.closed:
                h.dead = winerror

    def open_handles(self) -> list:
        return [h for h in self.handles if not h.closed]

    # ---- what the fake API uses ----------------------------------------------------------
    def fault(self, function: str, channel: str | None) -> Fault | None:
        self.calls[function] = self.calls.get(function, 0) + 1
        for f in self.faults:
            if f.function == function and f.times > 0 and (f.channel is None or f.channel == channel):
                f.times -= 1
                return f
        return None

    def existing(self, name: str, function: str) -> FakeChannel:
        from pywintypes import error

        ch = self.channels.get(name)
        if ch is None:
            raise error(15007, function, MESSAGES[15007])
        if not ch.readable:
            raise error(5, function, MESSAGES[5])
        return ch


def check_query(query: str | None, function: str) -> None:
    from pywintypes import error

    if query and query not in ("*",) and not re.match(r"^\*\[.*\]$|^<QueryList>", query.strip(), re.S):
        raise error(15001, function, MESSAGES[15001])
    if query and (query.count("[") != query.count("]") or query.count("(") != query.count(")")):
        raise error(15001, function, MESSAGES[15001])


def selected(query: str | None, rec: FakeRecord, channel: str) -> bool:
    """A small XPath: ``*[System[(EventID=1 or EventID=2) and Provider[@Name='X']]]`` and the like;
    a ``<QueryList>`` selects every channel's records (what the real API does with a query
    naming several channels: each subscription returns all of them)."""
    if not query or query == "*":
        return rec.channel == channel
    if query.lstrip().startswith("<QueryList>"):
        return True
    ids = [int(x) for x in re.findall(r"EventID\s*=\s*(\d+)", query)]
    providers = re.findall(r"@Name\s*=\s*['\"]([^'\"]+)['\"]", query)
    return rec.channel == channel and (not ids or rec.event_id in ids) and (not providers or rec.provider in providers)


SERVICE = EventLogService()
