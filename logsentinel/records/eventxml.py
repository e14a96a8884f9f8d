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

import html
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
# characters XML 1.0 does not allow, raw or as character references (EvtRender writes them as
# they were logged: beats#11006); replaced before parsing, so such an event is read, not dropped
_NOT_XML = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udfff]"
    r"|&#(?:x0*(?:[0-8bcBCeEfF]|1[0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2}|[fF]{3}[eEfF])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]));"
)
REPLACEMENT = "\ufffd"


_NOT_XML_RAW = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def has_not_xml(text: str) -> bool:
    """True if ``text`` holds a character XML 1.0 forbids, raw or as a reference (a quick test)."""
    return bool(_NOT_XML_RAW.search(text)) or ("&#" in text and _NOT_XML.search(text) is not None)


def clean_xml(xml: str) -> str:
    """``xml`` with the characters XML 1.0 forbids (raw or referenced) replaced by U+FFFD."""
    return _NOT_XML.sub(REPLACEMENT, xml) if has_not_xml(xml) else xml


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
    fast = _parse_plain(xml)
    return fast if fast is not None else _parse_tree(xml)


# The shape EvtRender, wevtutil and the evtx parser write: a <System> of simple elements, an
# <EventData> of <Data> elements holding text only, an optional <RenderingInfo>. Read with a few
# regexes (ten times faster than a tree); anything else (UserData, CDATA, comments, nested
# elements, an unexpected root) goes to the tree parser, which reads it the same way.
_Q = r"""(?:"([^"]*)"|'([^']*)')"""
_ROOT = re.compile(r"^\s*(?:<\?xml[^>]*\?>\s*)?<Event(?:\s[^>]*)?>")
_EVENT_OPEN = re.compile(r"<Event[\s>/]")
_UNUSUAL = re.compile(r"<!|<UserData|<\?(?!xml)|<[A-Za-z]+:")
_EVENT_DATA = re.compile(r"<EventData(?:\s[^>]*)?>(.*?)</EventData>|<EventData\s*/>", re.S)
_DATA = re.compile(r"<Data(?:\s+Name=" + _Q + r")?\s*>([^<]*)</Data>|<Data(?:\s+Name=" + _Q + r")?\s*/>")
_ATTRIBUTE = {name: re.compile(r"\s" + name + r"\s*=\s*" + _Q) for name in ("Name", "EventSourceName", "SystemTime")}
_DATA_OPEN = re.compile(r"<Data[\s>/]")
_MESSAGE = re.compile(r"<RenderingInfo(?:\s[^>]*)?>.*?<Message>([^<]*)</Message>", re.S)


_EOL = re.compile(r"\r\n?")
_ATTR_SPACE = re.compile(r"[\t\n]")


def _value(text: str, attribute: bool = False) -> str:
    """Element text or an attribute value as an XML parser gives it: line ends normalised (and,
    in an attribute, tabs and newlines made spaces), references resolved, stripped."""
    if "\r" in text:
        text = _EOL.sub("\n", text)
    if attribute and ("\t" in text or "\n" in text):
        text = _ATTR_SPACE.sub(" ", text)
    if "&" in text or has_not_xml(text):
        text = html.unescape(clean_xml(text))
    return text.strip()


def _text_of(part: str, tag: str) -> str | None:
    """The text of the first ``<tag>`` or ``<tag ...>`` element of ``part`` (None if it has none)."""
    at = part.find("<" + tag)
    while at >= 0 and part[at + len(tag) + 1] not in " \t\r\n>/":
        at = part.find("<" + tag, at + 1)
    if at < 0:
        return None
    end = part.find(">", at)
    if end < 0 or part[end - 1] == "/":
        return "" if end >= 0 else None
    close = part.find("<", end)
    return part[end + 1 : close] if close >= 0 else None


def _attribute(part: str, tag: str, name: str) -> str | None:
    at = part.find("<" + tag)
    if at < 0:
        return None
    end = part.find(">", at)
    m = _ATTRIBUTE[name].search(part, at, end) if end >= 0 else None
    if m is None:
        return None
    return m.group(1) if m.group(1) is not None else m.group(2)


def _parse_plain(xml: str) -> tuple[EventSystem, list[tuple[str | None, str]], str | None] | None:
    if not xml.rstrip().endswith("</Event>") or not _ROOT.match(xml) or _UNUSUAL.search(xml):
        return None
    if len(_EVENT_OPEN.findall(xml)) != 1:
        return None  # more than one event (an export): not one document
    start, end = xml.find("<System>"), xml.find("</System>")
    if start < 0 or end < start:
        return None
    part = xml[start:end]
    plain = "&" not in xml and "\r" not in xml and not _NOT_XML_RAW.search(xml)
    value = _stripped if plain else _value
    name, source_name = _attribute(part, "Provider", "Name"), _attribute(part, "Provider", "EventSourceName")
    provider = _value(name, True) if name else ""
    if not provider and source_name is not None:
        provider = _value(source_name, True)
    event_id = value(_text_of(part, "EventID") or "")
    if (name is None and source_name is None) or not event_id.isdigit():
        return None
    data: list[tuple[str | None, str]] = []
    rest = xml[end:]
    event_data = _EVENT_DATA.search(rest)
    if event_data is not None and event_data.group(1):
        body = event_data.group(1)
        items = _DATA.findall(body)
        if len(items) != len(_DATA_OPEN.findall(body)):
            return None  # a <Data> holding elements
        for dq, sq, text, dq2, sq2 in items:
            key = dq or sq or dq2 or sq2
            data.append(((_value(key, True) or None) if key else None, value(text)))
    message = _MESSAGE.search(rest) if "<RenderingInfo" in rest else None
    created = _attribute(part, "TimeCreated", "SystemTime")
    return (
        EventSystem(
            channel=value(_text_of(part, "Channel") or ""),
            provider=provider,
            event_id=int(event_id),
            level=_level(value(_text_of(part, "Level") or "")),
            record_id=_int(value(_text_of(part, "EventRecordID") or "")),
            computer=value(_text_of(part, "Computer") or ""),
            time=system_time(_value(created, True)) if created is not None else None,
        ),
        data,
        (_value(message.group(1)) or None) if message is not None else None,
    )


def _stripped(text: str) -> str:
    return text.strip()


def _parse_tree(xml: str) -> tuple[EventSystem, list[tuple[str | None, str]], str | None]:
    try:
        root = ET.fromstring(clean_xml(_DECL.sub("", xml, count=1)))
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
