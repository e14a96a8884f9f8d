"""Time boundaries, to the millisecond: the dedup window, auto-resolve, repeat, absence and the
threshold window each end exactly where docs/patterns.md says, and events due at the same time
come out in one order whatever order they were opened in."""

from __future__ import annotations

from support.strategies import make_rx

from logsentinel.detection.detector import Detector
from logsentinel.matching.model import Match, MatchedRecord
from logsentinel.records.blocks import Record
from logsentinel.signatures.model import Absent, Signature, Threshold

T0 = 1_764_230_400_000
S = 1000  # ms


def sig(id="s", **kw) -> Signature:
    base = {
        "id": id,
        "title": id,
        "priority": "P3",
        "response_time_s": 4 * 3600,
        "category": "anomaly",
        "match": (make_rx("x"),),
        "dedup_window_s": 60.0,
    }
    base.update(kw)
    return Signature(**base)


def hit(det: Detector, s: Signature, t: int, kind: str = "hit"):
    return det.process(MatchedRecord(Record("x", t, 1, "src", "app.log"), (Match(s, kind, {}),)))


def test_a_hit_at_the_end_of_the_dedup_window_folds_one_after_opens_a_new_event():
    s = sig()
    det = Detector([s], "h")
    hit(det, s, T0)
    assert hit(det, s, T0 + 60 * S) == []  # last_seen + window: still the same event
    assert det.advance(T0 + 120 * S) == []  # window from the new last_seen: not over
    out = det.advance(T0 + 120 * S + 1)  # 1 ms later: over, closed at its end
    assert [(e.report, e.count, e.reported_at) for e in out] == [("closed", 2, T0 + 120 * S)]
    assert [e.report for e in hit(det, s, T0 + 120 * S + 2)] == ["fired"]


def test_auto_resolve_at_exactly_its_time():
    s = sig(auto_resolve_s=30.0)
    det = Detector([s], "h")
    hit(det, s, T0)
    assert det.advance(T0 + 30 * S - 1) == []
    out = det.advance(T0 + 30 * S)
    assert [(e.report, e.resolved_at) for e in out] == [("resolved", T0 + 30 * S)]


def test_repeat_at_exactly_its_time():
    s = sig(repeat_s=10.0, dedup_window_s=3600.0)
    det = Detector([s], "h")
    hit(det, s, T0)
    hit(det, s, T0 + 1)
    assert det.advance(T0 + 10 * S - 1) == []
    out = det.advance(T0 + 10 * S)
    assert [(e.report, e.count, e.reported_at) for e in out] == [("repeated", 2, T0 + 10 * S)]


def test_absence_fires_at_exactly_its_time():
    s = sig(match=(), absent=Absent((make_rx("beat"),), 60.0))
    det = Detector([s], "h")
    hit(det, s, T0, kind="heartbeat")
    assert det.advance(T0 + 60 * S - 1) == []
    out = det.advance(T0 + 60 * S)
    assert [(e.report, e.detected_at) for e in out] == [("fired", T0 + 60 * S)]


def test_threshold_counts_hits_exactly_within_its_window():
    s = sig(threshold=Threshold(2, 60.0))
    det = Detector([s], "h")
    hit(det, s, T0)
    assert [e.report for e in hit(det, s, T0 + 60 * S)] == ["fired"]  # within: both count
    s2 = sig("t", threshold=Threshold(2, 60.0))
    det = Detector([s2], "h")
    hit(det, s2, T0)
    assert hit(det, s2, T0 + 60 * S + 1) == []  # 1 ms too late


def test_a_threshold_window_is_dropped_only_after_it_ends():
    s = sig(threshold=Threshold(3, 60.0))
    other = sig("u", auto_resolve_s=60.0)  # due at the window's last millisecond: the detector looks then
    det = Detector([s, other], "h")
    hit(det, s, T0)
    hit(det, other, T0)
    assert [e.signature for e in det.advance(T0 + 60 * S)] == ["u"]
    assert [w["times"] for w in det.snapshot()["pending"]] == [[T0]]
    det.advance(T0 + 60 * S + 1)
    assert det.snapshot()["pending"] == []


def test_events_due_at_the_same_time_come_out_in_signature_order():
    a, b = sig("a", auto_resolve_s=30.0), sig("b", auto_resolve_s=30.0)
    for first, second in ((a, b), (b, a)):
        det = Detector([a, b], "h")
        hit(det, first, T0)
        hit(det, second, T0)
        assert [e.signature for e in det.advance(T0 + 30 * S)] == ["a", "b"]


def test_a_clock_that_skips_ahead_reports_what_fine_ticks_would():
    """A repeat due before the window's end is reported, then the close (always: a sink that
    holds the event open learns it ended), whether the clock passes each due time or jumps past
    both at once."""
    s = sig(repeat_s=60.0, dedup_window_s=120.0)

    def run(ticks):
        det = Detector([s], "h")
        hit(det, s, T0)
        hit(det, s, T0 + 30 * S)
        out = []
        for t in ticks:
            out += det.advance(t)
        return [(e.report, e.reported_at) for e in out]

    fine = run(range(T0 + 31 * S, T0 + 200 * S, S))
    assert fine == [("repeated", T0 + 60 * S), ("closed", T0 + 150 * S)]
    assert run([T0 + 200 * S]) == fine


def test_no_repeat_is_reported_after_the_event_ended():
    s = sig(repeat_s=200.0, dedup_window_s=120.0)
    det = Detector([s], "h")
    hit(det, s, T0)
    hit(det, s, T0 + 30 * S)
    out = det.advance(T0 + 400 * S)  # the repeat would be due at T0+200s: the window closed at T0+150s
    assert [(e.report, e.reported_at) for e in out] == [("closed", T0 + 150 * S)]


def test_a_repeat_due_as_the_event_resolves_is_not_reported():
    s = sig(repeat_s=30.0, auto_resolve_s=20.0, dedup_window_s=3600.0)
    det = Detector([s], "h")
    hit(det, s, T0)
    hit(det, s, T0 + 10 * S)
    assert [e.report for e in det.advance(T0 + 60 * S)] == ["resolved"]
