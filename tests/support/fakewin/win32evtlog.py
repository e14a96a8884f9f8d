"""A stand-in for pywin32's ``win32evtlog`` (tests only), over ``fake_eventlog_service.SERVICE``.

The names, signatures and constants are pywin32's (``tests/sources/test_fake_pywin32.py``
compares them with the real module where it exists); failures raise
``pywintypes.error(winerror, funcname, strerror)`` as pywin32 does, and ``EvtNext`` returns
``()`` when nothing waits (pywin32 maps ERROR_NO_MORE_ITEMS, and ERROR_INVALID_OPERATION with
nothing returned, to an empty tuple).
"""

from __future__ import annotations

import itertools
import re

from fake_eventlog_service import MESSAGES, SERVICE, FakeChannel, FakeRecord, check_query, selected
from pywintypes import HANDLEType, error

EvtSubscribeToFutureEvents = 1
EvtSubscribeStartAtOldestRecord = 2
EvtSubscribeStartAfterBookmark = 3
EvtSubscribeOriginMask = 3
EvtSubscribeTolerateQueryErrors = 0x1000
EvtSubscribeStrict = 0x10000

EvtRenderEventValues = 0
EvtRenderEventXml = 1
EvtRenderBookmark = 2

EvtQueryChannelPath = 0x1
EvtQueryFilePath = 0x2
EvtQueryForwardDirection = 0x100
EvtQueryReverseDirection = 0x200
EvtQueryTolerateQueryErrors = 0x1000

EvtFormatMessageEvent = 1
EvtFormatMessageXml = 9


def _raise(winerror: int, function: str):
    raise error(winerror, function, MESSAGES.get(winerror, "error"))


class _Handle(HANDLEType):
    def __init__(self) -> None:
        super().__init__()
        SERVICE.handles.append(self)

    def _usable(self, function: str) -> None:
        if self.closed:
            _raise(6, function)


class _Event(_Handle):
    def __init__(self, rec: FakeRecord) -> None:
        super().__init__()
        self.rec = rec


class _Bookmark(_Handle):
    def __init__(self, channel: str | None, record_id: int | None) -> None:
        super().__init__()
        self.channel, self.record_id = channel, record_id


class _ResultSet(_Handle):
    """A subscription or a query: where it is in its channel."""

    def __init__(self, ch: FakeChannel, query: str | None, after: int, reverse: bool = False, live: bool = True):
        super().__init__()
        self.ch, self.query, self.after, self.reverse, self.live = ch, query, after, reverse, live
        self.generation = ch.generation
        self.snapshot = list(reversed(ch.records)) if reverse else None
        self.afters: dict[str, int] = {}
        self.dead = 0  # a winerror every EvtNext raises (kill_subscriptions)

    def take(self, count: int) -> list[FakeRecord]:
        """Up to ``count`` records after the position; records the query leaves out are passed."""
        if self.snapshot is not None:  # a reverse query: a snapshot read newest first
            out, self.snapshot = self.snapshot[:count], self.snapshot[count:]
            return out
        if self.live and self.ch.generation != self.generation:
            oldest = self.ch.records[0].record_id if self.ch.records else self.ch.next_id
            if self.after + 1 < oldest:  # records it had not read yet were dropped: stale
                _raise(15011, "EvtNext")
            self.generation = self.ch.generation
        every = self.query is not None and self.query.lstrip().startswith("<QueryList>")
        out: list[FakeRecord] = []
        for c in list(SERVICE.channels.values()) if every else [self.ch]:
            after = self.afters.get(c.name, self.after if c is self.ch else 0)
            first = c.records[0].record_id if c.records else 0
            for r in itertools.islice(c.records, max(0, after + 1 - first), None):  # ids ascend by one
                if len(out) >= count:
                    break
                if r.record_id > after:
                    after = r.record_id
                    if selected(self.query, r, self.ch.name):
                        out.append(r)
            self.afters[c.name] = after
        self.after = self.afters[self.ch.name]
        return out


