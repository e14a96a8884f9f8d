"""Exported Windows event logs, read for replay: ``.evtx`` files (through the ``evtx`` package,
a Rust parser) and XML exports (``wevtutil qe ... /f:xml`` or ``/f:RenderedXml``, in UTF-8 or
UTF-16 with a BOM, as PowerShell's ``>`` writes them). Both are recognised by their content.

Every event goes through the one converter (``records.eventxml``). A malformed event, a dirty
header or a bad chunk is counted and skipped; reading goes on as far as the file allows. What is
lost is said, one warning line each: a chunk that is not one (zeroed, overwritten), records
missing from the run of record ids, a file cut inside a chunk (read as far as it goes, the
rest of the chunk taken as empty) or inside an event, an event past MAX_EVENT_CHARS.
"""

from __future__ import annotations

import codecs
import io
import itertools
import logging
import re
import struct
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from logsentinel.records.blocks import Record
from logsentinel.records.decoding import sniff_encoding
from logsentinel.records.eventxml import EventXmlError, xml_record

EVTX_MAGIC = b"ElfFile\x00"
EVTX_HEADER = 4096
EVTX_CHUNK = 65536
CHUNK_MAGIC = b"ElfChnk\x00"
CHUNK = 1 << 20
# A Windows event holds at most 64 KB of data; an "event" with no end after this many
# characters is garbage, said and skipped, not held in memory to the end of the file.
MAX_EVENT_CHARS = 16 << 20
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_EMPTY_TAG_MAX = 4096  # an <Event .../> with no content: its attributes fit in this
_EVENT_END = re.compile(rf"</Event>|<Event\b[^<>]{{0,{_EMPTY_TAG_MAX}}}/>")

log = logging.getLogger("logsentinel.replay")


@dataclass
class EventStats:
    events: int = 0
    malformed: int = 0  # events (or broken chunks) skipped, records missing
    first_error: str = ""
    warnings: list[str] = field(default_factory=list)  # what was lost, a line each (also logged)


