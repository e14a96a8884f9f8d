"""What one pass of the sidecar reads: every source's files, a backlog in time order.

A backlog of several files is read a chunk at a time, always from the file whose records are
the oldest so far, so that it is detected in time order as replay merges files (an absence or a
threshold sees every source at the same point in time). While files are still waiting, the
detector's clock may not pass the point every one of them has reached: ``Batch.cap``.
"""

from __future__ import annotations

from dataclasses import dataclass

from logsentinel.detection.timeline import HOLD
from logsentinel.records.blocks import Block
from logsentinel.sources.files.follow import SourceTail

BACKLOG_BUDGET = 1 << 20  # bytes per source and pass
INTERLEAVE_CHUNK = 256 << 10  # bytes read from one file before choosing again (backlogs)


@dataclass
class Batch:
    blocks: list[Block]
    backlog: bool  # files still have unread bytes
    cap: object  # None (caught up: the wall clock rules), a time the clock may not pass, or HOLD


def read_batch(tails: list[SourceTail]) -> Batch:
    blocks: list[Block] = []
    for tail in tails:
        blocks += tail.sweep()
    blocks += _read_in_time_order(tails, BACKLOG_BUDGET)
    caught_up = not any(tail.waiting() for tail in tails)
    for tail in tails:
        if caught_up:
            blocks += tail.read(BACKLOG_BUDGET)  # whatever was appended since the sweep
        blocks += tail.flush_quiet()
    waiting = [ff for tail in tails for ff in tail.waiting()]
    if not waiting:
        return Batch(blocks, False, None)
    reached = [ff.reached for ff in waiting]
    known = [t for t in reached if t is not None]
    return Batch(blocks, True, min(known) if len(known) == len(reached) else HOLD)


def _read_in_time_order(tails: list[SourceTail], budget: int) -> list[Block]:
    blocks: list[Block] = []
    left = budget * max(len(tails), 1)
    while left > 0:
        waiting = [(tail, ff) for tail in tails for ff in tail.waiting()]
        if not waiting:
            break
        tail, ff = min(waiting, key=lambda p: (p[1].reached if p[1].reached is not None else -1, p[1].path))
        before = ff.offset
        blocks += tail.read_file(ff, INTERLEAVE_CHUNK)
        left -= max(ff.offset - before, 1)
    return blocks
