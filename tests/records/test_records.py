"""Records: multi-line joining, times, and the cutter that makes blocks from any feed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from support.strategies import log_lines

from logsentinel.records.blocks import (
    Block,
    RecordCutter,
    SourceSpec,
    iter_records,
    make_record,
    record_bounds,
    record_spans,
)
from logsentinel.records.timestamps import TimeParser
from logsentinel.timefmt import iso

SPEC = SourceSpec.build("app", timezone="Europe/Rome")


def records_of(text: str, spec=SPEC):
    cutter = RecordCutter(spec, "app.log")
    blocks = [b for b in (cutter.feed(text.encode()), cutter.flush()) if b is not None]
    return [r for b in blocks for r in iter_records(b)]


def test_stack_trace_is_one_record():
    text = (
        "2026-11-27 10:12:03,412 [31] ERROR Repo - Error saving recording\n"
        "System.Data.SqlClient.SqlException (0x80131904): filegroup is full\n"
        "   at System.Data.SqlClient.SqlConnection.OnError()\n"
        "ClientConnectionId:5f1c\n"
        "2026-11-27 10:12:04,000 [31] INFO Repo - next\n"
    )
    recs = records_of(text)
    assert [r.line for r in recs] == [1, 5]
    assert recs[0].text.count("\n") == 3 and recs[0].text.endswith("ClientConnectionId:5f1c")
    assert iso(recs[0].time) == "2026-11-27T09:12:03.412Z"


def test_record_without_time_takes_previous_time():
    spec = SourceSpec.build("app", start=r"^(?:\d{4}-|NOTIME)", timezone="UTC")
    recs = records_of("2026-11-27 10:00:00 a\nNOTIME b\n", spec)
    assert [r.own_time for r in recs] == [True, False]
    assert recs[1].time == recs[0].time


def test_every_line_mode():
    spec = SourceSpec.build("app", every_line=True, timezone="UTC")
    assert [r.text for r in records_of("a\n  b\nc\n", spec)] == ["a", "  b", "c"]


TIMES = [
    ("2026-11-27 15:48:47,123 [5] ERROR x", "2026-11-27T14:48:47.123Z"),
    ("2026-11-27T15:48:47Z x", "2026-11-27T15:48:47.000Z"),
    ("2026-11-27T15:48:47.5+02:00 x", "2026-11-27T13:48:47.500Z"),
    ("[2026-11-27 15:48:47.1234567] x", "2026-11-27T14:48:47.123Z"),
    ("2026/11/27 15:48:47 x", "2026-11-27T14:48:47.000Z"),
    ("27/11/2026 15:48:47 x", "2026-11-27T14:48:47.000Z"),
    ("27.11.2026 15:48:47 x", "2026-11-27T14:48:47.000Z"),
    ("11/27/2026 3:48:47 PM x", "2026-11-27T14:48:47.000Z"),
    ("2026-07-01 10:00:00 summer time", "2026-07-01T08:00:00.000Z"),
    ("2026-13-01 10:00:00 no such month", None),
    ("   at Foo.Bar()", None),
]


def test_timestamp_layouts():
    parser = TimeParser("Europe/Rome")
    for line, want in TIMES:
        assert iso(parser.parse(line)) == want, line


def test_time_format_option():
    parser = TimeParser("UTC", "%d-%b-%Y %H:%M:%S")
    assert iso(parser.parse("x 27-Nov-2026 10:11:12 y")) == "2026-11-27T10:11:12.000Z"


@settings(max_examples=200, deadline=None)
@given(
    lines=log_lines(max_records=20),
    cuts=st.lists(st.integers(0, 3000), max_size=8),
    max_record=st.sampled_from([64, 256, 1 << 20]),
)
def test_any_feeding_gives_the_same_records(lines, cuts, max_record):
    """Fed in any pieces, the cutter yields the same records as one block of the whole text
    (as long as no record is cut for size), and every block starts on a record."""
    spec = SourceSpec.build("app", timezone="UTC", max_record_bytes=max_record)
    data = ("\n".join(lines) + "\n").encode()
    # feed whole lines only, split at the chosen line boundaries
    ends = sorted({data.find(b"\n", min(c, len(data) - 1)) + 1 for c in cuts} | {len(data)})
    cutter = RecordCutter(spec, "a.log")
    blocks, start = [], 0
    for end in ends:
        b = cutter.feed(data[start:end])
        start = end
        if b is not None:
            blocks.append(b)
    if (b := cutter.flush()) is not None:
        blocks.append(b)
    assert b"".join(b.data for b in blocks) == data
    got = [(r.line, r.text) for b in blocks for r in iter_records(b)]
    if max_record == 1 << 20:
        whole = Block(data, 1, "a.log", spec, None)
        assert got == [(r.line, r.text) for r in iter_records(whole)]
    # bounds found from any offset agree with the reference spans
    for b in blocks:
        spans = list(record_spans(b))
        for rs, re_, line in spans:
            for pos in {rs, (rs + re_) // 2, re_ - 1}:
                assert record_bounds(b, pos) == (rs, re_)
                assert make_record(b, rs, re_).line == line


def test_oversized_record_is_released_in_pieces():
    spec = SourceSpec.build("app", timezone="UTC", max_record_bytes=1000)
    cutter = RecordCutter(spec, "a.log")
    out = [cutter.feed(b"2026-11-27 10:00:00 start\n")]
    for _ in range(100):
        out.append(cutter.feed(b"   at continuation line of a very long stack trace\n"))
        assert len(cutter.pending) < 2000  # memory stays bounded
    assert any(b is not None for b in out)
