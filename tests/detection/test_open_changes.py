"""The open events written a row each (issue 21, item 13): whatever the detector does (hits
folding in, thresholds, resolves, auto-resolve, repeats, overdue, absence, a quiet close), the
rows that ``take_changes`` leaves are exactly its open events, as a full snapshot would write
them, and a restore from those rows changes nothing."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st
from support.strategies import make_rx

from logsentinel.detection.detector import Detector
from logsentinel.matching.model import Match, MatchedRecord
from logsentinel.records.blocks import Record
from logsentinel.signatures.model import Absent, Signature, Threshold

MIN = 60_000
T0 = 1_764_230_400_000


def _sig(id: str, **kw) -> Signature:
    base = {
        "id": id,
        "title": id,
        "priority": "P2",
        "response_time_s": 2 * 3600,
        "category": "anomaly",
        "match": (make_rx("x"),),
        "dedup_window_s": 30 * 60.0,
        "dedup_by": ("n",),
    }
    base.update(kw)
    return Signature(**base)


SIGS = [
    _sig("plain"),
    _sig("resolving", resolve=(make_rx("ok"),), auto_resolve_s=20 * 60.0, repeat_s=5 * 60.0),
    _sig("counted", threshold=Threshold(2, 10 * 60.0)),
    _sig("heartbeat", match=(), dedup_by=(), absent=Absent((make_rx("beat"),), 15 * 60.0, "seen")),
]

steps = st.lists(
    st.tuples(
        st.sampled_from([0, MIN, 6 * MIN, 25 * MIN, 45 * MIN, 130 * MIN]),  # time passed before the step
        st.sampled_from(["hit", "resolve", "heartbeat", "tick"]),
        st.integers(0, len(SIGS) - 1),
        st.integers(0, 3),  # the dedup field's value
    ),
    max_size=40,
)


def _apply(rows: dict, det: Detector) -> None:
    changes = det.open.take_changes()
    if changes.rewrite:
        rows.clear()
    for key in changes.deletes:
        rows.pop(key, None)
    for ev in changes.upserts:
        rows[ev.dedup_key] = copy.deepcopy(vars(ev))


@settings(max_examples=300, deadline=None)
@given(steps)
def test_rows_follow_the_open_events(plan):
    det = Detector(SIGS, "h")
    rows: dict = {}
    t = T0
    for i, (gap, kind, which, n) in enumerate(plan, 1):
        t += gap
        sig = SIGS[which]
        if kind == "tick":
            det.advance(t)
        else:
            if sig.absent is not None:
                kind = "heartbeat"
            elif kind == "heartbeat" or (kind == "resolve" and not sig.resolve):
                kind = "hit"
            fields = {} if kind == "heartbeat" or not sig.dedup_by else {"n": str(n)}
            det.process(MatchedRecord(Record("x", t, i, "src", "/log"), (Match(sig, kind, fields),)))
        if i % 3 == 0:  # commits do not come after every record
            _apply(rows, det)
    _apply(rows, det)
    assert rows == {k: vars(ev) for k, ev in det.open.items()}

    again = Detector(SIGS, "h")
    snap = det.snapshot(with_open=False)
    again.restore(dict(snap, open=list(rows.values())), rewrite=False)
    assert again.open.take_changes().upserts == [] and {k: vars(e) for k, e in again.open.items()} == rows