def sniff(path: Path) -> str:
    """'evtx', 'xml', 'binary' (of no known format) or 'text'."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(EVTX_MAGIC):
        return "evtx"
    if head[:2] == b"\x1f\x8b":
        return "text"  # gzip: the text reader opens it
    encoding, start = sniff_encoding(head)  # a BOM, or UTF-16 without one
    text = head[start:].decode(encoding, "replace")
    if re.match(r"\s*(?:<\?xml[^>]*\?>\s*)?<(?:Events?\b)", text):
        return "xml"
    if encoding.startswith("utf-8") and b"\x00" in head and not _looks_utf16(head):
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
    xmls = _evtx_xml(path, stats) if kind == "evtx" else _export_xml(path, stats)
    for n, xml in enumerate(xmls, 1):
        try:
            rec = xml_record(xml, source, str(path), line=None if kind == "evtx" else n)
        except EventXmlError as exc:
            _bad(stats, f"event {n}: {exc}")
            last = _last_start(xml)
            if not last:
                continue
            try:  # garbage before a whole event (an event cut, then the next one): the event is read
                rec = xml_record(xml[last:], source, str(path), line=None if kind == "evtx" else n)
            except EventXmlError:
                continue
        if rec.time is None:
            _bad(stats, f"event {n}: no TimeCreated")
            continue
        stats.events += 1
        yield rec


_START = re.compile(r"<Event[\s>]")


def _last_start(xml: str) -> int:
    """Where the last ``<Event`` element of ``xml`` opens (0: the first is the only one)."""
    last = 0
    for m in _START.finditer(xml, 1):
        last = m.start()
    return last


def _bad(stats: EventStats, message: str) -> None:
    stats.malformed += 1
    stats.first_error = stats.first_error or message


def _lost(stats: EventStats, path: Path, message: str, count: int = 1) -> None:
    """Something of ``path`` that could not be read: counted and said (one warning line)."""
    stats.malformed += count
    stats.first_error = stats.first_error or message
    stats.warnings.append(f"{path}: {message}")
    log.warning("%s: %s", path, message)


@dataclass
class EvtxLayout:
    size: int
    chunks: int  # the chunk count the file header gives
    bad_chunks: list[int]  # chunk slots within that count that do not start as a chunk
    cut: bool  # the file ends inside a chunk


def evtx_layout(path: Path) -> EvtxLayout:
    """The chunk slots of an .evtx file: a 4 KB header, then 64 KB chunks."""
    with open(path, "rb") as fh:
        header = fh.read(EVTX_HEADER)
        size = fh.seek(0, io.SEEK_END)
        chunks = struct.unpack_from("<H", header, 0x2A)[0] if len(header) >= 0x2C else 0
        slots = max(0, -(-(size - EVTX_HEADER) // EVTX_CHUNK))
        bad = []
        for i in range(min(chunks, slots)):
            fh.seek(EVTX_HEADER + i * EVTX_CHUNK)
            if fh.read(len(CHUNK_MAGIC)) != CHUNK_MAGIC:
                bad.append(i)
    return EvtxLayout(size, chunks, bad, size > EVTX_HEADER and (size - EVTX_HEADER) % EVTX_CHUNK != 0)


class _ZeroPadded(io.RawIOBase):
    """A file read as if it went on with zeros to ``size``: the parser reads a cut chunk's
    whole records (it refuses a chunk shorter than 64 KB)."""

    def __init__(self, path: Path, size: int) -> None:
        super().__init__()
        self._fh = open(path, "rb")  # noqa: SIM115 (closed with this object)
        self._real = self._fh.seek(0, io.SEEK_END)
        self._size, self._pos = size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def readinto(self, buffer) -> int:
        n = min(len(buffer), max(0, self._size - self._pos))
        data = b""
        if self._pos < self._real:
            self._fh.seek(self._pos)
            data = self._fh.read(min(n, self._real - self._pos))
        buffer[:n] = data + bytes(n - len(data))
        self._pos += n
        return n

    def close(self) -> None:
        self._fh.close()
        super().close()


def _missing_ids(ids: array) -> tuple[int, int, int]:
    """(how many, first, last) record ids missing between the lowest and the highest read (a
    wrapped log reads its chunks out of id order, so the ids are sorted first)."""
    if len(ids) < 2:
        return 0, 0, 0
    ordered = sorted(set(ids))
    missing, first, last = 0, 0, 0
    for a, b in itertools.pairwise(ordered):
        if b > a + 1:
            missing += b - a - 1
            first = first or a + 1
            last = b - 1
    return missing, first, last


def _evtx_xml(path: Path, stats: EventStats) -> Iterator[str]:
    from evtx import PyEvtxParser  # a wheel for Linux x86-64 and Windows x64

    layout = evtx_layout(path)
    source: str | _ZeroPadded = str(path)
    if layout.cut and layout.size > EVTX_HEADER + 8:
        cut_chunk = (layout.size - EVTX_HEADER) // EVTX_CHUNK
        _lost(
            stats,
            path,
            f"ends inside chunk {cut_chunk} (the file was cut short): its records are read as far as they go",
        )
        source = _ZeroPadded(path, EVTX_HEADER + (cut_chunk + 1) * EVTX_CHUNK)
    try:
        records = PyEvtxParser(source).records()
    except (OSError, RuntimeError, ValueError) as exc:  # shorter than its header, not an .evtx after all
        _bad(stats, f"{path}: {exc}")
        log.warning("%s: cannot be read as an .evtx file (%s): skipped; the other files are replayed", path, exc)
        return
    for i in layout.bad_chunks:
        _lost(
            stats,
            path,
            f"chunk {i} (at byte {EVTX_HEADER + i * EVTX_CHUNK:,}) does not start as a chunk (zeroed or overwritten): "
            "its records are lost",
            count=0,
        )
    ids = array("q")
    try:
        while True:
            try:
                record = next(records)
            except StopIteration:
                break
            except Exception as exc:  # a bad chunk or record: the parser goes on with the next one
                _bad(stats, f"evtx: {exc}")
                continue
            if record:
                if isinstance(record.get("event_record_id"), int):
                    ids.append(record["event_record_id"])
                yield record["data"]
    finally:
        if isinstance(source, _ZeroPadded):
            source.close()
    missing, first, last = _missing_ids(ids)
    if missing:
        _lost(stats, path, f"{missing} record(s) missing between record ids {first} and {last}", count=missing)
    elif layout.bad_chunks:
        stats.malformed += len(layout.bad_chunks)


def _export_xml(path: Path, stats: EventStats) -> Iterator[str]:
    """Each ``<Event>...</Event>`` of an export (no root element, or an ``<Events>`` one). Each
    character is scanned once or twice, however the events are broken."""
    with open(path, "rb") as fh:
        encoding, start = sniff_encoding(fh.read(4096))
        fh.seek(start)
        decoder = codecs.getincrementaldecoder(encoding)("replace")
        buf, scanned = "", 0
        while True:
            raw = fh.read(CHUNK)
            buf += decoder.decode(raw, final=not raw)
            pos = 0
            # an end can only be in what was not scanned yet, or straddle it by an empty tag's length
            for m in _EVENT_END.finditer(buf, max(0, scanned - _EMPTY_TAG_MAX - 8)):
                start = buf.find("<Event", pos, m.start() + 1)
                while start >= 0 and buf.startswith("<Events", start):
                    start = buf.find("<Event", start + 7, m.start() + 1)
                if start >= 0:
                    yield buf[start : m.end()]
                pos = m.end()
            buf = buf[pos:]
            if len(buf) > MAX_EVENT_CHARS:
                _lost(stats, path, f"{len(buf):,} characters with no end of an event: skipped")
                buf = ""
            scanned = len(buf)
            if not raw:
                break
    rest = buf.strip()
    if rest and rest.replace("</Events>", "").strip() and "<Event" in rest:
        _lost(stats, path, "the file ends inside an event (cut short?): that event is lost")
