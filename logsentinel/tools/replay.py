"""Replay: captured log files through the same matching and detection as the live sidecar.

Each file becomes a stream of matched records and clock ticks (``timeline``); the streams of
several files are merged by time, so that logs captured together are replayed as they
happened, and fed to one ``Detector`` — the same way the live sidecar feeds it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from logsentinel.clock import SYSTEM, Clock
from logsentinel.config.load import Config
from logsentinel.detection.events import Event
from logsentinel.detection.radar import Radar
from logsentinel.detection.timeline import block_items, feed, place, record_items, timeline_items
from logsentinel.matching.matcher import Matcher
from logsentinel.records.blocks import AHEAD_MS
from logsentinel.sources.eventlog.capture import EventStats, read_events, sniff
from logsentinel.sources.files.capture import read_blocks
from logsentinel.sources.files.timehints import IgnoredTimes
from logsentinel.state.detector import build_detector
from logsentinel.tools.parallel import PARALLEL_FROM_BYTES, ParallelScan, Piece, default_jobs
from logsentinel.units import format_duration

EVENT_BATCH = 1000  # event-log records matched at once


@dataclass
class ReplayStats:
    files: int = 0
    bytes_read: int = 0
    replaced: int = 0
    cut_lines: int = 0
    events: dict = field(default_factory=dict)  # signature id -> events fired
    seconds: float = 0.0
    eventlog: EventStats = field(default_factory=EventStats)  # .evtx and XML exports
    ignored_times: IgnoredTimes = field(default_factory=IgnoredTimes)  # record times not believed
    set_aside: list = field(default_factory=list)  # "path:line: error" of records the detector failed on


class UnknownFormat(ValueError):
    """A binary file that is neither text nor an event-log export."""


def check_formats(paths: list[Path]) -> dict[Path, str]:
    """Each file's kind (``sources.eventlog.capture.sniff``); UnknownFormat names a binary one."""
    kinds = {p: sniff(p) for p in paths}
    for p, kind in kinds.items():
        if kind == "binary":
            raise UnknownFormat(f"{p}: a binary file of no known format (not text, gzip, .evtx or an event XML export)")
    return kinds


def _event_stream(
    path: Path, kind: str, config: Config, matcher: Matcher, stats: ReplayStats, on_progress
) -> Iterator[tuple[int, object]]:
    source = config.source_for(path).name
    batch: list = []
    for rec in read_events(path, source, stats.eventlog, kind):
        batch.append(rec)
        if len(batch) >= EVENT_BATCH:
            yield from record_items(batch, matcher, source)
            batch = []
    if batch:
        yield from record_items(batch, matcher, source)
    on_progress(path.stat().st_size)
    stats.files += 1


def _file_stream(
    path: Path,
    config: Config,
    matcher: Matcher,
    timezone: str | None,
    stats: ReplayStats,
    on_progress,
    ceiling: int,
    parallel: ParallelScan | None = None,
) -> Iterator[tuple[int, object]]:
    src = config.source_for(path)
    spec = src.spec(timezone)
    if parallel is not None:
        yield from _pieces_stream(path, src, spec, matcher, stats, on_progress, ceiling, parallel)
        return
    decoders: list = []
    last = 0
    for block in read_blocks(path, spec, src.encoding, src.max_line_bytes, on_progress, decoders, ceiling):
        items, last = block_items(block, matcher, last)
        stats.ignored_times.note(block.spec.name, block.path, block.ignored_times)
        yield from items
    dec = decoders[0]
    stats.replaced += dec.stats.replaced
    stats.cut_lines += dec.stats.cut_lines
    stats.files += 1


def _pieces_stream(
    path: Path, src, spec, matcher: Matcher, stats: ReplayStats, on_progress, ceiling: int, parallel: ParallelScan
) -> Iterator[tuple[int, object]]:
    """``_file_stream``'s items, the file read and scanned by the workers (``tools.parallel``)."""
    pieces = parallel.submit(path, spec, src.encoding, src.max_line_bytes, ceiling)
    last = 0
    for part in parallel.blocks(path, pieces, on_progress):
        if isinstance(part, Piece):
            stats.replaced += part.replaced
            stats.cut_lines += part.cut_lines
            continue
        items, last = timeline_items(part.matched, part.tick, last)
        stats.ignored_times.note(spec.name, str(path), part.ignored_times)
        yield from items
    stats.files += 1


