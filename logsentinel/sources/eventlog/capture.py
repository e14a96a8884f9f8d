"""Exported Windows event logs, read for replay: ``.evtx`` files (through the ``evtx`` package,
a Rust parser) and XML exports (``wevtutil qe ... /f:xml`` or ``/f:RenderedXml``, in UTF-8 or
UTF-16 with a BOM, as PowerShell's ``>`` writes them). Both are recognised by their content.

Every event goes through the one converter (``records.eventxml``). A malformed event, a dirty
header or a bad chunk is counted and skipped; reading goes on as far as the file allows.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from logsentinel.records.blocks import Record
from logsentinel.records.eventxml import EventXmlError, xml_record

EVTX_MAGIC = b"ElfFile\x00"
CHUNK = 1 << 20
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_EVENT_END = re.compile(r"</Event>|<Event\b[^>]*/>")

log = logging.getLogger("logsentinel.replay")


@dataclass
class EventStats:
    events: int = 0
    malformed: int = 0  # events (or broken chunks) skipped
    first_error: str = ""


def sniff(path: Path) -> str:
    """'evtx', 'xml', 'binary' (of no known format) or 'text'."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(EVTX_MAGIC):
        return "evtx"
    if head[:2] == b"\x1f\x8b":
        return "text"  # gzip: the text reader opens it
    encoding, start = "utf-8", 0
    for bom, name in _BOMS:
        if head.startswith(bom):
            encoding, start = name, len(bom)
            break
    if encoding == "utf-16":
        text = head.decode("utf-16-le" if head.startswith(codecs.BOM_UTF16_LE) else "utf-16-be", "replace")[1:]
    else:
        text = head[start:].decode("utf-8", "replace")
    if re.match(r"\s*(?:<\?xml[^>]*\?>\s*)?<(?:Events?\b)", text):
        return "xml"
    if encoding == "utf-8" and b"\x00" in head and not _looks_utf16(head):
        return "binary"
    return "text"


def _looks_utf16(head: bytes) -> bool:
    """UTF-16 without a BOM: most even or most odd bytes are NUL."""
    if len(head) < 4:
        return False
    even, odd = head[0::2], head[1::2]
    return even.count(0) > 0.4 * len(even) or odd.count(0) > 0.4 * len(odd)


def read_events(path: Path, source: str, stats: EventStats, kind: str | None = None) -> Iterator[Record]:
    """The records of an .evtx file or an XML export, in file order."""
    kind = kind or sniff(path)
    xmls = _evtx_xml(path, stats) if kind == "evtx" else _export_xml(path)
    for n, xml in enumerate(xmls, 1):
        try:
            rec = xml_record(xml, source, str(path), line=None if kind == "evtx" else n)
        except EventXmlError as exc:
            _bad(stats, f"event {n}: {exc}")
            continue
        if rec.time is None:
            _bad(stats, f"event {n}: no TimeCreated")
            continue
        stats.events += 1
        yield rec


def _bad(stats: EventStats, message: str) -> None:
    stats.malformed += 1
    stats.first_error = stats.first_error or message


def _evtx_xml(path: Path, stats: EventStats) -> Iterator[str]:
    from evtx import PyEvtxParser  # a wheel for Linux x86-64 and Windows x64

    try:
        records = PyEvtxParser(str(path)).records()
    except (OSError, RuntimeError, ValueError) as exc:  # shorter than its header, not an .evtx after all
        _bad(stats, f"{path}: {exc}")
        log.warning("%s: cannot be read as an .evtx file (%s): skipped; the other files are replayed", path, exc)
        return
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except Exception as exc:  # a bad chunk or record: the parser goes on with the next one
            _bad(stats, f"evtx: {exc}")
            continue
        if record:
            yield record["data"]


def _export_xml(path: Path) -> Iterator[str]:
    """Each ``<Event>...</Event>`` of an export (no root element, or an ``<Events>`` one)."""
    with open(path, "rb") as fh:
        head = fh.read(4)
        encoding = "utf-8"
        for bom, name in _BOMS:
            if head.startswith(bom):
                encoding = "utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be" if name == "utf-16" else "utf-8"
                fh.seek(len(bom))
                break
        else:
            fh.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)("replace")
        buf = ""
        while True:
            raw = fh.read(CHUNK)
            buf += decoder.decode(raw, final=not raw)
            pos = 0
            for m in _EVENT_END.finditer(buf):
                start = buf.find("<Event", pos, m.start() + 1)
                while start >= 0 and buf.startswith("<Events", start):
                    start = buf.find("<Event", start + 7, m.start() + 1)
                if start >= 0:
                    yield buf[start : m.end()]
                pos = m.end()
            buf = buf[pos:]
            if not raw:
                return
