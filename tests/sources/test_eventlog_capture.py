"""Replay of real .evtx files (../shared/fixtures/evtx) and of XML exports: recognised by their
content, every readable record read (a dirty header too), selector-only signatures hit exactly
the events they select, malformed events skipped and counted, unknown binaries refused."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES, run_cli, rust_extension

from logsentinel.config.load import default_config
from logsentinel.matching.matcher import Matcher
from logsentinel.signatures.load import load_library
from logsentinel.sources.eventlog.capture import EventStats, read_events, sniff
from logsentinel.tools.replay import UnknownFormat, replay

SHARED = ROOT.parent / "shared" / "fixtures" / "evtx"
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason="../shared/fixtures/evtx is not here (the real .evtx samples)"
)
SELECTORS = textwrap.dedent("""
    - {id: t.scm_7036, title: t, priority: P4, event: {provider: service control manager, id: 7036},
       examples: {match: [{event: {provider: Service Control Manager, id: 7036}}], no_match: [x]}}
    - {id: t.scm_7040, title: t, priority: P4, event: {provider: Service Control Manager, id: 7040},
       examples: {match: [{event: {provider: Service Control Manager, id: 7040}}], no_match: [x]}}
    - {id: t.scm_7045, title: t, priority: P4, event: {provider: Service Control Manager, id: [7045], channel: System},
       examples: {match: [{event: {provider: Service Control Manager, id: 7045, channel: System}}], no_match: [x]}}
""")


def _hits(tmp_path: Path, files: list[Path]) -> tuple[dict, object]:
    (tmp_path / "p").mkdir(exist_ok=True)
    (tmp_path / "p" / "t.yaml").write_text(SELECTORS)
    lib = load_library([tmp_path / "p"])
    assert not lib.errors, lib.errors
    matcher = Matcher(lib.signatures, timeout=None)
    stats = replay(files, default_config(), matcher, lambda ev: None, host="h")
    return {sid: st.hits for sid, st in matcher.stats.per_signature.items()}, stats


@needs_shared
def test_selector_only_signatures_hit_every_selected_event(tmp_path):
    rust_extension("evtx")
    hits, stats = _hits(tmp_path, [SHARED / "plaso-System.evtx"])
    assert stats.eventlog.events == 5009 and stats.eventlog.malformed == 0
    assert hits == {"t.scm_7036": 3434, "t.scm_7040": 1018, "t.scm_7045": 25}


@needs_shared
def test_a_dirty_header_is_read_to_the_last_record(tmp_path):
    rust_extension("evtx")
    assert sniff(SHARED / "evtx-rs-system-dirty.evtx") == "evtx"
    stats = EventStats()
    records = list(read_events(SHARED / "evtx-rs-system-dirty.evtx", "eventlog", stats))
    assert len(records) == 1881 and stats.malformed == 0
    assert records[0].attrs["channel"] == "System" and records[0].time is not None
    app = list(read_events(SHARED / "evtx-rs-Application_no_crc32.evtx", "eventlog", EventStats()))
    assert len(app) == 17 and {r.attrs["channel"] for r in app} == {"Application"}


def test_xml_exports_in_utf16_are_read_and_a_malformed_event_is_skipped(tmp_path):
    sample = SAMPLES / "logs" / "System-eventlog.xml"
    assert sniff(sample) == "xml"
    with open(sample, encoding="utf-16", newline="") as fh:
        good = fh.read()
    first, rest = good.split("\r\n", 1)
    broken = tmp_path / "System.xml"
    broken.write_text(
        first
        + "\r\n<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>oops</Event>\r\n"
        + rest,
        encoding="utf-16",
    )
    stats = EventStats()
    records = list(read_events(broken, "eventlog", stats))
    assert stats.malformed == 1 and len(records) == good.count("<Event ")
    assert "event 2" in stats.first_error


def test_a_binary_file_of_no_known_format_is_refused(tmp_path):
    blob = tmp_path / "dump.bin"
    blob.write_bytes(bytes(range(256)) * 64)
    assert sniff(blob) == "binary"
    with pytest.raises(UnknownFormat):
        replay([blob], default_config(), Matcher([]), lambda ev: None)
    res = run_cli("replay", "--patterns", ROOT / "patterns", blob)
    assert res.returncode == 1 and "binary file of no known format" in res.stderr and "Traceback" not in res.stderr
