"""Health: is the loop alive (``/healthz``), and is the sidecar ready (``/readyz``): the state
database writable, every sink delivering or with nothing to deliver."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from logsentinel.clock import Clock
from logsentinel.dispatch.outbox import Outbox
from logsentinel.dispatch.worker import SinkWorker

ALIVE_WITHIN_S = 15.0
SINK_RECENT_S = 300.0      # a sink with reports waiting behind errors for longer is not ready


@dataclass(frozen=True)
class OutboxView:
    counts: dict        # (sink, status) -> reports
    oldest: dict        # sink -> when its oldest pending report was queued


def outbox_view(state_path: Path) -> OutboxView:
    """Read on a connection of its own (metrics scrapes come from another thread)."""
    outbox = Outbox(sqlite3.connect(str(state_path), timeout=2))
    try:
        return OutboxView(outbox.counts(), outbox.oldest_pending())
    finally:
        outbox.close()


class Health:
    def __init__(self, state_path: Path, workers: list[SinkWorker], clock: Clock):
        self.state_path = state_path
        self.workers = workers
        self.clock = clock
        self.last_loop = clock.monotonic()

    def beat(self) -> None:
        """The main loop is going round."""
        self.last_loop = self.clock.monotonic()

    def alive(self) -> bool:
        return self.clock.monotonic() - self.last_loop < ALIVE_WITHIN_S

    def readiness(self) -> list[str]:
        """Why the sidecar is not ready ([] when it is)."""
        problems = []
        try:
            con = sqlite3.connect(str(self.state_path), timeout=2)
            try:
                con.execute("BEGIN IMMEDIATE")
                con.execute("ROLLBACK")
            finally:
                con.close()
        except sqlite3.Error as exc:
            problems.append(f"state database {self.state_path} is not writable: {exc}")
        try:
            counts = outbox_view(self.state_path).counts
        except sqlite3.Error:
            counts = {}
        now = self.clock.time()
        for w in self.workers:
            c = w.counters
            pending = counts.get((w.sink.name, "pending"), 0)
            if pending and c.last_error and (c.last_ok is None or now - c.last_ok > SINK_RECENT_S):
                problems.append(f"sink {w.sink.name}: {pending} report(s) waiting; last error: {c.last_error}")
        return problems
