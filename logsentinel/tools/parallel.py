"""Replay on several cores: worker processes read, decode, cut and scan pieces of the files (a
whole file, or a range of a big plain file that starts at a record), and their matched records
come back in each file's order to the one detector in this process, so that it sees what a
one-core run gives it.

Each worker holds a matcher of the same signatures and engine (built once, at its start). A
piece comes back as its blocks' matched records (signatures named by their place in the list),
each block's end time (the timeline's tick), the times it did not believe, its line count, the
decoder's counts and the matcher's, which are added to the main matcher's. A range's line
numbers count from its start and its first records know no time from before it: this process
adds the lines of the pieces before it and gives those records the time carried in, as the
one-core reader would. The radar's gate stays in this process (it holds the radar's memory):
records only the radar may take come back as ``radar`` matches and the detector mines them, as
without the gate.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from logsentinel.matching.matcher import Match, MatchedRecord, Matcher
from logsentinel.matching.model import MatchStats
from logsentinel.records.blocks import SourceSpec, end_time
from logsentinel.records.decoding import DEFAULT_MAX_LINE_BYTES
from logsentinel.sources.files.capture import read_blocks, read_size

if TYPE_CHECKING:
    from multiprocessing.pool import AsyncResult

PARALLEL_FROM_BYTES = 64 * 1024 * 1024  # files this big in all are read on every core by default
RANGE_MIN_BYTES = 16 * 1024 * 1024  # a plain file is cut into ranges of at least this much
PIECE_TIMEOUT_S = 3600.0  # a worker this late is gone (a pool never says so)
_SPLIT_WINDOW = 1024 * 1024  # where a range may start: a record at most this far before its chunk end

_worker: Matcher | None = None


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # Windows, macOS
        return max(os.cpu_count() or 1, 1)


@dataclass
class ScannedBlock:
    matched: list[MatchedRecord]
    tick: int | None  # the time of the block's last dated record (or carried in)
    ignored_times: list[Any]
    lines: int


@dataclass
class Piece:
    """What a worker gives back for a piece."""

    blocks: list[tuple[list[tuple[Any, tuple[tuple[int, str, dict], ...]]], int | None, list[Any], int]]
    replaced: int
    cut_lines: int
    bytes: int
    stats: MatchStats


def _start(signatures: list[Any], engine: str, timeout: float | None) -> None:
    from logsentinel.cache.matcher import build_matcher

    global _worker
    _worker = build_matcher(signatures, engine, timeout=timeout)


def _scan_piece(
    path: str, span: tuple[int, int, int] | None, spec: SourceSpec, encoding: str, max_line_bytes: int, ceiling: int
) -> Piece:
    matcher = _worker
    assert matcher is not None
    matcher.stats = MatchStats()
    index = {id(sig): i for i, sig in enumerate(matcher.signatures)}
    decoders: list = []
    read = [0]
    blocks = []
    source = read_blocks(
        Path(path), spec, encoding, max_line_bytes, lambda n: read.__setitem__(0, read[0] + n), decoders, ceiling, span
    )
    for block in source:
        found = [
            (mr.record, tuple((index[id(m.signature)], m.kind, m.fields) for m in mr.matches))
            for mr in matcher.scan(block)
        ]
        lines = block.lines if block.lines is not None else block.data.count(b"\n")
        blocks.append((found, end_time(block), block.ignored_times, lines))
    dec = decoders[0].stats
    return Piece(blocks, dec.replaced, dec.cut_lines, read[0], matcher.stats)


def split(
    path: Path, spec: SourceSpec, encoding: str, jobs: int, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
) -> list[tuple[int, int, int]] | None:
    """Ranges of a plain UTF-8 file for ``read_blocks``' ``span``, about one per job (at least
    ``RANGE_MIN_BYTES`` each), so that their blocks are those of a whole read: a range ends at
    the end of a chunk, and the next starts where a whole read cuts a block there (the last
    record that starts before the last whole line read), and reads on from that chunk's end.
    None when the file is read whole: compressed, UTF-16 or another encoding, small, or no
    record start within ``_SPLIT_WINDOW`` before a place to cut."""
    size = path.stat().st_size
    if encoding not in ("auto", "utf-8") or jobs < 2 or size < 2 * RANGE_MIN_BYTES:
        return None
    chunk = read_size(max_line_bytes)
    n = min(jobs, size // RANGE_MIN_BYTES)
    starts = [(0, 0)]  # (where a range starts, the chunk end it reads on from)
    with open(path, "rb") as fh:
        head = fh.read(4096)
        if head[:2] in (b"\x1f\x8b", b"\xff\xfe", b"\xfe\xff") or b"\x00" in head:
            return None  # gzip, UTF-16
        for k in range(1, n):
            end = round(size * k / n / chunk) * chunk
            if not starts[-1][1] < end < size:
                continue
            low = max(end - _SPLIT_WINDOW, 0)
            fh.seek(low)
            window = fh.read(end - low)
            cut = _block_cut(window, low, spec)
            if cut is not None and cut > starts[-1][0]:
                starts.append((cut, end))
    if len(starts) < 2:
        return None
    return [
        (start, first + chunk, stop)
        for (start, first), stop in zip(starts, [end for _, end in starts[1:]] + [size], strict=True)
    ]


def _block_cut(window: bytes, low: int, spec: SourceSpec) -> int | None:
    """Where a whole read that reached the window's end cuts its last block: the start of the
    last record that begins before the window's last whole line ends (None if not in it)."""
    whole = window.rfind(b"\n") + 1  # the lines the decoder gave the cutter end here
    pos = window.rfind(b"\n", 0, max(whole - 1, 0)) + 1
    while True:
        if pos == 0 and low > 0:
            return None  # the window's first line may have begun before it
        if pos < whole and spec.start.match(window, pos):
            return low + pos if low + pos > 0 else None
        if pos == 0:
            return None
        pos = window.rfind(b"\n", 0, pos - 1) + 1