def replay(
    paths: list[Path],
    config: Config,
    matcher: Matcher,
    emit: Callable[[Event], None],
    host: str | None = None,
    timezone: str | None = None,
    progress=None,
    clock: Clock = SYSTEM,
    radar: Radar | None = None,
    baseline: tuple[Path, ...] = (),
    jobs: int | None = None,
) -> ReplayStats:
    """Replay ``paths`` and call ``emit`` for every event report, in order. Record times more
    than a day ahead of ``clock`` are not believed. With ``radar`` (the matcher then holds its
    signature), unmatched error records are mined; ``baseline`` files are replayed first, with
    the radar learning and their reports dropped, so that the templates of ``paths`` not seen
    there are new. ``jobs``: worker processes that scan text files (``tools.parallel``); None:
    every core for a file of ``PARALLEL_FROM_BYTES`` or more, one otherwise; 1: none."""
    stats = ReplayStats()
    ceiling = int(clock.time() * 1000) + AHEAD_MS
    if host:
        config.host = host
    t0 = time.perf_counter()

    def on_progress(n: int) -> None:
        stats.bytes_read += n
        if progress is not None:
            progress(stats.bytes_read)

    workers: list[ParallelScan] = []

    def streams_of(files: list[Path]) -> list:
        kinds = check_formats(files)
        text = [p for p in files if kinds[p] not in ("evtx", "xml")]
        big = sum(p.stat().st_size for p in text) >= PARALLEL_FROM_BYTES
        n = jobs if jobs is not None else (default_jobs() if big else 1)
        if n > 1 and text and not workers:
            workers.append(ParallelScan(matcher, n))
        pool = workers[0] if n > 1 and workers else None
        return [
            _event_stream(p, kinds[p], config, matcher, stats, on_progress)
            if kinds[p] in ("evtx", "xml")
            else _file_stream(p, config, matcher, timezone, stats, on_progress, ceiling, pool)
            for p in files
        ]

    try:
        matcher.gate = radar.gate if radar is not None else None  # known templates counted as scanned
        if radar is not None and baseline:
            radar.learning = True
            learner = build_detector(matcher.signatures, config)
            learner.radar = radar
            for _ev in feed(learner, streams_of(list(baseline))):
                pass  # the baseline's own events are not this replay's
            radar.finish_learning()
        detector = build_detector(matcher.signatures, config)
        detector.radar = radar

        streams = streams_of(paths)

        def set_aside(item, error: Exception) -> None:
            where = place(item)
            stats.set_aside.append(f"{where}: {type(error).__name__}: {str(error)[:300]}")

        for ev in feed(detector, streams, set_aside=set_aside):
            emit(ev)
        for ev in detector.finish():
            emit(ev)
        stats.events = dict(detector.fired)
        stats.seconds = time.perf_counter() - t0
        return stats
    finally:
        for pool in workers:
            pool.close()


class Progress:
    """A one-line progress report on stderr, for a person at a terminal: files, MB/s and the
    time left, once a replay has run longer than ``after_s``; nothing when stderr is not a
    terminal (stdout stays clean either way)."""

    def __init__(self, sizes: list[int], stream=sys.stderr, clock: Clock = SYSTEM, after_s: float = 2.0) -> None:
        self.sizes = sizes
        self.total = max(sum(sizes), 1)
        self.stream = stream
        self.clock = clock
        self.after_s = after_s
        self.enabled = hasattr(stream, "isatty") and stream.isatty()
        self.start = clock.monotonic()
        self._last = 0.0
        self.shown = False

    def __call__(self, done: int) -> None:
        if not self.enabled:
            return
        now = self.clock.monotonic()
        elapsed = now - self.start
        if elapsed < self.after_s or (now - self._last < 0.25 and done < self.total):
            return
        self._last = now
        self.shown = True
        self.stream.write("\r" + self.line(done, elapsed))
        self.stream.flush()

    def line(self, done: int, elapsed: float) -> str:
        files, edge = 0, 0
        for size in self.sizes:
            edge += size
            files += edge <= done
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (self.total - done) / rate if rate else 0.0
        return (
            f"replay: {min(done / self.total, 1.0) * 100:5.1f}%, {files}/{len(self.sizes)} files, "
            f"{rate / 1e6:6.1f} MB/s, {format_duration(left) if done < self.total else 'done'} left   "
        )

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
