"""A token bucket: a sink's rate limit (e.g. PagerDuty's 120 events a minute per key)."""

from __future__ import annotations

from collections.abc import Callable


class TokenBucket:
    """``per_minute`` tokens a minute, at most a minute's worth banked; ``now`` is monotonic."""

    def __init__(self, per_minute: float, now: Callable[[], float]) -> None:
        self.rate = per_minute / 60.0
        self.capacity = max(per_minute, 1.0)
        self.tokens = self.capacity
        self.now = now
        self.t = now()

    def take(self, want: int) -> tuple[int, float]:
        """(granted, seconds until the next token if none was granted)."""
        now = self.now()
        self.tokens = min(self.capacity, self.tokens + (now - self.t) * self.rate)
        self.t = now
        granted = min(want, int(self.tokens))
        self.tokens -= granted
        return granted, (0.0 if granted else (1 - self.tokens) / self.rate)

    def give_back(self, n: int) -> None:
        """Return tokens taken but not used."""
        self.tokens += n
