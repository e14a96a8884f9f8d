"""Dispatch: one thread per sink delivers that sink's outbox queue, highest priority first.

A sink that fails does not hold the others back: each has its own queue and thread, and the
detection loop only ever writes to the outbox. Failures are retried by tenacity without end
while the report is pending: exponential backoff with jitter, capped, and the receiver's
``Retry-After`` honoured on 429 and 503. Each attempt takes the queue afresh, so a P1 that
arrives meanwhile goes first. A permanent refusal (4xx other than 408/429) moves the report to
the dead-letter list with the status and body. A sink may have a rate limit (token bucket).
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import tenacity

from logsentinel.clock import SYSTEM, Clock
from logsentinel.dispatch.outage import Outage
from logsentinel.dispatch.outbox import Outbox
from logsentinel.dispatch.ratelimit import TokenBucket
from logsentinel.sinks.base import DeliveryError, Sink

log = logging.getLogger("logsentinel.dispatch")

BACKOFF_INITIAL = 0.5
BACKOFF_CAP = 60.0
RETRY_AFTER_CAP = 600.0
IDLE_WAIT_S = 1.0


class _wait_retry_after(tenacity.wait.wait_base):
    """The receiver's Retry-After when it gave one, else exponential backoff with jitter. A
    Retry-After starts the backoff afresh: the receiver said when it is back, so the failures
    before it say nothing about the next wait."""

    def __init__(self, cap: float = BACKOFF_CAP) -> None:
        self.backoff = tenacity.wait_exponential_jitter(multiplier=min(BACKOFF_INITIAL, cap), max=cap)
        self._since = 0  # the attempt whose Retry-After restarted the backoff

    def __call__(self, retry_state) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, DeliveryError) and exc.retry_after is not None:
            self._since = retry_state.attempt_number
            return min(exc.retry_after, RETRY_AFTER_CAP)
        if retry_state.attempt_number <= self._since:  # a new round of retries began
            self._since = 0
        # tenacity's wait strategies read only attempt_number: the count since this round began
        since = SimpleNamespace(attempt_number=retry_state.attempt_number - self._since)
        return self.backoff(cast("tenacity.RetryCallState", since))


@dataclass
class SinkCounters:
    """What one sink's worker did (read by metrics and readiness)."""

    delivered: int = 0
    failed: int = 0
    dead: int = 0
    last_ok: float | None = None
    last_error: str | None = None


