"""Following the Windows event log live: one subscription per channel, records out, bookmarks
kept in the state database with the batch they end (so a kill or a restart loses and repeats
nothing).

A channel read for the first time starts as ``start_at`` says (``end``: new events only). Once
started, a channel with no bookmark yet (nothing came) keeps the time it started from, and a
restart reads what came since. A bookmark that no longer resolves (the log was cleared or
wrapped past it) restarts at the oldest record, with a warning that says how many records may
have been missed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from logsentinel.clock import SYSTEM, Clock
from logsentinel.records.blocks import Record
from logsentinel.records.eventxml import EventXmlError, xml_record
from logsentinel.sources.eventlog.config import EventLogConfig
from logsentinel.sources.eventlog.subscription import Subscription, bookmark_record_id

log = logging.getLogger("logsentinel.eventlog")

BATCH = 500  # events taken from a channel per read


@dataclass
class BookmarkRow:
    source: str
    channel: str
    xml: str | None  # after the last event read; None while nothing came
    since: int  # epoch ms the channel was first read from


@dataclass
class EventLogStats:
    events: int = 0
    malformed: int = 0


class _Channel:
    def __init__(self, name: str, sub: Subscription, row: BookmarkRow, skip_before: int | None) -> None:
        self.name = name
        self.sub = sub
        self.row = row
        self.skip_before = skip_before  # events older than this were seen before (no bookmark yet)
        self.dirty = False
        self.warn_lost = sub.lost_bookmark


class EventLogTail:
    """Every channel of one ``eventlog`` source."""

    def __init__(
        self,
        cfg: EventLogConfig,
        rows: list[BookmarkRow],
        first_start: bool,
        open_subscription: Callable[..., Subscription],
        clock: Clock = SYSTEM,
    ) -> None:
        self.cfg = cfg
        self.clock = clock
        self.stats = EventLogStats()
        self.channels: list[_Channel] = []
        known = {row.channel: row for row in rows}
        for channel in cfg.channels:
            row = known.get(channel)
            if row is not None and row.xml:
                sub = open_subscription(channel, cfg.query, row.xml, "beginning")
                ch = _Channel(channel, sub, row, None)
            elif row is not None:  # started before, nothing came yet: read what came since
                sub = open_subscription(channel, cfg.query, None, "beginning")
                ch = _Channel(channel, sub, row, row.since)
            else:
                start_at = cfg.start_at if first_start else "beginning"
                sub = open_subscription(channel, cfg.query, None, start_at)
                ch = _Channel(channel, sub, BookmarkRow(cfg.name, channel, None, int(clock.time() * 1000)), None)
                ch.dirty = True
            self.channels.append(ch)

    def read(self, max_events: int = BATCH) -> list[Record]:
        out: list[Record] = []
        for ch in self.channels:
            events = ch.sub.next(max_events)
            if not events:
                continue
            for xml, message in events:
                rec = self._record(ch, xml, message)
                if rec is not None and (ch.skip_before is None or (rec.time or 0) >= ch.skip_before):
                    out.append(rec)
            ch.row.xml = ch.sub.bookmark()
            ch.skip_before = None
            ch.dirty = True
        return out

    def _record(self, ch: _Channel, xml: str, message: str | None) -> Record | None:
        try:
            rec = xml_record(xml, self.cfg.name, f"eventlog:{ch.name}", message=message)
        except EventXmlError as exc:
            self.stats.malformed += 1
            if self.stats.malformed <= 5:
                log.warning("%s: a malformed event in channel %s was skipped: %s", self.cfg.name, ch.name, exc)
            return None
        if ch.warn_lost is not None:
            lost = bookmark_record_id(ch.warn_lost)
            first = (rec.attrs or {}).get("record_id")
            missed = int(first) - lost - 1 if lost is not None and first and first.isdigit() else None
            log.warning(
                "%s: the bookmark of channel %s no longer resolves (the log was cleared or wrapped): "
                "reading again from the oldest record; %s record(s) may have been missed",
                self.cfg.name,
                ch.name,
                missed if missed is not None and missed >= 0 else "some",
            )
            ch.warn_lost = None
        self.stats.events += 1
        return rec

    def dirty_rows(self) -> list[BookmarkRow]:
        return [ch.row for ch in self.channels if ch.dirty]

    def mark_clean(self) -> None:
        for ch in self.channels:
            ch.dirty = False

    def close(self) -> None:
        for ch in self.channels:
            ch.sub.close()
