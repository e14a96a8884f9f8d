"""The event-log converter: XML as EvtRender, wevtutil and an .evtx parser give it, to one
record with the event's fields; rendered or not; malformed events refused with a reason."""

from __future__ import annotations

import contextlib

import pytest
from conftest import ROOT
from hypothesis import given
from hypothesis import strategies as st

from logsentinel.records.eventxml import EventXmlError, system_time, xml_record

FIXTURES = ROOT / "tests" / "fixtures" / "eventxml"


def _rec(name: str):
    return xml_record((FIXTURES / name).read_text(encoding="utf-8"), "eventlog", name)


def test_rendered_event_fields_time_and_text():
    rec = _rec("scm-7031-rendered.xml")
    assert rec.time == system_time("2026-11-27T10:02:44.561Z") == 1_795_773_764_561
    assert rec.text.startswith("Error Service Control Manager 7031: The Imagicle Call Recording service terminated")
    assert {
        k: rec.attrs[k] for k in ("channel", "provider", "event_id", "level", "record_id", "computer", "param1")
    } == {
        "channel": "System",
        "provider": "Service Control Manager",
        "event_id": "7031",
        "level": "Error",
        "record_id": "91413",
        "computer": "ucx-01.ucx.local",
        "param1": "Imagicle Call Recording",
    }
    assert "binary" not in rec.attrs and rec.line == 91413


def test_unrendered_event_text_is_its_data():
    assert (
        _rec("scm-7034-data-only.xml").text
        == "Error Service Control Manager 7034: param1=Imagicle Call Recording; param2=2"
    )


def test_unnamed_data_are_numbered_and_multi_line_data_stays_one_record():
    rec = _rec("app-error-1000-unnamed.xml")
    assert rec.attrs["data1"] == "QueueManager.exe" and rec.attrs["data11"].endswith("QueueManager.exe")
    dotnet = _rec("dotnet-1026.xml")
    assert dotnet.text.startswith("Error .NET Runtime 1026: data1=Application: CallRecordingService.exe\n")
    assert "at StoneVoice.Data.Db.Execute" in dotnet.text


def test_a_live_message_wins_over_the_data():
    xml = (FIXTURES / "scm-7034-data-only.xml").read_text()
    assert (
        xml_record(xml, "s", "p", message="Il servizio Imagicle Call Recording è stato terminato").text
        == "Error Service Control Manager 7034: Il servizio Imagicle Call Recording è stato terminato"
    )


@pytest.mark.parametrize(
    "xml",
    [
        "",
        "<Event>",
        "<Foo/>",
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'/>",
        "<Event><System><Provider Name='x'/><EventID>abc</EventID></System></Event>",
    ],
)
def test_malformed_events_are_refused_with_a_reason(xml):
    with pytest.raises(EventXmlError):
        xml_record(xml, "s", "p")


@given(st.text(max_size=200))
def test_any_text_either_converts_or_is_refused(text):
    with contextlib.suppress(EventXmlError):
        xml_record(text, "s", "p")


# ---- the plain reader and the tree reader agree ----------------------------------------------
from logsentinel.records.eventxml import _parse_plain, _parse_tree  # noqa: E402

_TOKENS = [
    "a",
    "Imagicle",
    " ",
    "7031",
    "é",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "&amp;",
    "&lt;",
    "&gt;",
    "&quot;",
    "'",
    '"',
    "&#x41;",
    "&#x1;",
    "&#10;",
    "&#13;",
    "&#9;",
    "\x01",
    "\x1b",
    "\ufffd",
    "&apos;",
]
_VALUES = st.lists(st.sampled_from(_TOKENS), max_size=8).map("".join)
_NAMES = st.sampled_from(["param1", "param2", "Data", "x&amp;y", "", "Channel", "a\tb", "a&#9;b"])


