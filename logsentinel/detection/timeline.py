"""The timeline: matched records and clock ticks of several files, merged in time order and
fed to the detector. Replay and the live sidecar share it.

Each block of a file gives its matched records (at their record's time) and a tick at the time
of its last dated record. Files are merged by time, so that logs of several components are
detected as they happened; an optional ``cap`` keeps the clock from passing the point in time
that files still being read have reached (the live sidecar catching up on a backlog).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from logsentinel.detection.detector import Detector
from logsentinel.detection.events import Event
from logsentinel.records.blocks import Block, Record, end_time

if TYPE_CHECKING:
    from logsentinel.matching.matcher import MatchedRecord, Matcher


@dataclass(frozen=True)
class Tick:
    time: int


Item = tuple[int, object]  # (time, MatchedRecord or Tick)


def block_items(block: Block, matcher: Matcher, last: int) -> tuple[list[Item], int]:
    """The timeline items of one block, and the latest time seen (records without a time of
    their own take it)."""
    return timeline_items(matcher.scan(block), end_time(block), last)


def timeline_items(matched: list[MatchedRecord], tick: int | None, last: int) -> tuple[list[Item], int]:
    """The items of a block's matched records and its end time ``tick`` (scanned here, or by a
    worker process: ``tools.parallel``), and the latest time seen."""
    items: list[Item] = []
    for mr in matched:
        t = mr.record.time if mr.record.time is not None else last
        last = max(last, t)
        items.append((t, mr))
    if tick is not None:
        last = max(last, tick)
        items.append((tick, Tick(tick)))
    return items, last


def record_items(records: list[Record], matcher: Matcher, source: str) -> list[Item]:
    """The timeline items of records that come whole (event-log events): each matched record
    at its time, and a tick at each record's time (the clock follows the events)."""
    matched = {id(mr.record): mr for mr in matcher.match_records(records, source)}
    items: list[Item] = []
    for rec in records:
        if rec.time is None:
            continue
        mr = matched.get(id(rec))
        items.append((rec.time, mr if mr is not None else Tick(rec.time)))
    return items


HOLD = object()  # a cap for "do not move the clock at all"


def feed(
    detector: Detector, streams: Iterable[Iterable[Item]], cap: Any = None, set_aside: Any = None
) -> Iterator[Event]:
    """Merge per-file item streams by time into the detector; yields the event reports.
    ``cap``: None (the clock follows the items), a time it may not pass, or HOLD.
    ``set_aside(item, error)``: when given, an item the detector fails on is handed to it and
    skipped, and the others go on (the careful pass over a batch that failed twice)."""
    for t, item in heapq.merge(*streams, key=lambda pair: pair[0]):
        if set_aside is None:
            yield from _one(detector, t, item, cap)
            continue
        try:
            out = list(_one(detector, t, item, cap))
        except Exception as exc:  # whatever one record does, the others go on
            set_aside(item, exc)
            continue
        yield from out


def place(item: Any) -> str:
    """Where a timeline item comes from, for a message: ``path:line`` of its record."""
    rec = getattr(item, "record", None)
    return f"{rec.path}:{rec.line}" if rec is not None else "a clock tick"


def _one(detector: Detector, t: int, item: Any, cap: Any) -> Iterator[Event]:
    if cap is not HOLD:
        yield from detector.advance(t if cap is None else min(t, cap))
    if not isinstance(item, Tick):
        yield from detector.process(item, advance=False)
