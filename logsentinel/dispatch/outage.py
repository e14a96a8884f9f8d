"""What the log says while a sink is down: one short line when it goes down, a summary every
few minutes while it stays down, and one line when it has caught up again.

Each retry used to log urllib3's 300-character message; a sink down for an hour filled the log.
``Outage`` only counts and decides what to say; the worker logs it.
"""

from __future__ import annotations

from dataclasses import dataclass

SUMMARY_EVERY_S = 300.0


@dataclass
class Outage:
    sink: str
    summary_every_s: float = SUMMARY_EVERY_S
    down_since: float | None = None  # first failure of this outage
    attempts: int = 0
    reason: str = ""
    said_at: float = 0.0
    back_at: float | None = None  # first success after the outage: catching up
    delivered: int = 0  # delivered since then

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def failed(self, now: float, reason: str, retry_in: float) -> str | None:
        """A delivery failed; returns the line to log, if any."""
        self.attempts += 1
        self.reason = reason
        self.back_at = None
        if self.down_since is None:
            self.down_since, self.said_at, self.delivered = now, now, 0
            return (
                f"sink {self.sink} is down: {reason}; retrying (next in {retry_in:.1f}s), a summary every "
                f"{self.summary_every_s / 60:g} min"
            )
        if now - self.said_at >= self.summary_every_s:
            self.said_at = now
            return (
                f"sink {self.sink} still down after {now - self.down_since:.0f}s, {self.attempts} attempts; "
                f"last: {reason}"
            )
        return None

    def succeeded(self, now: float, count: int) -> None:
        if self.down_since is not None:
            if self.back_at is None:
                self.back_at = now
            self.delivered += count

    def caught_up(self, now: float) -> str | None:
        """Nothing more is due: after an outage, the recovery line (once)."""
        if self.down_since is None or self.back_at is None:
            return None
        line = (
            f"sink {self.sink} recovered after {self.back_at - self.down_since:.0f}s down, "
            f"{self.delivered} report(s) delivered since ({self.attempts} failed attempts)"
        )
        self.down_since, self.back_at, self.attempts, self.delivered = None, None, 0, 0
        return line