class ParallelScan:
    """Worker processes that read and scan pieces for ``matcher`` (the main one: its signatures,
    engine and counts)."""

    def __init__(self, matcher: Matcher, jobs: int) -> None:
        self.matcher = matcher
        self.jobs = jobs
        # multiprocessing's Pool, not concurrent.futures': under Wine the executor's wake-up pipe
        # hangs with several pieces in flight (a poll that says "data" before a read that blocks)
        from multiprocessing import Pool  # only a replay that uses workers pays for the import

        self.pool = Pool(jobs, initializer=_start, initargs=(matcher.signatures, matcher.engine, matcher.timeout))

    def submit(
        self, path: Path, spec: SourceSpec, encoding: str, max_line_bytes: int, ceiling: int
    ) -> list[AsyncResult]:
        """The file's pieces, handed to the workers now (a file's results are taken in order)."""
        ranges = split(path, spec, encoding, self.jobs, max_line_bytes)
        spans: list[tuple[int, int, int] | None] = list(ranges) if ranges is not None else [None]
        return [
            self.pool.apply_async(_scan_piece, (str(path), span, spec, encoding, max_line_bytes, ceiling))
            for span in spans
        ]

    def blocks(self, path: Path, pieces: list[AsyncResult], on_progress: Any) -> Iterator[ScannedBlock | Piece]:
        """The file's scanned blocks in order, each piece's totals after its blocks: line numbers
        and the times carried in made the one-core reader's."""
        lines_before, carried = 0, None
        sigs = self.matcher.signatures
        for result in pieces:
            try:
                piece: Piece = result.get(PIECE_TIMEOUT_S)
            except TimeoutError:
                raise RuntimeError(
                    f"{path}: a scan worker gave no answer in {PIECE_TIMEOUT_S:.0f} s (was it killed?); "
                    "replay again with --jobs 1"
                ) from None
            for found, tick, ignored, lines in piece.blocks:
                matched = [
                    MatchedRecord(
                        _placed(rec, lines_before, carried),
                        tuple(Match(sigs[i], kind, fields) for i, kind, fields in matches),
                    )
                    for rec, matches in found
                ]
                carried = tick if tick is not None else carried
                yield ScannedBlock(matched, carried, ignored, lines)
            lines_before += sum(lines for *_, lines in piece.blocks)  # a piece's lines count from its start
            _add(self.matcher.stats, piece.stats)
            if on_progress is not None:
                on_progress(piece.bytes)
            yield piece

    def close(self) -> None:
        self.pool.terminate()
        self.pool.join()


def _placed(rec: Any, lines_before: int, carried: int | None) -> Any:
    if not lines_before and (rec.time is not None or carried is None):
        return rec
    return dataclasses.replace(rec, line=rec.line + lines_before, time=rec.time if rec.time is not None else carried)


def _add(total: MatchStats, part: MatchStats) -> None:
    total.blocks += part.blocks
    total.bytes += part.bytes
    total.lines += part.lines
    total.scan_seconds += part.scan_seconds
    for sig_id, st in part.per_signature.items():
        mine = total.per_signature[sig_id]
        mine.hits += st.hits
        mine.resolves += st.resolves
        mine.heartbeats += st.heartbeats
        mine.candidates += st.candidates
        mine.timeouts += st.timeouts
        mine.seconds += st.seconds
        if st.last_hit is not None:
            mine.last_hit = st.last_hit
