"""Detection: folding, quiet gaps, thresholds, resolve, absence, auto-resolve; deterministic ids."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from support.strategies import make_rx

from logsentinel.detection.detector import Detector
from logsentinel.matching.matcher import Match, MatchedRecord
from logsentinel.records.blocks import Record
from logsentinel.signatures.model import Absent, Signature, Threshold

MIN = 60_000
T0 = 1_764_230_400_000  # 2025-11-27T08:00:00Z


def sig(**kw) -> Signature:
    base = {
        "id": "s",
        "title": "S",
        "priority": "P3",
        "response_time_s": 4 * 3600,
        "category": "anomaly",
        "match": (make_rx("x"),),
        "dedup_window_s": 4 * 3600.0,
    }
    base.update(kw)
    return Signature(**base)


def rec(t: int, line: int = 1, text: str = "x") -> Record:
    return Record(text, t, line, "src", "/var/log/app.log")


def feed(det: Detector, events: list[tuple[int, str, Signature, dict]]):
    out = []
    for i, (t, kind, s, fields) in enumerate(events, 1):
        out += det.process(MatchedRecord(rec(t, i), (Match(s, kind, fields),)))
    return out


def test_repeats_fold_into_one_event_and_a_quiet_gap_opens_a_new_one():
    s = sig(dedup_window_s=30 * 60.0)
    det = Detector([s], "h")
    out = feed(det, [(T0, "hit", s, {}), (T0 + 10 * MIN, "hit", s, {}), (T0 + 40 * MIN, "hit", s, {})])
    assert [(e.status, e.count) for e in out] == [("firing", 1)]
    out = det.advance(T0 + 71 * MIN)  # 31 minutes after the last hit: window over
    assert [(e.count, e.last_seen) for e in out] == [(3, T0 + 40 * MIN)]
    out = feed(det, [(T0 + 72 * MIN, "hit", s, {})])
    assert [(e.count, e.first_seen) for e in out] == [(1, T0 + 72 * MIN)]
    assert out[0].deadline == T0 + 72 * MIN + 4 * 3600 * 1000


def test_dedup_by_field_keeps_separate_events():
    s = sig(match=(make_rx("(?P<volume>[A-Z]:)"),), dedup_by=("volume",))
    det = Detector([s], "h")
    out = feed(
        det,
        [(T0, "hit", s, {"volume": "C:"}), (T0 + 1, "hit", s, {"volume": "D:"}), (T0 + 2, "hit", s, {"volume": "C:"})],
    )
    assert [json.loads(e.dedup_key) for e in out] == [["s", "h", [["volume", "C:"]]], ["s", "h", [["volume", "D:"]]]]
    assert [(e.fields["volume"], e.count) for e in det.finish()] == [("C:", 2)]


def test_threshold_trips_at_the_nth_hit_within_the_window():
    s = sig(threshold=Threshold(3, 15 * 60.0))
    det = Detector([s], "h")
    # two hits, then a third 20 minutes after the first: only two within any 15 minutes
    assert feed(det, [(T0, "hit", s, {}), (T0 + 10 * MIN, "hit", s, {}), (T0 + 20 * MIN, "hit", s, {})]) == []
    out = feed(det, [(T0 + 21 * MIN, "hit", s, {})])
    assert [(e.count, e.first_seen, e.detected_at, e.kind) for e in out] == [
        (3, T0 + 10 * MIN, T0 + 21 * MIN, "threshold")
    ]


def test_resolve_matches_by_fields_it_captures():
    s = sig(
        match=(make_rx("(?P<volume>[A-Z]:) low"),), dedup_by=("volume",), resolve=(make_rx("(?P<volume>[A-Z]:) ok"),)
    )
    det = Detector([s], "h")
    feed(det, [(T0, "hit", s, {"volume": "C:"}), (T0, "hit", s, {"volume": "D:"})])
    out = feed(det, [(T0 + MIN, "resolve", s, {"volume": "D:"})])
    assert [(e.status, e.fields["volume"], e.resolved_at) for e in out] == [("resolved", "D:", T0 + MIN)]
    out = feed(det, [(T0 + 2 * MIN, "resolve", s, {})])  # captures nothing: resolves all
    assert [(e.status, e.fields["volume"]) for e in out] == [("resolved", "C:")]
    assert [e.count for e in feed(det, [(T0 + 3 * MIN, "hit", s, {"volume": "C:"})])] == [1]


def test_absence_fires_after_silence_and_resolves_on_return():
    s = sig(match=(), absent=Absent((make_rx("beat"),), 3600.0, "seen"))
    det = Detector([s], "h")
    assert det.advance(T0) == []
    assert det.advance(T0 + 5 * 3600 * 1000) == []  # not armed: never seen
    feed(det, [(T0 + 5 * 3600 * 1000, "heartbeat", s, {})])
    assert det.advance(T0 + 5 * 3600 * 1000 + 59 * MIN) == []
    out = det.advance(T0 + 7 * 3600 * 1000)
    assert [(e.status, e.kind, e.detected_at) for e in out] == [("firing", "absent", T0 + 6 * 3600 * 1000)]
    assert det.advance(T0 + 9 * 3600 * 1000) == []  # still open: not fired again
    out = feed(det, [(T0 + 10 * 3600 * 1000, "heartbeat", s, {})])
    assert [(e.status, e.resolved_at) for e in out] == [("resolved", T0 + 10 * 3600 * 1000)]


def test_absence_armed_at_start():
    s = sig(match=(), absent=Absent((make_rx("beat"),), 600.0, "start"))
    det = Detector([s], "h")
    det.advance(T0)
    assert [e.detected_at for e in det.advance(T0 + 11 * MIN)] == [T0 + 10 * MIN]


def test_auto_resolve_after_quiet_time():
    s = sig(auto_resolve_s=600.0)
    det = Detector([s], "h")
    feed(det, [(T0, "hit", s, {}), (T0 + 5 * MIN, "hit", s, {})])
    out = det.advance(T0 + 16 * MIN)
    assert [(e.status, e.resolved_at, e.count) for e in out] == [("resolved", T0 + 15 * MIN, 2)]


def test_message_and_fields_are_redacted():
    s = sig(match=(make_rx("token=(?P<tok>\\S+)"),))
    det = Detector([s], "h")
    r = Record("login failed Authorization: Bearer abcdefghijklmnop token=abcdefghijkl", T0, 1, "src", "p")
    out = det.process(MatchedRecord(r, (Match(s, "hit", {"tok": "abcdefghijkl"}),)))
    assert "abcdefghijklmnop" not in out[0].message and "abcdefghijkl" not in str(out[0].fields)


_hits = st.lists(
    st.tuples(st.integers(0, 600), st.sampled_from(["hit", "resolve"]), st.sampled_from(["C:", "D:"])), max_size=40
)


@settings(max_examples=200, deadline=None)
@given(steps=_hits, window=st.sampled_from([60.0, 600.0, 3600.0]), threshold=st.sampled_from([None, 2, 3]))
def test_ids_are_stable_unique_and_reports_consistent(steps, window, threshold):
    s = sig(
        match=(make_rx("(?P<v>[A-Z]:)"),),
        dedup_by=("v",),
        dedup_window_s=window,
        resolve=(make_rx("ok (?P<v>[A-Z]:)"),),
        threshold=Threshold(threshold, 900.0) if threshold else None,
    )

    def run():
        det = Detector([s], "h")
        t, out = T0, []
        for i, (dt, kind, v) in enumerate(steps, 1):
            t += dt * 1000
            out += det.process(MatchedRecord(rec(t, i), (Match(s, kind, {"v": v}),)))
        return out + det.finish()

    first, second = run(), run()
    assert [e.to_dict() for e in first] == [e.to_dict() for e in second]
    fired = [e for e in first if e.status == "firing" and e.count >= 1]
    opened = {}
    for e in first:
        opened.setdefault(e.id, e)
        assert opened[e.id].dedup_key == e.dedup_key and opened[e.id].first_seen == e.first_seen
        assert e.first_seen <= e.last_seen and e.count >= 1
    # every id belongs to exactly one event: at most one resolve report per id
    resolves = [e.id for e in first if e.status == "resolved"]
    assert len(resolves) == len(set(resolves))
    assert len(fired) >= len(set(resolves))


def test_repeat_while_still_occurring():
    s = sig(repeat_s=600.0, dedup_window_s=3600.0)
    det = Detector([s], "h")
    assert [e.report for e in feed(det, [(T0, "hit", s, {})])] == ["fired"]
    assert det.advance(T0 + 11 * MIN) == []  # no new hit since the report: nothing to repeat
    feed(det, [(T0 + 12 * MIN, "hit", s, {})])
    out = det.advance(T0 + 13 * MIN)
    assert [(e.report, e.count, e.detected_at) for e in out] == [("repeated", 2, T0)]
    feed(det, [(T0 + 14 * MIN, "hit", s, {})])
    # repeats keep to their schedule: the first was due at 10 minutes, the next at 20
    assert det.advance(T0 + 19 * MIN) == []
    assert [(e.report, e.count) for e in det.advance(T0 + 21 * MIN)] == [("repeated", 3)]


def test_a_record_the_detector_fails_on_is_set_aside_and_the_others_go_on():
    """The careful pass (issue 11, item 1): ``feed`` with ``set_aside`` skips an item the
    detector raises on and detects the ones around it; without it, the error goes up."""
    import pytest

    from logsentinel.detection.timeline import feed as timeline_feed

    s = sig(match=(make_rx("disk (?P<v>[A-Z]:)"),), dedup_by=("v",))

    class Fragile(Detector):
        def process(self, mr, advance=True):
            if "D:" in mr.record.text:
                raise OverflowError("year 10000 is out of range")
            return super().process(mr, advance=advance)

    def items():
        return [
            [
                (T0 + i, MatchedRecord(rec(T0 + i, i + 1, f"disk {v} full"), (Match(s, "hit", {"v": v}),)))
                for i, v in enumerate(["C:", "D:", "E:"])
            ]
        ]

    aside = []
    out = list(
        timeline_feed(
            Fragile([s], "h"), items(), set_aside=lambda item, exc: aside.append((item.record.line, str(exc)))
        )
    )
    assert [e.fields["v"] for e in out] == ["C:", "E:"]
    assert aside == [(2, "year 10000 is out of range")]
    with pytest.raises(OverflowError):
        list(timeline_feed(Fragile([s], "h"), items()))
