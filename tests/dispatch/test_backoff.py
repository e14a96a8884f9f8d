"""The wait between delivery attempts (issue 11, sinks): exponential backoff with jitter, the
receiver's Retry-After when it gives one, and a Retry-After starts the backoff afresh."""

from __future__ import annotations

from types import SimpleNamespace

import tenacity

from logsentinel.dispatch.worker import BACKOFF_INITIAL, _wait_retry_after
from logsentinel.sinks.base import DeliveryError

JITTER = 1.0  # tenacity's wait_exponential_jitter adds up to a second


def _attempt(n: int, exc: DeliveryError):
    outcome = tenacity.Future(n)
    outcome.set_exception(exc)
    return SimpleNamespace(attempt_number=n, outcome=outcome)


def test_a_retry_after_starts_the_backoff_afresh():
    wait = _wait_retry_after(cap=60.0)
    down = DeliveryError("http://x/: cannot connect")
    waits = [wait(_attempt(n, down)) for n in range(1, 8)]
    assert waits[-1] >= BACKOFF_INITIAL * 2**6  # grown towards the cap
    assert wait(_attempt(8, DeliveryError("http://x/: HTTP 503", retry_after=2.0))) == 2.0
    after = wait(_attempt(9, down))  # the receiver said when it is back: start over
    assert after <= BACKOFF_INITIAL + JITTER
    assert wait(_attempt(10, down)) <= BACKOFF_INITIAL * 2 + JITTER


def test_a_new_round_of_retries_starts_from_the_beginning():
    wait = _wait_retry_after(cap=60.0)
    wait(_attempt(5, DeliveryError("http://x/: HTTP 429", retry_after=1.0)))
    assert wait(_attempt(1, DeliveryError("http://x/: cannot connect"))) <= BACKOFF_INITIAL + JITTER
    assert wait(_attempt(6, DeliveryError("http://x/: cannot connect"))) >= BACKOFF_INITIAL * 2**5
