"""The token bucket of a rate-limited sink, driven by a clock the test moves."""

from __future__ import annotations

from support.clock import FakeClock

from logsentinel.dispatch.ratelimit import TokenBucket


def test_token_bucket():
    clock = FakeClock()
    bucket = TokenBucket(120, clock.monotonic)
    assert bucket.take(200) == (120, 0.0)  # a minute's worth banked
    granted, wait = bucket.take(1)
    assert granted == 0 and 0.4 < wait <= 0.5
    clock.advance(1.0)
    assert bucket.take(10)[0] == 2
    bucket.give_back(2)
    assert bucket.take(10)[0] == 2
