"""The event key is a structured value with an unambiguous text form: field values taken from
log lines can never make two different events share a key, and nothing reads a key back."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from support.strategies import make_rx

from logsentinel.detection.detector import Detector
from logsentinel.detection.events import EventKey
from logsentinel.matching.matcher import Match, MatchedRecord
from logsentinel.records.blocks import Record
from logsentinel.signatures.model import Signature
from logsentinel.sinks.alertmanager import alert

T0 = 1_764_230_400_000
COLLIDING = ({"a": "x|b=y", "b": "z"}, {"a": "x", "b": "y|b=z"})  # one '|'-joined key for both


def _sig() -> Signature:
    return Signature(
        id="s",
        title="S",
        priority="P3",
        response_time_s=3600,
        category="anomaly",
        match=(make_rx("(?P<a>.+) (?P<b>.+)"),),
        dedup_by=("a", "b"),
        dedup_window_s=3600.0,
    )


def test_fields_that_collided_in_the_old_key_make_two_events_with_two_keys():
    s = _sig()
    det = Detector([s], "h")
    out = []
    for i, fields in enumerate(COLLIDING):
        out += det.process(MatchedRecord(Record("line", T0 + i, i + 1, "src", "app.log"), (Match(s, "hit", fields),)))
    assert [e.report for e in out] == ["fired", "fired"]
    assert out[0].dedup_key != out[1].dedup_key
    assert [e.fields for e in out] == list(COLLIDING)
    assert len(det.open) == 2


def test_alertmanager_labels_carry_the_true_field_values():
    s = _sig()
    det = Detector([s], "h")
    labels = []
    for i, fields in enumerate(COLLIDING):
        ev = det.process(MatchedRecord(Record("line", T0 + i, i + 1, "src", "app.log"), (Match(s, "hit", fields),)))[0]
        labels.append(alert(ev.to_dict(), "2030-01-01T00:00:00.000Z")["labels"])
    assert [(lab["a"], lab["b"]) for lab in labels] == [("x|b=y", "z"), ("x", "y|b=z")]


names = st.text(st.characters(codec="utf-8"), min_size=1, max_size=8)
values = st.text(st.characters(codec="utf-8"), max_size=12)


@given(st.lists(st.tuples(names, values), max_size=4), st.lists(st.tuples(names, values), max_size=4), names, names)
def test_distinct_keys_have_distinct_texts(f1, f2, h1, h2):
    k1, k2 = EventKey("sig", h1, tuple(f1)), EventKey("sig", h2, tuple(f2))
    if k1 != k2:
        assert k1.text() != k2.text()
    else:
        assert k1.text() == k2.text()


def test_the_text_form_is_json_and_long_keys_stay_within_255_characters():
    key = EventKey("database.space_low", "ucx1", (("database", "DB1"),))
    assert json.loads(key.text()) == ["database.space_low", "ucx1", [["database", "DB1"]]]
    long = EventKey("s", "h", (("f", "v" * 500),))
    other = EventKey("s", "h", (("f", "v" * 499 + "w"),))
    assert len(long.text()) <= 255 and long.text() != other.text()
