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
