"""The crash signatures on hand-written Windows events (as `wevtutil qe /f:RenderedXml` prints
them): suite services and processes fire, rendered or not, in English or Italian; other
services and programs, and a normal stop, fire nothing."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, run_cli

from logsentinel.matching.matcher import Matcher
from logsentinel.sources.eventlog.capture import EventStats, read_events

FIXTURES = ROOT / "tests" / "fixtures" / "eventxml"


def _hits(library, name: str) -> list[tuple[str, dict]]:
    records = list(read_events(FIXTURES / name, "eventlog", EventStats(), "xml"))
    found = Matcher(library.signatures, timeout=None).match_records(records, "eventlog")
    return [(m.signature.id, m.fields) for mr in found for m in mr.matches if m.kind == "hit"]


@pytest.mark.parametrize(
    "name, signature, field, value",
    [
        ("scm-7031-rendered.xml", "app.crash", "param1", "Imagicle Call Recording"),
        ("scm-7034-data-only.xml", "app.crash", "param1", "Imagicle Call Recording"),
        ("scm-7031-italian.xml", "app.crash", "param1", "Imagicle Call Recording"),
        ("app-error-1000-unnamed.xml", "app.process_crash", "component", "QueueManager.exe"),
        ("dotnet-1026.xml", "app.dotnet_crash", "component", "CallRecordingService.exe"),
        ("dotnet-1023.xml", "app.dotnet_crash", "component", "Imagicle.Analytics.Service.exe"),
        ("wer-1001-data-only.xml", "app.process_crash", "component", "QueueManager.exe"),
    ],
)
def test_suite_crashes_fire(library, name, signature, field, value):
    hits = _hits(library, name)
    assert [sid for sid, _ in hits] == [signature]
    assert hits[0][1][field] == value


def test_other_programs_and_a_normal_stop_fire_nothing(library):
    assert _hits(library, "non-suite.xml") == []


def _events(*names: str) -> list[dict]:
    res = run_cli("replay", "--format", "jsonl", *(FIXTURES / n for n in names))
    assert res.returncode == 0, res.stderr
    return [json.loads(line) for line in res.stdout.splitlines() if line.strip()]


def test_one_crash_logged_by_application_error_and_by_wer_is_one_event():
    """Application Error 1000 and Windows Error Reporting 1001 of the same crash share the
    signature and the process: one event, count 2 (issue 22)."""
    events = _events("app-error-1000-unnamed.xml", "wer-1001-data-only.xml")
    assert {(e["signature"], e["fields"]["component"]) for e in events} == {("app.process_crash", "QueueManager.exe")}
    assert len({e["id"] for e in events}) == 1 and events[-1]["count"] == 2


def test_two_voip_services_crashing_within_the_hour_are_two_events():
    events = _events("voip-two-services.xml")
    ids = {e["fields"]["param1"]: e["id"] for e in events}
    assert set(ids) == {"Imagicle VoIP Stack", "Imagicle SIP Media Server"}
    assert len(set(ids.values())) == 2
