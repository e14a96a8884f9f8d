"""The matcher as the shells use it: with its caches (compiled scan databases, ``scandb``; regex
facts, ``regexfacts``), the time spent per signature measured, regex timeouts logged. The matcher
itself (``matching``) does no I/O."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from logsentinel.cache.regexfacts import shared
from logsentinel.cache.scandb import DiskCache
from logsentinel.matching.matcher import Matcher
from logsentinel.records.blocks import Record
from logsentinel.signatures.model import DEFAULT_MATCH_TIMEOUT_S, Signature

log = logging.getLogger("logsentinel.matching")


def log_timeout(timeout: float | None):
    def on_timeout(sig: Signature, rec: Record, count: int) -> None:
        if count <= 5 or count % 1000 == 0:
            log.warning(
                "signature %s: regex timed out after %ss on %s line %s (%d so far); record skipped",
                sig.id,
                timeout,
                rec.path,
                rec.line,
                count,
            )

    return on_timeout


_warned_slow = False


def build_matcher(
    signatures: list[Signature],
    engine: str = "auto",
    sources: Sequence[str] = (),
    timeout: float | None = DEFAULT_MATCH_TIMEOUT_S,
) -> Matcher:
    """A matcher with the disk cache, a timer and logged timeouts; the plans of ``sources`` are
    compiled now (before anything is read). Says once when the fast engine is missing."""
    global _warned_slow
    cache = DiskCache()
    cache.forms = shared().forms  # widened forms worked out on earlier starts
    matcher = Matcher(
        signatures,
        engine=engine,
        timeout=timeout,
        cache=cache,
        timer=time.perf_counter,
        on_timeout=log_timeout(timeout),
    )
    if engine == "auto" and matcher.engine != "hyperscan" and not _warned_slow:
        _warned_slow = True
        log.warning(
            "the hyperscan engine is not installed on this platform: matching uses the pure-Python "
            "engine, many times slower on large logs (pip install hyperscan where a wheel exists)"
        )
    for name in sources:
        matcher.plan(name)
    return matcher