class SinkWorker(threading.Thread):
    def __init__(
        self,
        sink: Sink,
        state_path: Path,
        stop: threading.Event,
        host: str = "",
        heartbeat_s: float | None = None,
        clock: Clock = SYSTEM,
    ) -> None:
        super().__init__(name=f"sink-{sink.name}", daemon=True)
        self.sink = sink
        self.state_path = state_path
        self.stop_event = stop
        self.wake = threading.Event()
        self.host = host
        self.heartbeat_s = heartbeat_s
        self.clock = clock
        self.bucket = TokenBucket(sink.rate_per_min, clock.monotonic) if sink.rate_per_min else None
        self.counters = SinkCounters()
        self.outage = Outage(sink.name)
        self._next_heartbeat = 0.0
        self._wait_hint = IDLE_WAIT_S

    # ---- loop ------------------------------------------------------------------------
    def _sleep(self, seconds: float) -> None:
        self.clock.wait(self.stop_event, seconds)

    def run(self) -> None:
        outbox = Outbox.open(self.state_path)
        store = outbox.sink_store(self.sink.name)
        try:
            self.sink.recover(store)
            retrying = tenacity.Retrying(
                retry=tenacity.retry_if_exception(lambda e: isinstance(e, DeliveryError) and not e.permanent),
                wait=_wait_retry_after(self.sink.backoff_max),
                stop=tenacity.stop_when_event_set(self.stop_event),
                sleep=self._sleep,
                before_sleep=self._log_retry,
                reraise=True,
            )
            while True:
                try:
                    sent = retrying(self.deliver_once, outbox)
                except DeliveryError:
                    sent = 0  # stopping while the sink is down: what is pending stays pending
                except Exception:  # e.g. the state database locked or full: never let the thread die
                    log.exception("sink %s: delivery loop failed; retrying in a second", self.sink.name)
                    self.clock.wait(self.stop_event, 1.0)
                    self._recover(store)
                    sent = 0
                self._housekeeping(store)
                if self.stop_event.is_set() and not sent:
                    break
                if not sent:
                    self.clock.wait(self.wake, self._wait_hint)
                    self.wake.clear()
        finally:
            outbox.close()
            self.sink.close()

    def _recover(self, store) -> None:
        try:
            self.sink.recover(store)  # drop a half-confirmed batch before sending it again
        except Exception:
            log.exception("sink %s: recovery failed", self.sink.name)

    def _log_retry(self, retry_state) -> None:
        exc = retry_state.outcome.exception()
        line = self.outage.failed(self.clock.time(), str(exc), retry_state.upcoming_sleep)
        if line:
            log.warning("%s", line)
        else:
            log.debug(
                "sink %s: %s; retry %d in %.1fs",
                self.sink.name,
                exc,
                retry_state.attempt_number,
                retry_state.upcoming_sleep,
            )

    def deliver_once(self, outbox: Outbox) -> int:
        """Deliver one batch of the queue. Returns how many were taken (0: nothing due)."""
        self._wait_hint = IDLE_WAIT_S
        want = self.sink.batch
        if self.bucket is not None:
            want, wait = self.bucket.take(want)
            if not want:
                self._wait_hint = max(wait, 0.01)
                return 0
        rows = outbox.pending(self.sink.name, want, self.clock.time())
        if self.bucket is not None and len(rows) < want:
            self.bucket.give_back(want - len(rows))
        if not rows:
            line = self.outage.caught_up(self.clock.time())
            if line:
                log.warning("%s", line)
            return 0
        damaged = [r[0] for r in rows if not _readable(r[1])]
        if damaged:  # a row the detection loop did not write (a damaged state): never sent as it is
            with outbox.transaction() as db:
                outbox.mark_failed(db, damaged, "damaged in the state database: not an event's JSON", dead=True)
            log.error(
                "sink %s: %d damaged report(s) in the state database (not an event's JSON) moved to the dead letters",
                self.sink.name,
                len(damaged),
            )
            rows = [r for r in rows if r[0] not in set(damaged)]
            if not rows:
                return len(damaged)
        seqs = [r[0] for r in rows]
        try:
            extra = self.sink.deliver([r[1] for r in rows], outbox.sink_store(self.sink.name))
        except DeliveryError as exc:
            return self._failed(outbox, seqs, exc)
        with outbox.transaction() as db:
            outbox.mark_delivered(db, seqs)
            for key, value in (extra or {}).items():
                outbox.set_sink_state(db, self.sink.name, key, value)
        c = self.counters
        c.delivered += len(rows)
        c.last_ok = self.clock.time()
        c.last_error = None
        self.outage.succeeded(c.last_ok, len(rows))
        return len(rows)

    def _failed(self, outbox: Outbox, seqs: list[int], exc: DeliveryError) -> int:
        self.counters.last_error = str(exc)
        with outbox.transaction() as db:
            outbox.mark_failed(db, seqs, str(exc)[:1000], dead=exc.permanent)
        if exc.permanent:
            self.counters.dead += len(seqs)
            log.error(
                "sink %s: %d report(s) refused for good, moved to the dead letters: %s "
                "(logsentinel outbox --retry sends them again)",
                self.sink.name,
                len(seqs),
                exc,
            )
            return len(seqs)
        self.counters.failed += len(seqs)
        raise exc

    def _housekeeping(self, store) -> None:
        """Re-posts the receiver expects (Alertmanager) and heartbeats; failures only logged."""
        now = self.clock.time()
        try:
            for key, value in (self.sink.tick(store, now) or {}).items():
                store.put(key, value)
        except DeliveryError as exc:
            log.warning("sink %s: re-posting open alerts failed: %s", self.sink.name, exc)
        if self.heartbeat_s and now >= self._next_heartbeat:
            self._next_heartbeat = now + self.heartbeat_s
            try:
                self.sink.heartbeat(self.host, now, self.heartbeat_s)
            except DeliveryError as exc:
                log.warning("sink %s: heartbeat failed: %s", self.sink.name, exc)


class Dispatcher:
    """The sink workers of one sidecar."""

    def __init__(
        self,
        sinks: list[Sink],
        state_path: Path,
        host: str = "",
        heartbeat_s: float | None = None,
        clock: Clock = SYSTEM,
    ) -> None:
        self.stop_event = threading.Event()
        self.clock = clock
        self.workers = [SinkWorker(s, state_path, self.stop_event, host, heartbeat_s, clock) for s in sinks]

    @property
    def names(self) -> list[str]:
        return [w.sink.name for w in self.workers]

    @property
    def max_pending(self) -> dict[str, int]:
        return {w.sink.name: w.sink.max_pending for w in self.workers}

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
        deadline = self.clock.monotonic() + timeout
        for w in self.workers:
            w.join(timeout=max(deadline - self.clock.monotonic(), 0.1))


def _readable(report: str) -> bool:
    """True if a queued report is an event's JSON, as the detection loop wrote it."""
    try:
        ev = json.loads(report)
    except (TypeError, ValueError):
        return False
    return isinstance(ev, dict) and isinstance(ev.get("id"), str)
