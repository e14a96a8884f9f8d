"""What matching produces: the matches of one record, the meaning of a match (``evaluate``)
and the matcher's counters."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Container
from dataclasses import dataclass, field
from typing import Any

from logsentinel.records.blocks import Record
from logsentinel.signatures.model import DEFAULT_MATCH_TIMEOUT_S, Signature


@dataclass(frozen=True)
class Match:
    signature: Signature
    kind: str  # "hit", "resolve", "heartbeat", or "radar" (an error record no signature took)
    fields: dict[str, Any]


@dataclass(frozen=True)
class MatchedRecord:
    record: Record
    matches: tuple[Match, ...]


@dataclass
class SignatureStats:
    hits: int = 0
    resolves: int = 0
    heartbeats: int = 0
    candidates: int = 0
    timeouts: int = 0
    seconds: float = 0.0
    last_hit: int | None = None


@dataclass
class MatchStats:
    per_signature: dict[str, Any] = field(default_factory=lambda: defaultdict(SignatureStats))
    blocks: int = 0
    bytes: int = 0
    lines: int = 0
    scan_seconds: float = 0.0


def evaluate(
    sig: Signature,
    text: str,
    timeout: float | None = DEFAULT_MATCH_TIMEOUT_S,
    attrs: dict[str, Any] | None = None,
    only: Container[int] | None = None,
) -> list[Match]:
    """The matches of one signature on one record (raises TimeoutError from a slow regex);
    ``attrs``: an event-log record's fields; ``only``: the ``id()`` of the regexes a block
    scanner found possible in the record (None: all of them)."""
    out = []
    fields = sig.hit(text, timeout, attrs, only)
    if fields is not None:
        out.append(Match(sig, "hit", fields))
    elif sig.resolve:
        captured = sig.resolves(text, timeout, attrs, only)
        if captured is not None:
            out.append(Match(sig, "resolve", captured))
    if sig.absent is not None and sig.heartbeat(text, timeout, only):
        out.append(Match(sig, "heartbeat", {}))
    return out
