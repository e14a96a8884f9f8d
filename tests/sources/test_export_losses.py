"""Nothing lost from an export goes unsaid (issue 21, items 8 and 10), through ``replay`` as a
support engineer runs it: a zeroed .evtx chunk, an .evtx cut inside a chunk, an XML export cut
inside an event, UTF-16 without a BOM, and a flood of ``<Event `` with no ``>`` (quadratic: 5.6 s
for 200 KB, 21.8 s for 400 KB before)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import ROOT, run_cli, rust_extension

from logsentinel.sources.eventlog.capture import EVTX_CHUNK, EVTX_HEADER, EventStats, read_events

SHARED = ROOT.parent / "shared" / "fixtures" / "evtx"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/fixtures/evtx is not here")

EVENT = (
    "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
    "<Provider Name='Service Control Manager'/><EventID>7031</EventID><Level>2</Level>"
    "<TimeCreated SystemTime='2026-11-27T10:00:0{n}.000Z'/><EventRecordID>{n}</EventRecordID>"
    "<Channel>System</Channel><Computer>ucx</Computer></System><EventData>"
    "<Data Name='param1'>Imagicle Service {n}</Data></EventData></Event>"
)


def _replay(path: Path):
    """``replay --stats`` of one file: (stdout, stderr)."""
    res = run_cli("replay", "--no-bundled", "--format", "jsonl", "--stats", path, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    return res.stdout, res.stderr


def _records(path: Path) -> tuple[int, EventStats]:
    stats = EventStats()
    return sum(1 for _ in read_events(path, "eventlog", stats)), stats


@needs_shared
def test_a_zeroed_chunk_is_said_with_the_records_it_held(tmp_path):
    rust_extension("evtx")
    data = bytearray((SHARED / "plaso-System.evtx").read_bytes())
    start = EVTX_HEADER + 3 * EVTX_CHUNK
    data[start : start + EVTX_CHUNK] = bytes(EVTX_CHUNK)
    zeroed = tmp_path / "System.evtx"
    zeroed.write_bytes(data)
    _, err = _replay(zeroed)
    assert "System.evtx: chunk 3 (at byte 200,704) does not start as a chunk (zeroed or overwritten)" in err
    assert "System.evtx: 160 record(s) missing between record ids 446 and 605" in err
    assert "event-log records: 4849; malformed or unreadable, skipped: 160" in err  # was "skipped: 0"


@needs_shared
def test_an_evtx_cut_inside_a_chunk_is_read_as_far_as_it_goes(tmp_path):
    rust_extension("evtx")
    whole = (SHARED / "evtx-rs-Application_no_crc32.evtx").read_bytes()
    cut = tmp_path / "Application.evtx"
    cut.write_bytes(whole[: EVTX_HEADER + 40_000])
    count, _ = _records(cut)
    assert count == 17  # 0 before, and nothing said
    _, err = _replay(cut)
    assert "Application.evtx: ends inside chunk 0 (the file was cut short)" in err


@needs_shared
def test_every_record_of_the_real_files_is_read_with_no_warning(tmp_path):
    rust_extension("evtx")
    for name, expected in (("plaso-System.evtx", 5009), ("evtx-rs-system-dirty.evtx", 1881)):
        count, stats = _records(SHARED / name)
        assert (count, stats.malformed, stats.warnings) == (expected, 0, [])


def test_an_xml_export_cut_inside_an_event_says_so(tmp_path):
    export = tmp_path / "System.xml"
    export.write_text("<Events>" + EVENT.format(n=1) + EVENT.format(n=2)[:180], encoding="utf-8")
    _, err = _replay(export)
    assert "System.xml: the file ends inside an event (cut short?): that event is lost" in err
    assert "event-log records: 1; malformed or unreadable, skipped: 1" in err


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_utf16_export_without_a_bom_is_read(tmp_path, encoding):
    export = tmp_path / "System.xml"
    export.write_bytes(
        ("<Events>\r\n" + EVENT.format(n=1) + "\r\n" + EVENT.format(n=2) + "\r\n</Events>").encode(encoding)
    )
    count, stats = _records(export)
    assert (count, stats.malformed) == (2, 0)  # 0 events and no notice before


def test_a_flood_of_unclosed_event_tags_is_linear_and_the_next_event_is_kept(tmp_path):
    export = tmp_path / "flood.xml"
    export.write_text("<Events>" + EVENT.format(n=1) + "<Event " * 60_000 + EVENT.format(n=2) + "</Events>")
    started = time.monotonic()
    count, stats = _records(export)
    took = time.monotonic() - started
    assert count == 2 and stats.malformed == 1
    assert took < 3  # 420 KB: 19 s before (quadratic); about 0.03 s now


def test_a_file_with_no_event_end_is_not_held_whole(tmp_path, monkeypatch):
    import logsentinel.sources.eventlog.capture as capture

    monkeypatch.setattr(capture, "MAX_EVENT_CHARS", 100_000)
    monkeypatch.setattr(capture, "CHUNK", 50_000)
    export = tmp_path / "garbage.xml"
    export.write_text("<Events><Event>" + "x" * 300_000 + EVENT.format(n=3) + "</Events>")
    count, stats = _records(export)
    assert count == 1 and any("with no end of an event: skipped" in w for w in stats.warnings)
