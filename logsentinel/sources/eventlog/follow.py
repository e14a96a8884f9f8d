"""Following the Windows event log live: one subscription per channel, records out, bookmarks
kept in the state database with the batch they end (so a kill or a restart loses and repeats
nothing). This module owns the error policy; ``subscription`` is the thin layer over pywin32.

Errors (``pywintypes.error``), by ``.winerror``, as Winlogbeat and Microsoft document them:

- 259, 4317 from ``EvtNext``: nothing to read;
- 1734 (RPC_S_INVALID_BOUND): the batch was too big to return, and its events are gone from the
  subscription: subscribe again after the last event handed out, with half the batch;
- 15011, 15012 (the result set is stale: the log was cleared or wrapped under it), 6 (its handle
  was closed), 87, 1722, 1726, 1818 (the EventLog service restarted or was busy): logged,
  counted, subscribed again after the last event handed out, with backoff;
- anything else: logged as an error, and the channel is tried again with backoff.

A channel never stops the sidecar: each has a state (open, retrying at T, with the last error),
shown by ``status``, ``/api/status``, ``/readyz`` and the metrics. A bookmark counts as lost only
when a strict subscription after it fails with 1168, 15011 or 15012; then the channel is read
from its oldest record and the gap is reported. A first start bookmarks the newest record
(``start_at: end``), so a channel always has a bookmark once it has a record; a channel new to
an existing state honours ``start_at`` too.

Losses while running are reported: record ids are checked for continuity (when no query
filters them), and a cleared watched channel (System 104, Security 1102) is noticed; either
makes a ``logsentinel`` record that the bundled ``eventlog.records_lost`` signature reports (P3).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from logsentinel.clock import SYSTEM, Clock
from logsentinel.records.blocks import Record
from logsentinel.records.eventxml import EventSystem, EventXmlError, event_record, xml_record
from logsentinel.sources.eventlog.config import EventLogConfig
from logsentinel.sources.eventlog.messages import Publishers
from logsentinel.sources.eventlog.subscription import (
    AFTER_BOOKMARK,
    OLDEST,
    RENDER_TRIES,
    WindowsSubscription,
    bookmark_record_id,
    newest_bookmark,
)
from logsentinel.sources.eventlog.winapi import api_error

log = logging.getLogger("logsentinel.eventlog")

BATCH = 100  # events asked of a channel per EvtNext (Winlogbeat's default; Windows fails above ~1024)
PER_PASS = 500  # events read from a channel per pass of the loop (one commit), in batches
NOTHING = (259, 4317)  # ERROR_NO_MORE_ITEMS, ERROR_INVALID_OPERATION
TOO_BIG = 1734  # RPC_S_INVALID_BOUND
RESUBSCRIBE = (15011, 15012, 6, 87, 1722, 1726, 1818)
BOOKMARK_GONE = (1168, 15011, 15012)  # at subscribe, with EvtSubscribeStrict
GROW_AFTER = 50  # reads that worked before a halved batch is doubled again
BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 60.0
LOST_PROVIDER = "logsentinel"  # the provider of the records that say records were lost
LOST_EVENT_ID = 1
CLEARED = {("microsoft-windows-eventlog", 104), ("microsoft-windows-eventlog", 1102)}


@dataclass
class BookmarkRow:
    source: str
    channel: str
    xml: str | None  # after the last event read; None while the channel had no record
    since: int  # epoch ms the channel was first read from


@dataclass
class EventLogStats:
    events: int = 0
    malformed: int = 0  # events whose XML could not be read even after cleaning
    unrendered: int = 0  # events skipped after RENDER_TRIES failed renders
    resubscribes: int = 0
    lost: int = 0  # records known lost (overwritten or cleared before they were read)
    errors: int = 0  # API errors met


class _Channel:
    def __init__(self, name: str, row: BookmarkRow, new: bool) -> None:
        self.name = name
        self.row = row
        self.new = new  # not in the state yet: opened as start_at says
        self.sub: WindowsSubscription | None = None
        self.position: str | None = row.xml  # after the last event handed out (ahead of row.xml until commit)
        self.state = "retrying"
        self.error = ""
        self.retry_at = 0.0  # monotonic
        self.backoff = BACKOFF_FIRST_S
        self.batch = BATCH
        self.good = 0  # reads in a row that worked with a batch halved after a 1734
        self.dirty = new
        self.last_id = bookmark_record_id(row.xml)  # the last record id read (continuity)
        self.lost_from: int | None = None  # a lost bookmark: the first record id that may be missing
        self.skip_before = row.since if (row.xml is None and not new) else None

    def status(self, source: str, clock: Clock) -> dict[str, Any]:
        wait = max(0.0, self.retry_at - clock.monotonic()) if self.state != "open" else 0.0
        return {
            "source": source,
            "channel": self.name,
            "state": self.state,
            "error": self.error,
            "retry_in_s": round(wait, 1) if self.state != "open" else None,
        }


class EventLogTail:
    """Every channel of one ``eventlog`` source."""

    def __init__(
        self,
        cfg: EventLogConfig,
        rows: list[BookmarkRow],
        first_start: bool,
        clock: Clock = SYSTEM,
        query: str | None = None,
    ) -> None:
        self.cfg = cfg
        self.clock = clock
        self.query = cfg.query or query  # the config's, else the one the signatures need
        self.continuous = self.query is None  # record ids can be checked for gaps
        self.stats = EventLogStats()
        self.publishers = Publishers(clock.time)
        self.error = api_error()
        known = {row.channel: row for row in rows}
        now_ms = int(clock.time() * 1000)
        self.channels = [
            _Channel(ch, known[ch], new=False)
            if ch in known
            else _Channel(ch, BookmarkRow(cfg.name, ch, None, now_ms), True)
            for ch in cfg.channels
        ]
        for ch in self.channels:
            self._open(ch)

    # ---- opening ---------------------------------------------------------------------------
    def _open(self, ch: _Channel) -> bool:
        """Subscribe ``ch`` where it left off; on failure, schedule a retry. True if open."""
        try:
            ch.sub = self._subscribe(ch)
        except self.error as exc:
            self._failed(ch, exc, "cannot be opened")
            return False
        if ch.state != "open" and ch.error:
            log.info("%s: channel %s is open again", self.cfg.name, ch.name)
        ch.state, ch.error, ch.backoff = "open", "", BACKOFF_FIRST_S
        ch.new = False  # opened as start_at says: from now on it goes on from where it is
        return True

    def _subscribe(self, ch: _Channel) -> WindowsSubscription:
        position = ch.position
        if position is not None and bookmark_record_id(position) is None:
            log.warning(
                "%s: the stored bookmark of channel %s cannot be read: starting as start_at says (%s)",
                self.cfg.name,
                ch.name,
                self.cfg.start_at,
            )
            position = ch.position = None
            ch.new = True
        if position is not None:
            try:
                return WindowsSubscription(ch.name, self.query, position, AFTER_BOOKMARK, self.publishers)
            except self.error as exc:
                if getattr(exc, "funcname", "") == "EvtCreateBookmark":
                    log.warning(
                        "%s: the stored bookmark of channel %s cannot be read (%s): starting as start_at says (%s)",
                        self.cfg.name,
                        ch.name,
                        describe_error(exc),
                        self.cfg.start_at,
                    )
                    ch.position, ch.new = None, True
                    return self._subscribe(ch)
                if getattr(exc, "winerror", None) not in BOOKMARK_GONE:
                    raise
                lost = bookmark_record_id(position)
                log.warning(
                    "%s: the bookmark of channel %s (record %s) no longer resolves (%s: the log was cleared "
                    "or wrapped): reading again from its oldest record",
                    self.cfg.name,
                    ch.name,
                    lost,
                    describe_error(exc),
                )
                ch.lost_from = (lost or 0) + 1
                return WindowsSubscription(ch.name, self.query, None, OLDEST, self.publishers)
        if ch.new and self.cfg.start_at == "end":
            newest = newest_bookmark(ch.name, self.query)
            if newest is not None:  # bookmarked now: a restart before any new event reads no history
                ch.position = ch.row.xml = newest
                ch.last_id = bookmark_record_id(newest)
                ch.dirty = True
                return WindowsSubscription(ch.name, self.query, newest, AFTER_BOOKMARK, self.publishers)
            return WindowsSubscription(ch.name, self.query, None, OLDEST, self.publishers)  # empty: all is new
        # start_at beginning, or a channel that had no record when it was first read: all of it is new
        return WindowsSubscription(ch.name, self.query, None, OLDEST, self.publishers)

    def _failed(self, ch: _Channel, exc: Exception, what: str) -> None:
        code = getattr(exc, "winerror", None)
        self.stats.errors += 1
        if ch.sub is not None:
            ch.sub.close()
            ch.sub = None
        text = describe_error(exc)
        level = logging.WARNING if code in (*RESUBSCRIBE, *BOOKMARK_GONE, 5, 15007, 15001, TOO_BIG) else logging.ERROR
        if text != ch.error:  # said once per kind of failure, not every retry
            log.log(
                level,
                "%s: channel %s %s (%s): trying again in %.0f s%s",
                self.cfg.name,
                ch.name,
                what,
                text,
                ch.backoff,
                error_hint(code),
            )
        ch.state, ch.error = "retrying", text
        ch.retry_at = self.clock.monotonic() + ch.backoff
        ch.backoff = min(ch.backoff * 2, BACKOFF_MAX_S)

    # ---- reading ---------------------------------------------------------------------------
    def read(self, max_events: int = PER_PASS) -> tuple[dict[str, list[Record]], int]:
        """Records per channel (each in the channel's order), up to ``max_events`` a channel in
        batches of its batch size, and how many events were fetched (more may be waiting)."""
        out: dict[str, list[Record]] = {}
        fetched = 0
        for ch in self.channels:
            records: list[Record] = []
            taken = 0
            while taken < max_events:
                more, n = self._read(ch, max_events - taken)
                records += more
                taken += n
                if n < ch.batch or ch.sub is None:  # caught up (or failed): the next pass goes on
                    break
            fetched += taken
            if records:
                out[ch.name] = records
        return out, fetched

    def _read(self, ch: _Channel, max_events: int) -> tuple[list[Record], int]:
        if ch.sub is None and (self.clock.monotonic() < ch.retry_at or not self._open(ch)):
            return [], 0
        assert ch.sub is not None
        try:
            batch = ch.sub.next(min(max_events, ch.batch))
        except self.error as exc:
            return [], self._next_failed(ch, exc)
        records: list[Record] = []
        for record_id, why in batch.skipped:
            self.stats.unrendered += 1
            log.warning(
                "%s: channel %s: the event after record %s, record %s, could not be rendered (%s) after "
                "%d tries: skipped",
                self.cfg.name,
                ch.name,
                ch.last_id,
                record_id,
                why,
                RENDER_TRIES,
            )
            if record_id is not None:
                ch.last_id = record_id
        for xml, message in batch.events:
            rec = self._record(ch, xml, message)
            if rec is None:
                continue
            records.extend(self._gaps(ch, rec))
            if ch.skip_before is None or (rec.time or 0) >= ch.skip_before:
                records.append(rec)
        if batch.events or batch.skipped:
            ch.position = ch.row.xml = ch.sub.bookmark()
            ch.skip_before = None
            ch.new = False
            ch.dirty = True
        if batch.fetched and ch.batch < BATCH:
            ch.good += 1
            if ch.good >= GROW_AFTER:  # the smaller batch has worked for a while: try a bigger one
                ch.batch, ch.good = min(BATCH, ch.batch * 2), 0
        return records, batch.fetched + (1 if ch.sub.has_pending else 0)

    def _next_failed(self, ch: _Channel, exc: Exception) -> int:
        code = getattr(exc, "winerror", None)
        if code in NOTHING:
            return 0
        self.stats.resubscribes += 1
        if code == TOO_BIG:  # the events of that batch are gone from this subscription: again, smaller
            ch.batch, ch.good = max(1, ch.batch // 2), 0
            log.warning(
                "%s: channel %s: a batch was too big to read (%s): reading again after record %s, %d at a time",
                self.cfg.name,
                ch.name,
                describe_error(exc),
                bookmark_record_id(ch.position),
                ch.batch,
            )
            self.stats.errors += 1
            if ch.sub is not None:
                ch.sub.close()
                ch.sub = None
            self._open(ch)
            return 1
        self._failed(ch, exc, "stopped reading")
        return 0

    def _record(self, ch: _Channel, xml: str, message: str | None) -> Record | None:
        try:
            rec = xml_record(xml, self.cfg.name, f"eventlog:{ch.name}", message=message)
        except EventXmlError as exc:
            self.stats.malformed += 1
            log.warning(
                "%s: channel %s: an event's XML could not be read, skipped (%d so far): %s",
                self.cfg.name,
                ch.name,
                self.stats.malformed,
                exc,
            )
            return None
        self.stats.events += 1
        return rec

    def _gaps(self, ch: _Channel, rec: Record) -> list[Record]:
        """The records that say records were lost before ``rec`` (a gap in ids, a lost bookmark,
        a cleared watched channel)."""
        attrs = rec.attrs or {}
        rid = int(attrs["record_id"]) if str(attrs.get("record_id", "")).isdigit() else None
        out = []
        first = ch.lost_from if ch.lost_from is not None else (ch.last_id + 1 if ch.last_id is not None else None)
        if rid is not None and first is not None and rid > first and (self.continuous or ch.lost_from is not None):
            out.append(self._lost(ch.name, first, rid - 1, "overwritten or cleared before they were read", rec))
        ch.lost_from = None
        if rid is not None:
            ch.last_id = rid
        key = (str(attrs.get("provider", "")).casefold(), int(attrs.get("event_id") or 0))
        if key in CLEARED:
            cleared = "Security" if key[1] == 1102 else str(attrs.get("Channel") or attrs.get("data1") or "")
            if any(c.name.casefold() == cleared.casefold() for c in self.channels):
                out.append(self._lost(cleared, None, None, "the log was cleared", rec))
        return out

    def _lost(self, channel: str, first: int | None, last: int | None, why: str, rec: Record) -> Record:
        what = f"records {first} to {last}" if first is not None else "records"
        if first is not None and last is not None:
            self.stats.lost += last - first + 1
        log.warning(
            "%s: channel %s: %s lost (%s); a larger log (docs/operations.md) keeps them",
            self.cfg.name,
            channel,
            what,
            why,
        )
        system = EventSystem(channel, LOST_PROVIDER, LOST_EVENT_ID, "Warning", None, "", rec.time)
        data: list[tuple[str | None, str]] = [
            ("lost_channel", channel),
            ("first_record", "" if first is None else str(first)),
            ("last_record", "" if last is None else str(last)),
            ("reason", why),
        ]
        message = f"Event log channel {channel}: {what} lost ({why})."
        return event_record(system, data, message, self.cfg.name, f"eventlog:{channel}", rec.line)

    # ---- state -----------------------------------------------------------------------------
    def channel_states(self) -> list[dict[str, Any]]:
        return [ch.status(self.cfg.name, self.clock) for ch in self.channels]

    def dirty_rows(self) -> list[BookmarkRow]:
        return [ch.row for ch in self.channels if ch.dirty]

    def mark_clean(self) -> None:
        for ch in self.channels:
            ch.dirty = False

    def close(self) -> None:
        for ch in self.channels:
            if ch.sub is not None:
                ch.sub.close()
                ch.sub = None
        self.publishers.close()


def describe_error(exc: Exception) -> str:
    code, func, text = getattr(exc, "winerror", None), getattr(exc, "funcname", ""), getattr(exc, "strerror", "")
    return f"{func} error {code}: {text}".strip() if code is not None else str(exc)


def error_hint(code: int | None) -> str:
    if code == 5:
        return "; the service account needs to be in Event Log Readers (docs/operations.md)"
    if code == 15007:
        return "; the channel does not exist (yet) on this machine"
    if code == 15001:
        return "; the query does not parse (logsentinel validate checks it)"
    return ""
