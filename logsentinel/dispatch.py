"""Dispatch: one thread per sink delivers that sink's outbox queue, highest priority first.

A sink that fails does not hold the others back: each has its own queue and thread. Failed
batches wait (exponential backoff with jitter, capped) and are tried again; nothing leaves the
outbox before the sink has taken it.
"""

from __future__ import annotations

import logging
import random
import threading
import time

from .sinks import DeliveryError, Sink
from .state import State

log = logging.getLogger("logsentinel.dispatch")

BATCH = 100


class SinkWorker(threading.Thread):
    def __init__(self, sink: Sink, state_path, stop: threading.Event, backoff_cap: float = 60.0):
        super().__init__(name=f"sink-{sink.name}", daemon=True)
        self.sink = sink
        self.state_path = state_path
        self.stop_event = stop
        self.wake = threading.Event()
        self.backoff_cap = backoff_cap
        self.failures = 0
        self.delivered = 0
        self.failed = 0
        self.last_ok: float | None = None

    def run(self) -> None:
        state = State(self.state_path)
        try:
            self.sink.recover(state)
            while True:
                sent = self._once(state)
                if self.stop_event.is_set() and not sent:
                    break
                if not sent:
                    self.wake.wait(timeout=self._delay())
                    self.wake.clear()
        finally:
            state.close()
            self.sink.close()

    def _delay(self) -> float:
        if self.failures == 0:
            return 1.0
        base = min(self.backoff_cap, 0.5 * (2 ** min(self.failures, 10)))
        return base * (0.5 + random.random() / 2)

    def _once(self, state: State) -> bool:
        rows = state.pending(self.sink.name, BATCH)
        if not rows:
            return False
        try:
            extra = self.sink.deliver([r[1] for r in rows], state)
        except DeliveryError as exc:
            self.failures += 1
            self.failed += len(rows)
            log.warning("sink %s: delivery of %d report(s) failed (%s); retrying", self.sink.name, len(rows), exc)
            return False
        with state.transaction() as db:
            state.mark_delivered(db, [r[0] for r in rows])
            for key, value in (extra or {}).items():
                state.set_sink_state(db, self.sink.name, key, value)
        self.failures = 0
        self.delivered += len(rows)
        self.last_ok = time.time()
        return True


class Dispatcher:
    def __init__(self, sinks: list[Sink], state_path):
        self.stop_event = threading.Event()
        self.workers = [SinkWorker(s, state_path, self.stop_event) for s in sinks]

    @property
    def names(self) -> list[str]:
        return [w.sink.name for w in self.workers]

    def start(self) -> None:
        for w in self.workers:
            w.start()

    def poke(self) -> None:
        for w in self.workers:
            w.wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Deliver what can be delivered within ``timeout``, then stop."""
        self.stop_event.set()
        self.poke()
        deadline = time.monotonic() + timeout
        for w in self.workers:
            w.join(timeout=max(deadline - time.monotonic(), 0.1))
