"""The crash signatures on hand-written Windows events (as `wevtutil qe /f:RenderedXml` prints
them): suite services and processes fire, rendered or not, in English or Italian; other
services and programs, and a normal stop, fire nothing."""

from __future__ import annotations

import pytest
from conftest import ROOT

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
    ],
)
def test_suite_crashes_fire(library, name, signature, field, value):
    hits = _hits(library, name)
    assert [sid for sid, _ in hits] == [signature]
    assert hits[0][1][field] == value


def test_other_programs_and_a_normal_stop_fire_nothing(library):
    assert _hits(library, "non-suite.xml") == []
