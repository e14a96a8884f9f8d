"""A demo signature and one matched record, for tests that drive the detector by hand."""

from __future__ import annotations

from logsentinel.matching.model import Match, MatchedRecord
from logsentinel.records.blocks import Record
from logsentinel.signatures.model import Signature
from support.strategies import make_rx


def demo_sig(**kw) -> Signature:
    """Signature ``s``: P1, a 10-minute response time, an hour's dedup window, matching "x"."""
    base = {
        "id": "s",
        "title": "S",
        "priority": "P1",
        "response_time_s": 600,
        "category": "anomaly",
        "match": (make_rx("x"),),
        "dedup_window_s": 3600.0,
    }
    base.update(kw)
    return Signature(**base)


def hit(det, s, t, kind="hit"):
    """One record at ``t`` that ``s`` hits (or resolves, or beats the heart of)."""
    return det.process(MatchedRecord(Record("x", t, 1, "src", "a.log"), (Match(s, kind, {}),)))
