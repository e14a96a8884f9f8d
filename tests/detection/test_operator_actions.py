"""An operator's actions (issue 23): before them a handled crash stayed overdue for ever, since
nothing but a record could resolve it. An acknowledged event is reported once as
``acknowledged`` and never escalates; a resolved one is closed with a ``resolved`` report that
names who resolved it; both survive the state's snapshot."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from support.detection import demo_sig, hit
from support.strategies import make_rx

from logsentinel.detection.actions import OperatorAction, apply_action
from logsentinel.detection.detector import Detector
from logsentinel.matching.model import Match, MatchedRecord
from logsentinel.records.blocks import Record
from logsentinel.signatures.model import Absent

T0 = 1_764_230_400_000
S = 1000


sig = demo_sig


def test_without_an_action_a_crash_with_no_resolve_stays_open_and_overdue():
    s = sig()
    det = Detector([s], "h")
    hit(det, s, T0)
    out = det.advance(T0 + 30 * 86400 * S)
    assert [e.report for e in out] == ["overdue"]
    assert len(det.open) == 1  # a month later: still open, still red


def test_an_acknowledged_event_reports_once_and_never_escalates():
    s = sig()
    det = Detector([s], "h", escalation_repeat_s=300)
    (fired,) = hit(det, s, T0)
    out = apply_action(det, OperatorAction("ack", fired.id[:8], "alice", T0 + 60 * S, "on it"))
    assert out.ok, out.text
    assert [(e.report, e.acknowledged_by, e.note, e.status) for e in out.reports] == [
        ("acknowledged", "alice", "on it", "firing")
    ]
    data = out.reports[0].to_dict()
    assert data["acknowledged_by"] == "alice" and data["acknowledged_at"].startswith("2025-11-27T08:01:00")
    again = apply_action(det, OperatorAction("ack", fired.id, "bob", T0 + 90 * S))
    assert again.ok and again.reports == [] and "already acknowledged by alice" in again.text
    hit(det, s, T0 + 3000 * S)  # it goes on happening: no overdue report, no escalation repeats
    assert det.advance(T0 + 86400 * S) == []
    assert len(det.open) == 1  # taken, it stays open until someone (or a record) resolves it


def test_an_event_already_overdue_stops_escalating_once_acknowledged():
    s = sig()
    det = Detector([s], "h", escalation_repeat_s=300)
    (fired,) = hit(det, s, T0)
    assert [e.report for e in det.advance(T0 + 700 * S)] == ["overdue"]
    apply_action(det, OperatorAction("ack", fired.id, "alice", T0 + 800 * S))
    assert det.advance(T0 + 10_000 * S) == []


def test_a_resolve_by_hand_closes_the_event_and_names_who():
    s = sig()
    det = Detector([s], "h")
    (fired,) = hit(det, s, T0)
    det.advance(T0 + 700 * S)
    out = apply_action(det, OperatorAction("resolve", fired.id, "alice", T0 + 900 * S, "service restarted"))
    assert out.ok
    (rep,) = out.reports
    assert (rep.report, rep.status, rep.resolved_by, rep.resolved_at, rep.overdue) == (
        "resolved",
        "resolved",
        "alice",
        T0 + 900 * S,
        True,
    )
    assert det.open == {} and det.advance(T0 + 86400 * S) == []
    # the same thing failing again later is a new event
    assert [e.report for e in hit(det, s, T0 + 2000 * S)] == ["fired"]


def test_resolving_an_absence_rearms_its_timer_instead_of_firing_at_once():
    s = sig(match=(), absent=Absent((make_rx("beat"),), 60.0))
    det = Detector([s], "h")
    hit(det, s, T0, kind="heartbeat")
    (fired,) = det.advance(T0 + 61 * S)
    out = apply_action(det, OperatorAction("resolve", fired.id, "alice", T0 + 100 * S))
    assert [e.report for e in out.reports] == ["resolved"]
    assert det.advance(T0 + 150 * S) == []
    assert [(e.report, e.detected_at) for e in det.advance(T0 + 161 * S)] == [("fired", T0 + 160 * S)]


def test_an_unknown_short_or_ambiguous_id_changes_nothing():
    s = sig(dedup_by=("k",))
    det = Detector([s], "h")
    for i in range(2):
        det.process(MatchedRecord(Record("x", T0, i, "src", "a.log"), (Match(s, "hit", {"k": str(i)}),)))
    one, two = det.open.values()
    one.id, two.id = "abcdef01" + one.id[8:], "abcdef02" + two.id[8:]  # two ids alike up to 6 characters
    before = {k: dict(vars(e)) for k, e in det.open.items()}
    for target, why in (
        ("0123456789ab", "no open event"),
        ("abc", "too short"),
        ("ABCDEF", "2 open events have ids starting 'abcdef'"),
    ):
        out = apply_action(det, OperatorAction("ack", target, "alice", T0))
        assert not out.ok and out.reports == [] and why in out.text
    assert {k: vars(e) for k, e in det.open.items()} == before
    assert apply_action(det, OperatorAction("ack", "ABCDEF02", "alice", T0)).event_id == two.id


def test_actions_survive_the_snapshot():
    s = sig()
    det = Detector([s], "h")
    (fired,) = hit(det, s, T0)
    apply_action(det, OperatorAction("ack", fired.id, "alice", T0 + 10 * S, "looking"))
    again = Detector([s], "h")
    again.restore(det.snapshot())
    (ev,) = again.open.values()
    assert (ev.acknowledged_by, ev.note) == ("alice", "looking")
    assert again.advance(T0 + 86400 * S) == []


@given(at=st.integers(min_value=0, max_value=10**6), ack_first=st.booleans())
def test_a_resolved_event_always_ends_once_whatever_the_order(at, ack_first):
    s = sig()
    det = Detector([s], "h", escalation_repeat_s=60)
    (fired,) = hit(det, s, T0)
    reports = det.advance(T0 + at)
    if ack_first:
        reports += apply_action(det, OperatorAction("ack", fired.id, "a", T0 + at)).reports
    reports += apply_action(det, OperatorAction("resolve", fired.id, "a", T0 + at)).reports
    reports += det.advance(T0 + at + 10**7)
    assert [e.report for e in reports].count("resolved") == 1
    assert reports[-1].report == "resolved" and reports[-1].resolved_at >= T0
    assert all(e.report != "overdue" or e.reported_at <= T0 + at for e in reports)
