"""Runs the probes on their intervals in a thread of their own (an HTTP probe may wait for its
timeout) and hands their records to the sidecar's loop through a queue."""

from __future__ import annotations

import logging
import queue
import threading

from logsentinel.clock import SYSTEM, Clock
from logsentinel.sources.probes.base import Probe, ProbeResult

log = logging.getLogger("logsentinel.probes")


class ProbeRunner(threading.Thread):
    def __init__(
        self, probes: list[Probe], wake: threading.Event, stop: threading.Event, clock: Clock = SYSTEM
    ) -> None:
        super().__init__(name="probes", daemon=True)
        self.probes = probes
        self.wake = wake
        self.stop_event = stop
        self.clock = clock
        self.results: queue.Queue[tuple[int, ProbeResult]] = queue.Queue()

    def run(self) -> None:
        due = {p.name: 0.0 for p in self.probes}
        while not self.stop_event.is_set():
            now = self.clock.monotonic()
            for probe in self.probes:
                if now >= due[probe.name]:
                    due[probe.name] = now + probe.interval
                    try:
                        results = probe.run()
                    except Exception as exc:  # a probe must never stop the others
                        log.exception("probe %s failed: %s", probe.name, exc)
                        continue
                    at = int(self.clock.time() * 1000)
                    for result in results:
                        probe.last = result
                        self.results.put((at, result))
                    self.wake.set()
            self.clock.wait(self.stop_event, max(min(due.values()) - self.clock.monotonic(), 0.05) if due else 1.0)

    def drain(self) -> list[tuple[int, ProbeResult]]:
        out = []
        while True:
            try:
                out.append(self.results.get_nowait())
            except queue.Empty:
                return out
