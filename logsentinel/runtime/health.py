"""Health: is the loop alive and getting through its batches (``/healthz``), and is the sidecar
ready (``/readyz``): the state database is the file it opened, writable, on a disk with room,
and every sink is delivering or has nothing to deliver."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from logsentinel.clock import Clock
from logsentinel.dispatch.outbox import Outbox
from logsentinel.dispatch.worker import SinkWorker

ALIVE_WITHIN_S = 15.0
SINK_RECENT_S = 60.0  # a sink with reports waiting behind errors for longer is not ready (the page's banner too)
FAILING_AFTER = 3  # the loop failing this many times in a row (on the same batch) is not healthy
MIN_FREE_BYTES = 64 * 1024 * 1024  # less free space than this beside the state database: not ready


@dataclass(frozen=True)
class OutboxView:
    counts: dict  # (sink, status) -> reports
    oldest: dict  # sink -> when its oldest pending report was queued


def outbox_view(state_path: Path) -> OutboxView:
    """Read on a connection of its own (metrics scrapes come from another thread)."""
    outbox = Outbox(sqlite3.connect(str(state_path), timeout=2))
    try:
        return OutboxView(outbox.counts(), outbox.oldest_pending())
    finally:
        outbox.close()


class Health:
    def __init__(self, state_path: Path, workers: list[SinkWorker], clock: Clock) -> None:
        self.state_path = state_path
        self.workers = workers
        self.clock = clock
        self.last_loop = clock.monotonic()
        self.last_loop_wall = clock.time()  # the same moment on the wall clock (a metric)
        self.failures_in_row = 0
        self.last_failure = ""
        self.state_identity = _identity(state_path)  # the file the sidecar opened
        self.source_problems: Callable[[], list[str]] = list  # sources that cannot be read (event-log channels)
        self.notes: Callable[[], list[str]] = list  # said by /healthz without making it fail (a refused reload)

    def beat(self) -> None:
        """The main loop is going round."""
        self.last_loop = self.clock.monotonic()
        self.last_loop_wall = self.clock.time()

    def loop_failed(self, error: BaseException) -> None:
        self.failures_in_row += 1
        self.last_failure = f"{type(error).__name__}: {error}"[:300]

    def loop_ok(self) -> None:
        self.failures_in_row = 0

    def liveness(self) -> list[str]:
        """Why the sidecar is not healthy ([] when it is)."""
        problems = []
        if self.clock.monotonic() - self.last_loop >= ALIVE_WITHIN_S:
            problems.append("main loop stalled")
        if self.failures_in_row >= FAILING_AFTER:
            problems.append(f"main loop failed {self.failures_in_row} times in a row: {self.last_failure}")
        return problems

    def readiness(self) -> list[str]:
        """Why the sidecar is not ready ([] when it is)."""
        problems = self._state_file()
        if problems:
            return problems
        try:
            # mode=rw: a check must never create a database where the real one was deleted
            con = sqlite3.connect(Path(self.state_path).resolve().as_uri() + "?mode=rw", uri=True, timeout=2)
            try:
                con.execute("BEGIN IMMEDIATE")
                con.execute("ROLLBACK")
            finally:
                con.close()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):  # locked: a commit is being written (a burst's), so it is writable
                problems.append(f"state database {self.state_path} is not writable: {exc}")
        except sqlite3.Error as exc:
            problems.append(f"state database {self.state_path} is not writable: {exc}")
        try:
            counts = outbox_view(self.state_path).counts
        except sqlite3.Error:
            counts = {}
        now = self.clock.time()
        problems += self.liveness()
        problems += self.source_problems()
        for w in self.workers:
            c = w.counters
            pending = counts.get((w.sink.name, "pending"), 0)
            if pending and c.last_error and (c.last_ok is None or now - c.last_ok > SINK_RECENT_S):
                problems.append(f"sink {w.sink.name}: {pending} report(s) waiting; last error: {c.last_error}")
        return problems

    def _state_file(self) -> list[str]:
        now = _identity(self.state_path)
        if now is None:
            return [
                f"state database {self.state_path} is gone: the sidecar writes to a deleted file; "
                "restart it (offsets and open events since the last copy are lost)"
            ]
        if self.state_identity is not None and now != self.state_identity:
            return [f"state database {self.state_path} is not the file the sidecar opened (replaced?); restart it"]
        try:
            free = shutil.disk_usage(Path(self.state_path).parent).free
        except OSError as exc:
            return [f"cannot see the free space beside {self.state_path}: {exc}"]
        if free < MIN_FREE_BYTES:
            return [f"the disk of {self.state_path} is nearly full: {free // (1024 * 1024)} MB free"]
        return []


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)
