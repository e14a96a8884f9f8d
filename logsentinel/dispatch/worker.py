"""Dispatch: one thread per sink delivers that sink's outbox queue, highest priority first.

A sink that fails does not hold the others back: each has its own queue and thread, and the
detection loop only ever writes to the outbox. Failures are retried by tenacity without end
while the report is pending: exponential backoff with jitter, capped, and the receiver's
``Retry-After`` honoured on 429 and 503. Each attempt takes the queue afresh, so a P1 that
arrives meanwhile goes first. A permanent refusal (4xx other than 408/429) moves the report to
the dead-letter list with the status and body. A sink may have a rate limit (token bucket).
"""

from __future__ import annotations

import logging
import threading
import time

import tenacity

from logsentinel.sinks import DeliveryError, Sink
from logsentinel.app.state import State

log = logging.getLogger("logsentinel.dispatch")

BACKOFF_INITIAL = 0.5
BACKOFF_CAP = 60.0
RETRY_AFTER_CAP = 600.0


class TokenBucket:
    """``rate`` tokens a minute, at most a minute's worth banked."""

    def __init__(self, per_minute: float, clock=time.monotonic):
        self.rate = per_minute / 60.0
        self.capacity = max(per_minute, 1.0)
        self.tokens = self.capacity
        self.clock = clock
        self.t = clock()

    def take(self, want: int) -> tuple[int, float]:
        """(granted, seconds until the next token if none was granted)."""
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.t) * self.rate)
        self.t = now
        granted = min(want, int(self.tokens))
        self.tokens -= granted
        return granted, (0.0 if granted else (1 - self.tokens) / self.rate)


class _wait_retry_after(tenacity.wait.wait_base):
    """The receiver's Retry-After when it gave one, else exponential backoff with jitter."""

    def __init__(self, cap: float = BACKOFF_CAP):
        self.backoff = tenacity.wait_exponential_jitter(multiplier=min(BACKOFF_INITIAL, cap), max=cap)

    def __call__(self, retry_state) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, DeliveryError) and exc.retry_after is not None:
            return min(exc.retry_after, RETRY_AFTER_CAP)
        return self.backoff(retry_state)


class SinkWorker(threading.Thread):
    def __init__(self, sink: Sink, state_path, stop: threading.Event, host: str = "",
                 heartbeat_s: float | None = None):
        super().__init__(name=f"sink-{sink.name}", daemon=True)
        self.sink = sink
        self.state_path = state_path
        self.stop_event = stop
        self.wake = threading.Event()
        self.host = host
        self.heartbeat_s = heartbeat_s
        self.bucket = TokenBucket(sink.rate_per_min) if sink.rate_per_min else None
        self.delivered = 0
        self.failed = 0
        self.dead = 0
        self.last_ok: float | None = None
        self.last_error: str | None = None
        self._next_heartbeat = 0.0
        self._wait_hint = 1.0

    # ---- loop ------------------------------------------------------------------------
    def run(self) -> None:
        state = State(self.state_path)
        try:
            self.sink.recover(state)
            retrying = tenacity.Retrying(
                retry=tenacity.retry_if_exception(lambda e: isinstance(e, DeliveryError) and not e.permanent),
                wait=_wait_retry_after(float(self.sink.cfg.get("backoff_max", BACKOFF_CAP))),
                stop=tenacity.stop_when_event_set(self.stop_event),
                sleep=self._sleep,
                before_sleep=self._log_retry,
                reraise=True,
            )
            while True:
                try:
                    sent = retrying(self._once, state)
                except DeliveryError:
                    sent = 0  # stopping while the sink is down: what is pending stays pending
                except Exception:  # e.g. the state database locked or full: never let the thread die
                    log.exception("sink %s: delivery loop failed; retrying in a second", self.sink.name)
                    self.stop_event.wait(1.0)
                    try:
                        self.sink.recover(state)  # drop a half-confirmed batch before sending it again
                    except Exception:
                        log.exception("sink %s: recovery failed", self.sink.name)
                    sent = 0
                self._housekeeping(state)
                if self.stop_event.is_set() and not sent:
                    break
                if not sent:
                    self.wake.wait(timeout=self._wait_hint)
                    self.wake.clear()
        finally:
            state.close()
            self.sink.close()

    def _sleep(self, seconds: float) -> None:
        self.stop_event.wait(seconds)

    def _log_retry(self, retry_state) -> None:
        exc = retry_state.outcome.exception()
        log.warning("sink %s: %s; retry %d in %.1fs", self.sink.name, exc, retry_state.attempt_number,
                    retry_state.upcoming_sleep)

    def _once(self, state: State) -> int:
        """Deliver one batch of the queue. Returns how many were delivered (0: nothing due)."""
        self._wait_hint = 1.0
        want = self.sink.batch
        if self.bucket is not None:
            want, wait = self.bucket.take(want)
            if not want:
                self._wait_hint = max(wait, 0.01)
                return 0
        rows = state.pending(self.sink.name, want)
        if self.bucket is not None and len(rows) < want:
            self.bucket.tokens += want - len(rows)  # give back what was not used
        if not rows:
            return 0
        seqs = [r[0] for r in rows]
        try:
            extra = self.sink.deliver([r[1] for r in rows], state)
        except DeliveryError as exc:
            self.last_error = str(exc)
            with state.transaction() as db:
                state.mark_failed(db, seqs, str(exc)[:1000], dead=exc.permanent)
            if exc.permanent:
                self.dead += len(rows)
                log.error("sink %s: %d report(s) refused for good, moved to the dead letters: %s "
                          "(logsentinel outbox --retry sends them again)", self.sink.name, len(rows), exc)
                return len(rows)
            self.failed += len(rows)
            raise
        with state.transaction() as db:
            state.mark_delivered(db, seqs)
            for key, value in (extra or {}).items():
                state.set_sink_state(db, self.sink.name, key, value)
        self.delivered += len(rows)
        self.last_ok = time.time()
        self.last_error = None
        return len(rows)

    def _housekeeping(self, state: State) -> None:
        """Re-posts the receiver expects (Alertmanager) and heartbeats; failures only logged."""
        now = time.time()
        try:
            extra = self.sink.tick(state, now)
            if extra:
                with state.transaction() as db:
                    for key, value in extra.items():
                        state.set_sink_state(db, self.sink.name, key, value)
        except DeliveryError as exc:
            log.warning("sink %s: re-posting open alerts failed: %s", self.sink.name, exc)
        if self.heartbeat_s and now >= self._next_heartbeat:
            self._next_heartbeat = now + self.heartbeat_s
            try:
                self.sink.heartbeat(self.host, now, self.heartbeat_s)
            except DeliveryError as exc:
                log.warning("sink %s: heartbeat failed: %s", self.sink.name, exc)


class Dispatcher:
    def __init__(self, sinks: list[Sink], state_path, host: str = "", heartbeat_s: float | None = None):
        self.stop_event = threading.Event()
        self.workers = [SinkWorker(s, state_path, self.stop_event, host, heartbeat_s) for s in sinks]

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
        deadline = time.monotonic() + timeout
        for w in self.workers:
            w.join(timeout=max(deadline - time.monotonic(), 0.1))
