"""The one clock of the shells (state, dispatch, sinks, probes, health): wall time, monotonic
time and waiting. Passed in, never read from ``time`` directly, so tests drive time instead of
sleeping. The pure core (records, matching, detection) reads no clock at all: time comes in
with the records and with ``Detector.advance``."""

from __future__ import annotations

import threading
import time


class Clock:
    def time(self) -> float:
        """Wall-clock seconds since the epoch."""
        return time.time()

    def monotonic(self) -> float:
        """Seconds for intervals and timeouts (never jumps)."""
        return time.monotonic()

    def wait(self, event: threading.Event, seconds: float) -> bool:
        """Wait until ``event`` is set or ``seconds`` pass; True if it was set."""
        return event.wait(seconds)


SYSTEM = Clock()
