"""Records: lines joined into multi-line records, with the record's time.

Text arrives here as *blocks*: UTF-8 bytes with LF line ends that hold whole records only (the
``RecordCutter`` guarantees it, for files read at once and for tails that grow). A line that
matches the source's start regex begins a record; any other line continues the record above it,
so a .NET stack trace stays with its error line. A block always begins with a record, so the
bounds of the record around any offset can be found by looking back inside the block alone.

``iter_records`` is the plain reference: every record of a block in order. The fast matcher
only builds the records that matter, with ``record_bounds`` and ``make_record``; both paths
must agree, and the tests prove that they do.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from logsentinel.records.timestamps import DEFAULT_START, TimeParser

DEFAULT_MAX_RECORD_BYTES = 256 * 1024
NL = b"\n"


@dataclass(frozen=True)
class SourceSpec:
    """How the records of one log source are cut and dated."""

    name: str
    start: re.Pattern[bytes]  # compiled with re.MULTILINE
    clock: TimeParser
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES

    @classmethod
    def build(
        cls,
        name: str,
        start: str | None = None,
        timezone: str | None = None,
        time_format: str | None = None,
        max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
        every_line: bool = False,
    ) -> SourceSpec:
        if every_line:
            pattern = rb"^"
        elif start:
            pattern = start.encode("utf-8")
        else:
            pattern = DEFAULT_START
        return cls(name, re.compile(pattern, re.MULTILINE), TimeParser(timezone, time_format), max_record_bytes)


FLOOR_MS = 946_684_800_000  # 2000-01-01: an older record time is a broken clock, not history
AHEAD_MS = 86_400_000  # a record time more than a day ahead of the reader's clock is not believed


@dataclass(frozen=True)
class Block:
    """Whole records of one file: normalised UTF-8 text ending with a newline.

    A record time after ``ceiling`` (the reader's clock plus a bound) or before ``FLOOR_MS`` is
    a hint not taken: the record takes the time of the one before it, as an undated record
    does, and the ignored time is noted in ``ignored_times`` for the reader to report."""

    data: bytes
    first_line: int  # 1-based line number of the block's first line in its file
    path: str
    spec: SourceSpec
    prev_time: int | None  # time of the last dated record before this block
    ceiling: int | None = None
    ignored_times: list[Any] = field(default_factory=list, compare=False, repr=False)  # (line text, time)
    lines: int | None = field(default=None, compare=False)  # its newlines, when the cutter counted them


@dataclass(frozen=True)
class Record:
    text: str  # the record's lines joined by "\n", without the final newline
    time: int | None  # epoch ms: its own or inherited from the record before
    line: int  # line number of its first line
    source: str
    path: str
    own_time: bool = True  # False when the time was inherited
    attrs: dict[str, Any] | None = None  # an event-log record's fields (records.eventxml); None for text logs


class RecordCutter:
    """Cuts a stream of complete lines into blocks that end on record boundaries.

    ``feed`` takes bytes made of whole lines (each ends with ``\\n``); the last record is held
    back because its continuation lines may still come. ``flush`` releases it (end of file, or
    a quiet period in a live tail). A record longer than ``max_record_bytes`` is released in
    pieces, so memory stays bounded whatever the file holds.
    """

    def __init__(self, spec: SourceSpec, path: str, first_line: int = 1, prev_time: int | None = None) -> None:
        self.spec = spec
        self.path = path
        self.pending = b""
        self.first_line = first_line
        self.prev_time = prev_time
        self.ceiling: int | None = None  # set by the reader: its clock plus the bound (see Block)
        self._checked = 1  # offsets below this were already found not to start a record

    def feed(self, data: bytes) -> Block | None:
        if not data:
            return None
        self.pending = self.pending + data if self.pending else data
        cut = self._last_start()
        if cut <= 0:
            if len(self.pending) < self.spec.max_record_bytes:
                return None
            cut = len(self.pending)
        return self._emit(cut)

    def flush(self) -> Block | None:
        return self._emit(len(self.pending)) if self.pending else None

    def snapshot(self) -> dict[str, Any]:
        return {
            "pending": base64.b64encode(self.pending).decode("ascii"),
            "first_line": self.first_line,
            "prev_time": self.prev_time,
        }

    @classmethod
    def restore(cls, spec: SourceSpec, path: str, snap: dict[str, Any]) -> RecordCutter:
        cutter = cls(spec, path, snap["first_line"], snap["prev_time"])
        cutter.pending = base64.b64decode(snap["pending"].encode("ascii"))
        return cutter

    def _last_start(self) -> int:
        data, start = self.pending, self.spec.start
        pos = len(data) - 1
        floor = max(self._checked, 1)
        while pos >= floor:
            line_start = data.rfind(NL, 0, pos) + 1
            if line_start < floor:
                break
            if start.match(data, line_start):
                return line_start
            pos = line_start - 1
        self._checked = len(data)
        return 0

    def _emit(self, cut: int) -> Block:
        data, self.pending = self.pending[:cut], self.pending[cut:]
        self._checked = 1
        lines = data.count(NL)
        block = Block(data, self.first_line, self.path, self.spec, self.prev_time, self.ceiling, lines=lines)
        self.first_line += lines
        last = end_time(block)
        if last is not None:
            self.prev_time = last
        return block


# ---- records inside a block ------------------------------------------------------------------


def record_bounds(block: Block, pos: int) -> tuple[int, int]:
    """(start, end) offsets of the record holding offset ``pos``; ``end`` is past its newline."""
    data, start = block.data, block.spec.start
    ls = data.rfind(NL, 0, pos) + 1
    while ls > 0 and not start.match(data, ls):
        ls = data.rfind(NL, 0, ls - 1) + 1
    le = data.find(NL, pos)
    nxt = start.search(data, le + 1) if le >= 0 else None
    return ls, (nxt.start() if nxt else len(data))


def _first_line(data: bytes, rs: int) -> str:
    end = data.find(NL, rs)
    return data[rs : end if end >= 0 else len(data)].decode("utf-8", "replace")


def _time_of(block: Block, first_line: str) -> int | None:
    """The time a record's first line says, if it is a time to believe (see ``Block``)."""
    t = block.spec.clock.parse(first_line)
    if t is not None and (t < FLOOR_MS or (block.ceiling is not None and t > block.ceiling)):
        if len(block.ignored_times) < 100:
            block.ignored_times.append((first_line[:200], t))
        return None
    return t


def time_before(block: Block, rs: int) -> int | None:
    """Time of the nearest dated record that starts before offset ``rs`` (a line start)."""
    data, start = block.data, block.spec.start
    end = rs
    while end > 0:
        ls = data.rfind(NL, 0, end - 1) + 1
        if ls == 0 or start.match(data, ls):
            t = _time_of(block, _first_line(data, ls))
            if t is not None:
                return t
        end = ls
    return block.prev_time


def record_text(block: Block, rs: int, re_: int) -> str:
    """The text of the record at offsets [rs, re_): its lines without the final newline."""
    data = block.data
    return data[rs : re_ - 1 if data.endswith(NL, 0, re_) else re_].decode("utf-8", "replace")


def _build(block: Block, rs: int, re_: int, line: int, prev: Any) -> Record:
    text = record_text(block, rs, re_)
    newline = text.find("\n")
    own = _time_of(block, text if newline < 0 else text[:newline])
    if own is None:
        own_time, time = False, (prev() if callable(prev) else prev)
    else:
        own_time, time = True, own
    return Record(text, time, line, block.spec.name, block.path, own_time)


def make_record(block: Block, rs: int, re_: int, line: int | None = None) -> Record:
    """The record at offsets [rs, re_) of the block, dated (looking back if it has no time).

    ``line`` may be given when the caller counts lines as it walks the block in order.
    """
    if line is None:
        line = block.first_line + block.data.count(NL, 0, rs)
    return _build(block, rs, re_, line, lambda: time_before(block, rs))


def record_spans(block: Block) -> Iterator[tuple[int, int, int]]:
    """(start, end, line number) of every record of the block, in order, line by line."""
    data, start = block.data, block.spec.start
    line_no = block.first_line
    rec_start, rec_line = 0, line_no
    pos, n = 0, len(data)
    while pos < n:
        end = data.find(NL, pos)
        end = n if end < 0 else end + 1
        if pos > rec_start and start.match(data, pos):
            yield rec_start, pos, rec_line
            rec_start, rec_line = pos, line_no
        line_no += 1
        pos = end
    if rec_start < n:
        yield rec_start, n, rec_line


def iter_records(block: Block) -> Iterator[Record]:
    """Every record of the block, in order (the reference)."""
    prev = block.prev_time
    for rs, re_, line in record_spans(block):
        rec = _build(block, rs, re_, line, prev)
        prev = rec.time
        yield rec


def end_time(block: Block) -> int | None:
    """Time of the block's last dated record (or the time carried in from before it)."""
    return time_before(block, len(block.data))