@st.composite
def _events(draw):
    quote = draw(st.sampled_from(['"', "'"]))
    q = quote
    provider = draw(st.sampled_from(["Service Control Manager", "Application Error", ".NET Runtime", "A &amp; B"]))
    attrs = f" Name={q}{provider}{q}" + (f" EventSourceName={q}Src{q}" if draw(st.booleans()) else "")
    items = []
    for _ in range(draw(st.integers(0, 4))):
        name = draw(_NAMES)
        value = draw(_VALUES)
        if draw(st.booleans()) and name:
            items.append(f"<Data Name={q}{name}{q}>{value}</Data>")
        elif draw(st.booleans()):
            items.append(f"<Data>{value}</Data>")
        else:
            items.append(f"<Data Name={q}{name or 'e'}{q}/>")
    binary = "<Binary>00FF</Binary>" if draw(st.booleans()) else ""
    rendering = (
        f"<RenderingInfo Culture={q}en-US{q}><Message>{draw(_VALUES)}</Message><Level>Error</Level></RenderingInfo>"
        if draw(st.booleans())
        else ""
    )
    level = draw(st.sampled_from(["1", "2", "3", "4", "0", "", "Error"]))
    ws = draw(st.sampled_from(["", "\n  ", "\r\n    "]))
    decl = draw(st.sampled_from(["", '<?xml version="1.0" encoding="utf-8"?>\n']))
    ns = draw(st.sampled_from([" xmlns='http://schemas.microsoft.com/win/2004/08/events/event'", ""]))
    return (
        f"{decl}<Event{ns}>{ws}<System>{ws}<Provider{attrs}>{ws}</Provider>{ws}"
        f"<EventID Qualifiers={q}16384{q}>{draw(st.sampled_from(['7031', '1000', ' 1026 ']))}</EventID>{ws}"
        f"<Level>{level}</Level>{ws}<TimeCreated SystemTime={q}2026-11-27T08:30:14.1234567Z{q}/>{ws}"
        f"<EventRecordID>{draw(st.integers(1, 10**9))}</EventRecordID>{ws}<Channel>System</Channel>{ws}"
        f"<Computer>ucx-01</Computer>{ws}</System>{ws}<EventData>{ws.join(items)}{binary}</EventData>{rendering}</Event>"
    )


@given(_events())
def test_the_plain_reader_reads_what_the_tree_reader_reads(xml):
    plain = _parse_plain(xml)
    assert plain is not None, xml
    assert plain == _parse_tree(xml)


def test_the_plain_reader_reads_the_real_evtx_files_as_the_tree_reader_does():
    from conftest import rust_extension

    evtx = rust_extension("evtx")
    folder = ROOT.parent / "shared" / "fixtures" / "evtx"
    files = sorted(folder.glob("*.evtx"))
    if not files:
        pytest.skip(f"no real .evtx files in {folder}")
    plain_read = 0
    for path in files:
        for record in evtx.PyEvtxParser(str(path)).records():
            xml = record["data"]
            plain = _parse_plain(xml)
            if plain is not None:
                plain_read += 1
                assert plain == _parse_tree(xml), xml
    assert plain_read > 6000  # nearly all of 6,907 records take the fast way


def _tree_or_none(xml: str):
    try:
        return _parse_tree(xml)
    except EventXmlError:
        return None


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "tests" / "fixtures" / "eventxml").glob("*.xml")))
def test_the_exported_fixtures_read_the_same_both_ways(name):
    xml = (ROOT / "tests" / "fixtures" / "eventxml" / name).read_text(encoding="utf-8")
    plain = _parse_plain(xml)
    assert plain is None or plain == _tree_or_none(xml)


@given(_events().flatmap(lambda xml: st.tuples(st.just(xml), st.integers(0, len(xml)), st.integers(0, 40))))
def test_a_damaged_event_is_read_the_same_where_both_readers_read_it(case):
    """The plain reader may read a damaged event that expat refuses (losing nothing); where both
    read it, they agree."""
    xml, at, cut = case
    damaged = xml[:at] + xml[at + cut :]
    plain, tree = _parse_plain(damaged), _tree_or_none(damaged)
    assert plain is None or tree is None or plain == tree
