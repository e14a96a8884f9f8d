"""The interface of a live event-log subscription, and the Windows one (pywin32).

A subscription gives events in order, each as the XML ``EvtRender`` writes with the message
formatted in the server's language, and the bookmark (XML) just after the last event it gave.
It starts after a bookmark, at the oldest record, or with new events only. A bookmark that no
longer resolves (the log was cleared, or wrapped past it) restarts at the oldest record and
says so (``lost_bookmark``).
"""

from __future__ import annotations

import re
from typing import Any, Protocol

_RECORD_ID = re.compile(r"RecordId=['\"](\d+)['\"]")


class Subscription(Protocol):
    lost_bookmark: str | None  # the bookmark that no longer resolved, if this one restarted

    def next(self, max_events: int) -> list[tuple[str, str | None]]:
        """Up to ``max_events`` (event XML, formatted message or None); [] when none waits."""

    def bookmark(self) -> str | None:
        """The position after the last event given (XML), None before the first."""

    def close(self) -> None: ...


def bookmark_record_id(xml: str | None) -> int | None:
    """The record id a bookmark points at."""
    m = _RECORD_ID.search(xml or "")
    return int(m.group(1)) if m else None


class WindowsSubscription:  # pragma: no cover - needs the Windows event log
    """A pull subscription (``EvtSubscribe`` with a signal event, ``EvtNext``)."""

    def __init__(self, channel: str, query: str | None, bookmark: str | None, start_at: str) -> None:
        import win32event
        import win32evtlog

        self._ev = win32evtlog
        self._handle: Any = None
        self.channel = channel
        self.lost_bookmark: str | None = None
        self._signal = win32event.CreateEvent(None, 0, 0, None)
        self._bookmark = win32evtlog.EvtCreateBookmark(bookmark) if bookmark else win32evtlog.EvtCreateBookmark(None)
        self._given = bookmark
        self._metadata: dict = {}
        query = query or "*"
        if bookmark:
            try:
                self._handle = win32evtlog.EvtSubscribe(
                    channel,
                    win32evtlog.EvtSubscribeStartAfterBookmark | win32evtlog.EvtSubscribeStrict,
                    SignalEvent=self._signal,
                    Query=query,
                    Bookmark=self._bookmark,
                )
                return
            except Exception:  # pywintypes.error: the bookmarked record is gone
                self.lost_bookmark = bookmark
                self._bookmark = win32evtlog.EvtCreateBookmark(None)
                self._given = None
        flags = (
            win32evtlog.EvtSubscribeStartAtOldestRecord
            if (start_at == "beginning" or self.lost_bookmark)
            else win32evtlog.EvtSubscribeToFutureEvents
        )
        self._handle = win32evtlog.EvtSubscribe(channel, flags, SignalEvent=self._signal, Query=query)

    def next(self, max_events: int) -> list[tuple[str, str | None]]:
        ev = self._ev
        try:
            handles = ev.EvtNext(self._handle, max_events, 0)
        except Exception:  # ERROR_NO_MORE_ITEMS / timeout: nothing waiting
            return []
        out = []
        for handle in handles:
            xml = ev.EvtRender(handle, ev.EvtRenderEventXml)
            out.append((xml, self._message(handle, xml)))
            ev.EvtUpdateBookmark(self._bookmark, handle)
        if handles:
            self._given = ev.EvtRender(self._bookmark, ev.EvtRenderBookmark)
        return out

    def _message(self, handle, xml: str) -> str | None:
        """The message in the server's language; None if the provider has none to give."""
        m = re.search(r"<Provider Name=['\"]([^'\"]+)['\"]", xml)
        if not m:
            return None
        name = m.group(1)
        try:
            if name not in self._metadata:
                self._metadata[name] = self._ev.EvtOpenPublisherMetadata(name)
            return self._ev.EvtFormatMessage(self._metadata[name], handle, self._ev.EvtFormatMessageEvent)
        except Exception:  # no message file, a missing insert...: the data stand in
            self._metadata.setdefault(name, None)
            return None

    def bookmark(self) -> str | None:
        return self._given

    def close(self) -> None:
        self._metadata.clear()
        self._handle = None


def windows_subscription(channel: str, query: str | None, bookmark: str | None, start_at: str) -> Subscription:
    return WindowsSubscription(channel, query, bookmark, start_at)
