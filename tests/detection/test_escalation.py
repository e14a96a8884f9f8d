"""Escalation: an event still firing when its response deadline passes is reported once as
``overdue`` (and carries ``overdue: true`` from then on); again every ``escalation.repeat`` if
set; never when it was resolved or closed in time."""

from __future__ import annotations

from support.detection import demo_sig, hit
from support.strategies import make_rx

from logsentinel.detection.detector import Detector
from logsentinel.signatures.model import Absent, Signature

T0 = 1_764_230_400_000
S = 1000


def sig(**kw) -> Signature:
    return demo_sig(**{"resolve": (make_rx("ok"),), **kw})


def test_one_overdue_report_when_the_deadline_passes_while_firing():
    s = sig()
    det = Detector([s], "h")
    hit(det, s, T0)
    assert det.advance(T0 + 600 * S) == []  # the deadline itself: still in time
    out = det.advance(T0 + 3000 * S)
    assert [(e.report, e.reported_at, e.overdue, e.status) for e in out] == [("overdue", T0 + 600 * S, True, "firing")]
    assert det.advance(T0 + 3500 * S) == []  # once
    assert out[0].to_dict()["overdue"] is True
    out = hit(det, s, T0 + 3600 * S, kind="resolve")
    assert [(e.report, e.overdue) for e in out] == [("resolved", True)]


def test_resolved_at_the_deadline_is_in_time():
    s = sig()
    det = Detector([s], "h")
    hit(det, s, T0)
    out = hit(det, s, T0 + 600 * S, kind="resolve")
    assert [(e.report, e.overdue) for e in out] == [("resolved", False)]
    assert det.advance(T0 + 5000 * S) == []


def test_escalation_repeat_reports_again_while_it_stays_open():
    s = sig()
    det = Detector([s], "h", escalation_repeat_s=300)
    hit(det, s, T0)
    out = det.advance(T0 + 1500 * S)
    assert [(e.report, e.reported_at) for e in out] == [
        ("overdue", T0 + 600 * S),
        ("overdue", T0 + 900 * S),
        ("overdue", T0 + 1200 * S),
    ]


def test_an_absence_becomes_overdue_too():
    s = sig(match=(), resolve=(), absent=Absent((make_rx("beat"),), 60.0))
    det = Detector([s], "h")
    hit(det, s, T0, kind="heartbeat")
    out = det.advance(T0 + 60 * S + 600 * S + 1)
    assert [(e.report, e.kind) for e in out] == [("fired", "absent"), ("overdue", "absent")]


def test_overdue_survives_a_snapshot():
    s = sig()
    det = Detector([s], "h")
    hit(det, s, T0)
    det.advance(T0 + 700 * S)
    again = Detector([s], "h")
    again.restore(det.snapshot())
    assert again.advance(T0 + 2000 * S) == [] and next(iter(again.open.values())).overdue


def test_an_end_at_the_same_millisecond_wins_over_overdue():
    s = sig(auto_resolve_s=600.001)  # resolves the very millisecond the deadline has passed
    det = Detector([s], "h")
    hit(det, s, T0)
    assert [e.report for e in det.advance(T0 + 5000 * S)] == ["resolved"]


def test_overdue_and_a_repeat_due_together_make_one_report():
    s = sig(repeat_s=600.001)  # the repeat falls due with the overdue report
    det = Detector([s], "h")
    hit(det, s, T0)
    hit(det, s, T0 + 10 * S)
    out = det.advance(T0 + 700 * S)
    assert [(e.report, e.count) for e in out] == [("overdue", 2)]


def test_an_escalation_and_a_repeat_due_together_make_one_report():
    s = sig(repeat_s=300.001)
    det = Detector([s], "h", escalation_repeat_s=300)
    hit(det, s, T0)
    assert [e.report for e in det.advance(T0 + 650 * S)] == ["overdue"]
    hit(det, s, T0 + 700 * S)
    assert [(e.report, e.count) for e in det.advance(T0 + 950 * S)] == [("overdue", 2)]


def test_a_single_hit_with_the_default_window_becomes_overdue_and_stays_open():
    """The dedup window defaults to the response time, so a lone hit's window closes at its
    deadline: the event is overdue then, not quietly closed, and waits for its resolve."""
    s = sig(dedup_window_s=600.0)
    det = Detector([s], "h")
    hit(det, s, T0)
    assert [(e.report, e.reported_at) for e in det.advance(T0 + 601 * S)] == [("overdue", T0 + 600 * S)]
    assert det.advance(T0 + 100_000 * S) == [] and len(det.open) == 1
    assert [e.report for e in hit(det, s, T0 + 100_001 * S, kind="resolve")] == ["resolved"]