def EvtSubscribe(
    ChannelPath, Flags, SignalEvent=None, Callback=None, Context=None, Query=None, Session=None, Bookmark=None
):
    f = SERVICE.fault("EvtSubscribe", ChannelPath)
    if f is not None:
        _raise(f.winerror, "EvtSubscribe")
    ch = SERVICE.existing(ChannelPath, "EvtSubscribe")
    check_query(Query, "EvtSubscribe")
    origin = Flags & EvtSubscribeOriginMask
    if origin == EvtSubscribeStartAfterBookmark:
        if Bookmark is None or Bookmark.record_id is None:
            _raise(87, "EvtSubscribe")
        present = any(r.record_id == Bookmark.record_id for r in ch.records)
        if not present and Flags & EvtSubscribeStrict:
            _raise(1168, "EvtSubscribe")
        after = Bookmark.record_id if present else 0
    elif origin == EvtSubscribeStartAtOldestRecord:
        after = 0
    else:
        after = ch.next_id - 1
    return _ResultSet(ch, Query, after)


def EvtQuery(Path, Flags, Query=None, Session=None):
    f = SERVICE.fault("EvtQuery", Path)
    if f is not None:
        _raise(f.winerror, "EvtQuery")
    ch = SERVICE.existing(Path, "EvtQuery")
    check_query(Query, "EvtQuery")
    return _ResultSet(ch, Query, 0, reverse=bool(Flags & EvtQueryReverseDirection), live=False)


def EvtNext(ResultSet, Count, Timeout=-1, Flags=0):
    ResultSet._usable("EvtNext")
    if ResultSet.dead:
        _raise(ResultSet.dead, "EvtNext")
    f = SERVICE.fault("EvtNext", ResultSet.ch.name)
    if f is not None:
        if f.moves:
            ResultSet.take(f.moves)
        _raise(f.winerror, "EvtNext")
    if Count > SERVICE.batch_limit:
        ResultSet.take(Count)
        _raise(1734, "EvtNext")
    records = ResultSet.take(Count)
    if SERVICE.xml_limit is not None and len(records) > 1 and sum(len(r.xml()) for r in records) > SERVICE.xml_limit:
        _raise(1734, "EvtNext")  # the batch's XML is too big for one RPC: the position has moved already
    return tuple(_Event(r) for r in records)


def EvtRender(Event, Flags, Context=None):
    Event._usable("EvtRender")
    if Flags == EvtRenderBookmark:
        if Event.record_id is None:
            return "<BookmarkList>\r\n</BookmarkList>"
        return (
            f"<BookmarkList>\r\n  <Bookmark Channel='{Event.channel}' RecordId='{Event.record_id}' "
            "IsCurrent='true'/>\r\n</BookmarkList>"
        )
    f = SERVICE.fault("EvtRender", Event.rec.channel)
    if f is not None:
        _raise(f.winerror, "EvtRender")
    key = (Event.rec.channel, Event.rec.record_id)
    if SERVICE.render_failures.get(key, 0) > 0:
        SERVICE.render_failures[key] -= 1
        _raise(15005, "EvtRender")
    return Event.rec.xml()


def EvtCreateBookmark(BookmarkXML=None):
    if BookmarkXML is None:
        return _Bookmark(None, None)
    m = re.search(r"Channel=['\"]([^'\"]+)['\"]\s+RecordId=['\"](\d+)['\"]", BookmarkXML)
    if m is None:
        _raise(87, "EvtCreateBookmark")
    return _Bookmark(m.group(1), int(m.group(2)))


def EvtUpdateBookmark(Bookmark, Event):
    Bookmark._usable("EvtUpdateBookmark")
    Event._usable("EvtUpdateBookmark")
    f = SERVICE.fault("EvtUpdateBookmark", Event.rec.channel)
    if f is not None:
        _raise(f.winerror, "EvtUpdateBookmark")
    Bookmark.channel, Bookmark.record_id = Event.rec.channel, Event.rec.record_id


class _Metadata(_Handle):
    def __init__(self, publisher: str) -> None:
        super().__init__()
        self.publisher = publisher


def EvtOpenPublisherMetadata(PublisherIdentity, Session=None, LogFilePath=None, Locale=0, Flags=0):
    f = SERVICE.fault("EvtOpenPublisherMetadata", None)
    if f is not None or PublisherIdentity in SERVICE.publishers_missing:
        _raise(f.winerror if f is not None else 15027, "EvtOpenPublisherMetadata")
    return _Metadata(PublisherIdentity)


def EvtFormatMessage(Metadata, Event, Flags, ResourceId=0):
    Metadata._usable("EvtFormatMessage")
    Event._usable("EvtFormatMessage")
    rec = Event.rec
    if rec.message is None:
        _raise(15027, "EvtFormatMessage")
    if rec.partial:
        _raise(15029, "EvtFormatMessage")  # pywin32 drops what the API had formatted
    return rec.message
