"""Replay on several cores: the blocks of a big file are scanned by worker processes, and their
matched records come back in the file's order, so that the detector (in this process) sees
exactly what a one-core run gives it.

Each worker holds a matcher of the same signatures and engine (built once, at its start); a
block goes to it whole and comes back as its matched records (signatures named by their place
in the list, not pickled again), the times the block did not believe, and the matcher's counts,
which are added to the main matcher's. The radar's gate stays in this process (it holds the
radar's memory): records only the radar may take come back as ``radar`` matches and the
detector mines them, as without the gate.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from multiprocessing import Pool
from multiprocessing.pool import AsyncResult
from typing import Any

from logsentinel.matching.matcher import Match, MatchedRecord, Matcher
from logsentinel.matching.model import MatchStats
from logsentinel.records.blocks import Block

PARALLEL_FROM_BYTES = 64 * 1024 * 1024  # a file this big is scanned on every core by default
IN_FLIGHT_PER_JOB = 3  # blocks handed out ahead, per worker (memory: a block is at most ~1 MB)
BLOCK_TIMEOUT_S = 300.0  # a block takes milliseconds: a worker this late is gone (a pool never says so)

_worker: Matcher | None = None


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # Windows, macOS
        return max(os.cpu_count() or 1, 1)


def _start(signatures: list[Any], engine: str) -> None:
    from logsentinel.cache.matcher import build_matcher

    global _worker
    _worker = build_matcher(signatures, engine)


def _scan(block: Block) -> tuple[list[tuple[Any, tuple[tuple[int, str, dict], ...]]], list[Any], MatchStats]:
    matcher = _worker
    assert matcher is not None
    matcher.stats = MatchStats()
    index = {id(sig): i for i, sig in enumerate(matcher.signatures)}
    found = [
        (mr.record, tuple((index[id(m.signature)], m.kind, m.fields) for m in mr.matches)) for mr in matcher.scan(block)
    ]
    return found, block.ignored_times, matcher.stats


class ParallelScan:
    """Worker processes that scan blocks for ``matcher`` (the main one: its signatures, engine
    and counts)."""

    def __init__(self, matcher: Matcher, jobs: int) -> None:
        self.matcher = matcher
        self.jobs = jobs
        # multiprocessing's Pool, not concurrent.futures': under Wine the executor's wake-up pipe
        # hangs with several blocks in flight (a poll that says "data" before a read that blocks)
        self.pool = Pool(jobs, initializer=_start, initargs=(matcher.signatures, matcher.engine))

    def scan(self, blocks: Iterator[Block]) -> Iterator[tuple[Block, list[MatchedRecord]]]:
        """Each block with its matched records, in the order of ``blocks``."""
        pending: deque[tuple[Block, AsyncResult]] = deque()
        window = self.jobs * IN_FLIGHT_PER_JOB
        for block in blocks:
            pending.append((block, self.pool.apply_async(_scan, (block,))))
            if len(pending) >= window:
                yield self._take(*pending.popleft())
        while pending:
            yield self._take(*pending.popleft())

    def _take(self, block: Block, result: AsyncResult) -> tuple[Block, list[MatchedRecord]]:
        try:
            found, ignored, stats = result.get(BLOCK_TIMEOUT_S)
        except TimeoutError:
            raise RuntimeError(
                f"{block.path}: a scan worker gave no answer for the block at line {block.first_line} in "
                f"{BLOCK_TIMEOUT_S:.0f} s (was it killed?); replay again with --jobs 1"
            ) from None
        block.ignored_times.extend(ignored)
        _add(self.matcher.stats, stats)
        sigs = self.matcher.signatures
        return block, [
            MatchedRecord(rec, tuple(Match(sigs[i], kind, fields) for i, kind, fields in matches))
            for rec, matches in found
        ]

    def close(self) -> None:
        self.pool.terminate()
        self.pool.join()


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
