"""One live subscription to a Windows event-log channel, over pywin32 (``win32evtlog``): the thin
layer under the reader (``follow``), which owns the error policy. Like Winlogbeat's
``sys/wineventlog``, it does what the API does and raises what it raises (``pywintypes.error``,
untouched), with three exceptions that belong to one event rather than to the subscription:

- an event that does not render (``EvtRender`` or ``EvtUpdateBookmark`` fails) is kept and tried
  again on the next read, up to ``RENDER_TRIES`` times; then it is skipped, the bookmark moved
  past it, and it is reported in ``Batch.skipped``;
- a message that cannot be formatted is None (the event's data stand in), a partial one
  (15029-15031) is kept as far as it goes (``messages``);
- every handle is closed explicitly (pywin32 312 has no ``EvtClose``: a handle's ``Close()``).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from typing import Any

from logsentinel.sources.eventlog.messages import Publishers
from logsentinel.sources.eventlog.winapi import api, api_error

RENDER_TRIES = 3  # an event that fails to render this many times is skipped

# where a new subscription starts
AFTER_BOOKMARK = "after"
OLDEST = "oldest"
FUTURE = "future"

_RECORD_ID = re.compile(r"RecordId=['\"](\d+)['\"]")
_PROVIDER = re.compile(r"<Provider\s[^>]*?Name=['\"]([^'\"]+)['\"]")


def bookmark_record_id(xml: str | None) -> int | None:
    """The record id a bookmark points at."""
    m = _RECORD_ID.search(xml or "")
    return int(m.group(1)) if m else None


@dataclass
class Batch:
    events: list[tuple[str, str | None]] = field(default_factory=list)  # (event XML, message or None)
    fetched: int = 0  # events EvtNext gave (before rendering)
    skipped: list[tuple[int | None, str]] = field(default_factory=list)  # (record id, why) of events given up


def _close(handle: Any) -> None:
    if handle is not None:
        with contextlib.suppress(Exception):
            handle.Close()


class WindowsSubscription:
    """``EvtSubscribe`` with a signal event, read with ``EvtNext``; the bookmark follows every event
    handed out. Construction raises ``pywintypes.error`` as ``EvtSubscribe`` does (1168 for a strict
    subscription whose bookmarked record is gone)."""

    def __init__(
        self, channel: str, query: str | None, bookmark: str | None, origin: str, publishers: Publishers
    ) -> None:
        import win32event

        ev = api()
        self._ev = ev
        self.channel = channel
        self.publishers = publishers
        self._pending: list[Any] = []  # fetched, not yet rendered (a render failed): tried first
        self._tries = 0  # failed renders of _pending[0]
        self._handle: Any = None
        self._signal: Any = None
        self._bookmark: Any = None
        try:
            self._bookmark = ev.EvtCreateBookmark(bookmark if origin == AFTER_BOOKMARK else None)
            self._given = bookmark if origin == AFTER_BOOKMARK else None
            self._signal = win32event.CreateEvent(None, 0, 0, None)
            flags = {
                AFTER_BOOKMARK: ev.EvtSubscribeStartAfterBookmark | ev.EvtSubscribeStrict,
                OLDEST: ev.EvtSubscribeStartAtOldestRecord,
                FUTURE: ev.EvtSubscribeToFutureEvents,
            }[origin]
            kwargs = {"Bookmark": self._bookmark} if origin == AFTER_BOOKMARK else {}
            self._handle = ev.EvtSubscribe(channel, flags, SignalEvent=self._signal, Query=query or "*", **kwargs)
        except BaseException:
            self.close()
            raise

    def next(self, max_events: int) -> Batch:
        """Up to ``max_events`` events (fewer when one will not render yet). Raises
        ``pywintypes.error`` from ``EvtNext`` (1734: the batch was too big, and its events are
        gone from this subscription; 15011: the log was cleared or wrapped under it; 6, 1722...)."""
        batch = Batch()
        handles = self._pending
        if not handles:
            handles = list(self._ev.EvtNext(self._handle, max_events, 0))
            batch.fetched = len(handles)
        error = api_error()
        done = 0
        try:
            for handle in handles:
                try:
                    xml = self._ev.EvtRender(handle, self._ev.EvtRenderEventXml)
                    self._ev.EvtUpdateBookmark(self._bookmark, handle)
                except error as exc:
                    self._tries += 1
                    if self._tries < RENDER_TRIES:
                        break  # tried again on the next read
                    batch.skipped.append(self._skip(handle, exc))
                else:
                    batch.events.append((xml, self._message(handle, xml)))
                self._tries = 0
                done += 1
                _close(handle)
        finally:
            self._pending = handles[done:]
        if done:
            self._given = self._ev.EvtRender(self._bookmark, self._ev.EvtRenderBookmark)
        return batch

    def _skip(self, handle: Any, exc: Exception) -> tuple[int | None, str]:
        """Move the bookmark past an event that will not render; its record id if it can be had."""
        record_id = None
        try:
            self._ev.EvtUpdateBookmark(self._bookmark, handle)
            record_id = bookmark_record_id(self._ev.EvtRender(self._bookmark, self._ev.EvtRenderBookmark))
        except api_error():
            pass
        return record_id, f"error {getattr(exc, 'winerror', '?')}: {getattr(exc, 'strerror', exc)}"

    def _message(self, handle: Any, xml: str) -> str | None:
        m = _PROVIDER.search(xml)
        return self.publishers.format(m.group(1), handle) if m else None

    @property
    def has_pending(self) -> bool:
        """Events fetched and not handed out yet (one that did not render is tried again)."""
        return bool(self._pending)

    def bookmark(self) -> str | None:
        """The position after the last event handed out (XML), None before the first."""
        return self._given

    def close(self) -> None:
        for handle in [*self._pending, self._handle, self._bookmark, self._signal]:
            _close(handle)
        self._pending = []
        self._handle = self._bookmark = self._signal = None


def newest_bookmark(channel: str, query: str | None) -> str | None:
    """A bookmark of the newest record of ``channel`` that ``query`` selects (``EvtQuery`` in
    reverse), None when it has none. Raises ``pywintypes.error`` (15007, 5, 15001...)."""
    ev = api()
    result = bookmark = None
    handles: list[Any] = []
    try:
        result = ev.EvtQuery(channel, ev.EvtQueryChannelPath | ev.EvtQueryReverseDirection, query or "*")
        handles = list(ev.EvtNext(result, 1, 0))
        if not handles:
            return None
        bookmark = ev.EvtCreateBookmark(None)
        ev.EvtUpdateBookmark(bookmark, handles[0])
        return str(ev.EvtRender(bookmark, ev.EvtRenderBookmark))
    finally:
        for handle in [*handles, bookmark, result]:
            _close(handle)


def check_channel(channel: str, query: str | None) -> None:
    """Raise ``pywintypes.error`` if ``channel`` cannot be read with ``query`` (``validate``)."""
    newest_bookmark(channel, query)
