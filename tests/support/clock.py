"""A clock the test moves by hand (the shells take a ``Clock``)."""

from __future__ import annotations

import threading

from logsentinel.clock import Clock


class FakeClock(Clock):
    def __init__(self, wall: float = 1_795_773_600.0):
        self.wall = wall
        self.mono = 1000.0
        self._lock = threading.Lock()

    def time(self) -> float:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.wall += seconds
            self.mono += seconds

    def wait(self, event: threading.Event, seconds: float) -> bool:
        """Time passes at once (a thread waiting here does not hold the test up)."""
        if not event.is_set():
            self.advance(seconds)
        return event.is_set()
