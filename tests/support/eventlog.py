"""A Windows event log for tests: channels of event XML that a test appends to (or clears), and
subscriptions with the interface of the pywin32 one (events in order, a bookmark out)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from logsentinel.sources.eventlog.subscription import bookmark_record_id

NS = "http://schemas.microsoft.com/win/2004/08/events/event"


def event_xml(
    record_id: int,
    ms: int,
    provider: str,
    event_id: int,
    channel: str,
    data: dict,
    level: int = 2,
    message: str | None = None,
) -> str:
    t = datetime.fromtimestamp(ms / 1000, tz=UTC)
    items = "".join(f"<Data Name='{k}'>{v}</Data>" for k, v in data.items())
    rendering = f"<RenderingInfo Culture='en-US'><Message>{message}</Message></RenderingInfo>" if message else ""
    return (
        f"<Event xmlns='{NS}'><System><Provider Name='{provider}'/><EventID>{event_id}</EventID>"
        f"<Level>{level}</Level><TimeCreated SystemTime='{t:%Y-%m-%dT%H:%M:%S}.{ms % 1000:03d}0000Z'/>"
        f"<EventRecordID>{record_id}</EventRecordID><Channel>{channel}</Channel><Computer>ucx-01</Computer>"
        f"</System><EventData>{items}</EventData>{rendering}</Event>"
    )


class FakeEventLog:
    def __init__(self):
        self.channels: dict[str, list[tuple[int, str]]] = {}  # channel -> [(record id, xml)]
        self.next_id: dict[str, int] = {}
        self.opened: list[FakeSubscription] = []

    def write(self, channel: str, ms: int, provider: str, event_id: int, data: dict, **kw) -> int:
        rid = self.next_id.get(channel, 1)
        self.next_id[channel] = rid + 1
        self.channels.setdefault(channel, []).append((rid, event_xml(rid, ms, provider, event_id, channel, data, **kw)))
        return rid

    def clear(self, channel: str) -> None:
        """``wevtutil cl``: the records go, the record ids go on."""
        self.channels[channel] = []

    def subscribe(self, channel: str, query, bookmark: str | None, start_at: str) -> FakeSubscription:
        sub = FakeSubscription(self, channel, bookmark, start_at)
        self.opened.append(sub)
        return sub


class FakeSubscription:
    def __init__(self, log: FakeEventLog, channel: str, bookmark: str | None, start_at: str):
        self.log = log
        self.channel = channel
        self.lost_bookmark = None
        events = log.channels.get(channel, [])
        after = bookmark_record_id(bookmark)
        if after is not None and not any(rid == after for rid, _ in events):
            self.lost_bookmark, after = bookmark, None  # cleared or wrapped: from the oldest
            start_at = "beginning"
        if after is not None:
            self.last = after
        elif start_at == "beginning":
            self.last = 0
        else:
            self.last = events[-1][0] if events else log.next_id.get(channel, 1) - 1
        self.given = bookmark if after is not None else None

    def next(self, max_events: int):
        out = [(xml, None) for rid, xml in self.log.channels.get(self.channel, []) if rid > self.last][:max_events]
        if out:
            self.last = int(re.search(r"<EventRecordID>(\d+)<", out[-1][0]).group(1))
            self.given = f"<BookmarkList><Bookmark Channel='{self.channel}' RecordId='{self.last}' IsCurrent='true'/></BookmarkList>"
        return out

    def bookmark(self):
        return self.given

    def close(self):
        pass
