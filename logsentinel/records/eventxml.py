"""Windows event XML -> a record: the one converter for every way an event arrives (``EvtRender``
live, ``wevtutil qe /f:xml`` and ``/f:RenderedXml`` exports, an .evtx parser).

Fields: ``channel``, ``provider``, ``event_id`` (a whole number), ``level`` (Critical, Error,
Warning, Information, Verbose), ``record_id``, ``computer``, every ``EventData``/``UserData``
``<Data Name="x">`` under its name and unnamed ``<Data>`` as ``data1``, ``data2``... The record
text is ``<Level> <Provider> <EventID>: <message>``: the rendered message (``RenderingInfo``, or
the one formatted live), else the data values as ``name=value`` joined by ``; ``. The time is
``TimeCreated/@SystemTime`` (UTC). A multi-line message stays one record.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from logsentinel.records.blocks import Record

LEVELS = {0: "Information", 1: "Critical", 2: "Error", 3: "Warning", 4: "Information", 5: "Verbose"}
LEVEL_NAMES = {name.lower(): name for name in LEVELS.values()}
SYSTEM_FIELDS = ("channel", "provider", "event_id", "level", "record_id", "computer")
_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_TIME = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?")


class EventXmlError(ValueError):
    """The text is not a Windows event."""


@dataclass(frozen=True)
class EventSystem:
    channel: str
    provider: str
    event_id: int
    level: str
    record_id: int | None
    computer: str
    time: int | None  # epoch ms (UTC)


def parse_event(xml: str) -> tuple[EventSystem, list[tuple[str | None, str]], str | None]:
    """(system part, data as (name or None, value), rendered message or None)."""
    try:
        root = ET.fromstring(_DECL.sub("", xml, count=1))
    except ET.ParseError as exc:
        raise EventXmlError(f"not well-formed XML: {exc}") from None
    ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    if root.tag[len(ns) :] != "Event":
        raise EventXmlError(f"expected an <Event> element, got <{_local(root.tag)}>")
    system = root.find(ns + "System")
    if system is None:
        raise EventXmlError("no <System> part")
    fields = {_local(child.tag): child for child in system}
    provider = fields.get("Provider")
    event_id = _text(fields.get("EventID")) or ""
    if provider is None or not event_id.isdigit():
        raise EventXmlError("no provider name or event id")
    rendering = root.find(ns + "RenderingInfo")
    message = _text(rendering.find(ns + "Message")) if rendering is not None else None
    created = fields.get("TimeCreated")
    return (
        EventSystem(
            channel=_text(fields.get("Channel")) or "",
            provider=provider.get("Name") or provider.get("EventSourceName") or "",
            event_id=int(event_id),
            level=_level(_text(fields.get("Level"))),
            record_id=_int(_text(fields.get("EventRecordID"))),
            computer=_text(fields.get("Computer")) or "",
            time=system_time(created.get("SystemTime")) if created is not None else None,
        ),
        _data(root, ns),
        message or None,
    )


def event_record(
    system: EventSystem,
    data: list[tuple[str | None, str]],
    message: str | None,
    source: str,
    path: str,
    line: int | None = None,
) -> Record:
    """The record of one event (``line``: its place in a file; the record id by default)."""
    fields = {
        "channel": system.channel,
        "provider": system.provider,
        "event_id": str(system.event_id),
        "level": system.level,
        "record_id": "" if system.record_id is None else str(system.record_id),
        "computer": system.computer,
    }
    unnamed = 0
    named: list[tuple[str, str]] = []
    for name, value in data:
        if not name:
            unnamed += 1
            name = f"data{unnamed}"
        named.append((name, value))
        fields.setdefault(name, value)
    if message is None or not message.strip():
        message = "; ".join(f"{n}={v}" for n, v in named)
    text = f"{system.level} {system.provider} {system.event_id}: {message.strip()}".replace("\r\n", "\n")
    return Record(
        text,
        system.time,
        line if line is not None else (system.record_id or 0),
        source,
        path,
        own_time=system.time is not None,
        attrs=fields,
    )


def xml_record(xml: str, source: str, path: str, line: int | None = None, message: str | None = None) -> Record:
    """``parse_event`` and ``event_record`` in one; ``message``: one formatted live, if any."""
    system, data, rendered = parse_event(xml)
    return event_record(system, data, message or rendered, source, path, line)


def system_time(value: str | None) -> int | None:
    """'2026-11-27T08:30:14.1234567Z' -> epoch ms (UTC)."""
    m = _TIME.match(value or "")
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    try:
        dt = datetime(y, mo, d, h, mi, s, tzinfo=UTC)
    except ValueError:
        return None
    frac = (m.group(7) or "0")[:3].ljust(3, "0")
    return (int(dt.timestamp()) * 1000) + int(frac)


def level_name(value: Any) -> str:
    """A level as written in a signature example: a number or a name, any case."""
    return _level(str(value))


def _level(value: str | None) -> str:
    value = (value or "").strip()
    if value.isdigit():
        return LEVELS.get(int(value), "Information")
    return LEVEL_NAMES.get(value.lower(), value or "Information")


def _data(root: Any, ns: str) -> list[tuple[str | None, str]]:
    out: list[tuple[str | None, str]] = []
    event_data = root.find(ns + "EventData")
    if event_data is not None:
        for item in event_data:
            if _local(item.tag) == "Data":  # <Binary> is left out: no signature reads it
                out.append((item.get("Name") or None, _text(item) or ""))
    user_data = root.find(ns + "UserData")
    if user_data is not None:
        for container in user_data:
            for item in container:
                out.append((_local(item.tag), _text(item) or ""))
    return out


def _text(node: Any) -> str | None:
    return None if node is None or node.text is None else node.text.strip()


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
